import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { InputError, type Position } from '../errors.js';
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
  /** the `ANSIBLE_*` variables that set one of these (they beat the file, as in Ansible) */
  fromEnv: string[];
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

/** The settings run-playbook honours: their section in the file and the variable that beats it. */
const SETTINGS = {
  inventory: ['defaults', 'ANSIBLE_INVENTORY'],
  remote_user: ['defaults', 'ANSIBLE_REMOTE_USER'],
  private_key_file: ['defaults', 'ANSIBLE_PRIVATE_KEY_FILE'],
  forks: ['defaults', 'ANSIBLE_FORKS'],
  roles_path: ['defaults', 'ANSIBLE_ROLES_PATH'],
  vault_password_file: ['defaults', 'ANSIBLE_VAULT_PASSWORD_FILE'],
  host_key_checking: ['defaults', 'ANSIBLE_HOST_KEY_CHECKING'],
  ssh_args: ['ssh_connection', 'ANSIBLE_SSH_ARGS'],
} as const;
type Setting = keyof typeof SETTINGS;

/** A setting's text, the directory its relative paths start from, and where it was written. */
interface Raw {
  value: string;
  base: string;
  where: Position;
}

// run-playbook keeps its own ControlMaster and socket per host; these in ssh_args would fight it (a ControlPersist
// is honoured: how long masters are kept after a run, as in Ansible)
const OWN_SSH_OPTIONS = /^(ControlMaster|ControlPath)\s*=/i;
const shellQuote = (w: string): string => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

/** ssh_args as words, without the ControlMaster and ControlPath options run-playbook sets itself. */
function sshArgWords(text: string, where: Position): string[] {
  let words: string[];
  try {
    words = shlexSplit(text);
  } catch (e) {
    throw new InputError(`ssh_args: ${(e as Error).message}`, where);
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

/**
 * Reads the settings run-playbook honours from a parsed ansible.cfg (paths relative to its directory) and from
 * the environment, whose `ANSIBLE_*` variables beat the file as in Ansible (paths relative to `cwd`).
 */
export function cfgSettings(
  s: CfgSections,
  file: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd: string,
): AnsibleCfg {
  const out: AnsibleCfg = { file, hostDefaults: {}, ignored: [], fromEnv: [] };
  for (const [sec, keys] of s)
    for (const key of keys.keys())
      if (SETTINGS[key as Setting]?.[0] !== sec) out.ignored.push(`[${sec}] ${key}`);
  const raw = (name: Setting): Raw | undefined => {
    const [section, variable] = SETTINGS[name];
    const e = env[variable];
    if (e !== undefined && e !== '') {
      out.fromEnv.push(variable);
      return { value: e, base: cwd, where: { file: `$${variable}` } };
    }
    const v = file ? s.get(section)?.get(name) : undefined;
    return v && file ? { value: v.value, base: dirname(file), where: { file, line: v.line } } : undefined;
  };
  const path = (r: Raw, v = r.value) => {
    const e = expand(unquote(v.trim()), env);
    return isAbsolute(e) ? e : resolve(r.base, e);
  };
  const inv = raw('inventory');
  if (inv) out.inventory = inv.value.split(',').map((x) => path(inv, x));
  const forks = raw('forks');
  if (forks) {
    out.forks = Number(forks.value);
    if (!Number.isInteger(out.forks) || out.forks < 1)
      throw new InputError(`forks: expected a positive integer, got '${forks.value}'`, forks.where);
  }
  const roles = raw('roles_path');
  if (roles) out.rolesPath = roles.value.split(':').map((x) => path(roles, x));
  const vpf = raw('vault_password_file');
  if (vpf) out.vaultPasswordFile = path(vpf);
  const user = raw('remote_user');
  if (user) out.hostDefaults.ansible_user = unquote(user.value.trim());
  const key = raw('private_key_file');
  if (key) out.hostDefaults.ansible_ssh_private_key_file = path(key);
  const args: string[] = [];
  const sshArgs = raw('ssh_args');
  if (sshArgs) args.push(...sshArgWords(sshArgs.value, sshArgs.where));
  const hkc = raw('host_key_checking');
  if (hkc && !cfgBool(hkc.value)) args.push('-o', 'StrictHostKeyChecking=no');
  if (args.length) out.hostDefaults.ansible_ssh_common_args = args.map(shellQuote).join(' ');
  return out;
}

/** Finds and reads the ansible.cfg Ansible would use, under the `ANSIBLE_*` variables that beat it. */
export function loadAnsibleCfg(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): AnsibleCfg {
  const file = findAnsibleCfg(env, cwd);
  const sections = file ? parseCfgIni(readFileSync(file, 'utf8'), file) : new Map();
  return cfgSettings(sections, file, env, cwd);
}

/** What `-v` says about the config: the file read, and every setting it holds that is not taken. */
export function describeCfg(c: AnsibleCfg): string {
  const lines = [c.file ? `Using ${c.file} as config file` : 'No config file found; using defaults'];
  if (c.ignored.length)
    lines.push(`${c.file}: not supported by run-playbook, ignored: ${c.ignored.join(', ')}`);
  if (c.fromEnv.length) lines.push(`from the environment: ${c.fromEnv.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/**
 * roles_path reaches the role loader as `ANSIBLE_ROLES_PATH`, which (as in Ansible) beats the file when the
 * environment already sets it.
 */
export function applyRolesPath(c: AnsibleCfg, env: NodeJS.ProcessEnv = process.env): void {
  if (c.rolesPath && env.ANSIBLE_ROLES_PATH === undefined) env.ANSIBLE_ROLES_PATH = c.rolesPath.join(':');
}
