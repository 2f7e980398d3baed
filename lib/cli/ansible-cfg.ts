import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { shlexSplit } from '../inventory/index.js';
import { type CfgSections, parseCfgIni } from './cfg-ini.js';

/** What run-playbook takes from an ansible.cfg. CLI flags beat each of these. */
export interface AnsibleCfg {
  /** the file read, if any */
  file?: string;
  /** `[defaults] inventory` */
  inventory?: string[];
  /** `[defaults] forks` */
  forks?: number;
  /** `[defaults] roles_path` */
  rolesPath?: string[];
  /** `[defaults] vault_password_file` */
  vaultPasswordFile?: string;
  /** connection defaults for every host, below inventory variables: remote_user, private_key_file, ssh args */
  hostDefaults: Record<string, unknown>;
  /** `[section] key` of every setting run-playbook does not support (listed with -v, never taken) */
  ignored: string[];
}

const readable = (p: string): boolean => {
  try {
    accessSync(p, constants.R_OK);
    return existsSync(p);
  } catch {
    return false;
  }
};

/**
 * The config file Ansible would read, first found wins: `$ANSIBLE_CONFIG` (a directory means its
 * ansible.cfg), `./ansible.cfg` (skipped when the directory is world-writable), `~/.ansible.cfg`,
 * `/etc/ansible/ansible.cfg`.
 */
export function findAnsibleCfg(env: NodeJS.ProcessEnv, cwd: string): string | undefined {
  const paths: string[] = [];
  const fromEnv = env.ANSIBLE_CONFIG;
  if (fromEnv !== undefined) {
    const p = resolve(cwd, expand(fromEnv, env));
    paths.push(existsSync(p) && statSync(p).isDirectory() ? join(p, 'ansible.cfg') : p);
  }
  if ((statSync(cwd).mode & 0o002) === 0) paths.push(join(cwd, 'ansible.cfg'));
  paths.push(join(env.HOME ?? homedir(), '.ansible.cfg'), '/etc/ansible/ansible.cfg');
  return paths.find(readable);
}

/** `~` and `$VAR` expanded, as Ansible's unfrackpath does. */
function expand(p: string, env: NodeJS.ProcessEnv): string {
  const home = env.HOME ?? homedir();
  const v = p.replace(/\$(\w+)|\$\{(\w+)\}/g, (m, a?: string, b?: string) => env[(a ?? b) as string] ?? m);
  return v === '~' ? home : v.startsWith('~/') ? join(home, v.slice(2)) : v;
}

const unquote = (s: string): string => (/^(['"]).*\1$/.test(s) && s.length > 1 ? s.slice(1, -1) : s);

/** Ansible's boolean(value, strict=False). */
function cfgBool(v: string): boolean {
  return ['y', 'yes', 'on', '1', 'true', 't'].includes(v.trim().toLowerCase());
}

const SUPPORTED: Record<string, string[]> = {
  defaults: [
    'inventory',
    'remote_user',
    'private_key_file',
    'forks',
    'roles_path',
    'vault_password_file',
    'host_key_checking',
  ],
  ssh_connection: ['ssh_args'],
};

// run-playbook keeps its own ControlMaster per host; these in ssh_args would fight it
const OWN_SSH_OPTIONS = /^(ControlMaster|ControlPersist|ControlPath)\s*=/i;
const shellQuote = (w: string): string => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

/** ssh_args as words, without the ControlMaster options run-playbook sets itself. */
function sshArgWords(text: string, file: string, line: number): string[] {
  let words: string[];
  try {
    words = shlexSplit(text);
  } catch (e) {
    throw new InputError(`ssh_args: ${(e as Error).message}`, { file, line });
  }
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    const opt = w === '-o' ? words[i + 1] : w.startsWith('-o') ? w.slice(2) : undefined;
    if (opt !== undefined && OWN_SSH_OPTIONS.test(opt)) {
      if (w === '-o') i++;
      continue;
    }
    out.push(w);
  }
  return out;
}

/** Reads the settings run-playbook honours from a parsed ansible.cfg; paths relative to the file's directory. */
export function cfgSettings(s: CfgSections, file: string, env: NodeJS.ProcessEnv): AnsibleCfg {
  const get = (sec: string, key: string) => s.get(sec)?.get(key);
  const path = (v: string) => {
    const e = expand(unquote(v.trim()), env);
    return isAbsolute(e) ? e : resolve(dirname(file), e);
  };
  const out: AnsibleCfg = { file, hostDefaults: {}, ignored: [] };
  for (const [sec, keys] of s)
    for (const key of keys.keys()) if (!SUPPORTED[sec]?.includes(key)) out.ignored.push(`[${sec}] ${key}`);
  const inv = get('defaults', 'inventory');
  if (inv) out.inventory = inv.value.split(',').map((x) => path(x));
  const forks = get('defaults', 'forks');
  if (forks) {
    out.forks = Number(forks.value);
    if (!Number.isInteger(out.forks) || out.forks < 1)
      throw new InputError(`forks: expected a positive integer, got '${forks.value}'`, {
        file,
        line: forks.line,
      });
  }
  const roles = get('defaults', 'roles_path');
  if (roles) out.rolesPath = roles.value.split(':').map(path);
  const vpf = get('defaults', 'vault_password_file');
  if (vpf) out.vaultPasswordFile = path(vpf.value);
  const user = get('defaults', 'remote_user');
  if (user) out.hostDefaults.ansible_user = unquote(user.value.trim());
  const key = get('defaults', 'private_key_file');
  if (key) out.hostDefaults.ansible_ssh_private_key_file = path(key.value);
  const args: string[] = [];
  const sshArgs = get('ssh_connection', 'ssh_args');
  if (sshArgs) args.push(...sshArgWords(sshArgs.value, file, sshArgs.line));
  const hkc = get('defaults', 'host_key_checking');
  if (hkc && !cfgBool(hkc.value)) args.push('-o', 'StrictHostKeyChecking=no');
  if (args.length) out.hostDefaults.ansible_ssh_common_args = args.map(shellQuote).join(' ');
  return out;
}

/** Finds and reads the ansible.cfg Ansible would use; no file gives empty settings. */
export function loadAnsibleCfg(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): AnsibleCfg {
  const file = findAnsibleCfg(env, cwd);
  if (!file) return { hostDefaults: {}, ignored: [] };
  return cfgSettings(parseCfgIni(readFileSync(file, 'utf8'), file), file, env);
}

/** What `-v` says about the config: the file read, and every setting it holds that is not taken. */
export function describeCfg(c: AnsibleCfg): string {
  const lines = [c.file ? `Using ${c.file} as config file` : 'No config file found; using defaults'];
  if (c.ignored.length)
    lines.push(`${c.file}: not supported by run-playbook, ignored: ${c.ignored.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/**
 * roles_path reaches the role loader as `ANSIBLE_ROLES_PATH`, which (as in Ansible) beats the file when the
 * environment already sets it.
 */
export function applyRolesPath(c: AnsibleCfg, env: NodeJS.ProcessEnv = process.env): void {
  if (c.rolesPath && env.ANSIBLE_ROLES_PATH === undefined) env.ANSIBLE_ROLES_PATH = c.rolesPath.join(':');
}
