import { readFileSync } from 'node:fs';
import { InputError, UsageError } from '../errors.js';
import { readYaml } from '../inventory/index.js';
import { loadVaultKeys, setVaultKeys } from '../vault/keys.js';
import { fileText, markSecretLeaves } from '../vault/text.js';
import { type AnsibleCfg, loadAnsibleCfg } from './ansible-cfg.js';
import { type ParsedFlags, parseFlags } from './flags.js';

/** The parsed command line of `run-playbook PLAYBOOK …`. */
export interface CliArgs {
  command: 'run' | 'inventory' | 'sandbox' | 'status' | 'schema' | 'help' | 'version';
  /** `sandbox up|down`; the task of `help TASK` */
  action?: string;
  sandbox: { ssh: boolean; layout: 'initdb' | 'debian'; standbys: number; dir?: string };
  playbook?: string;
  inventory: string[];
  limit?: string;
  tags: string[];
  skipTags: string[];
  extraVars: Record<string, unknown>;
  check: boolean;
  diff: boolean;
  forks: number;
  verbosity: number;
  json: boolean;
  listHosts: boolean;
  listTasks: boolean;
  syntaxCheck: boolean;
  list: boolean;
  /** exit 6 instead of 0 when something changed (or would change, with --check) */
  detailedExitcode: boolean;
  /** the ansible.cfg read (if any) and what it sets; the flags above already include its defaults */
  config: AnsibleCfg;
}

function connectionKind(c: string): string {
  if (c !== 'ssh' && c !== 'local') throw new UsageError(`--connection: expected ssh or local, got '${c}'`);
  return c;
}

/** `-e` accepts `k=v k2=v2`, a JSON/YAML mapping, or `@file` (YAML as Ansible reads it, vault-encrypted or not). */
export function parseExtraVars(spec: string): Record<string, unknown> {
  if (spec.startsWith('@')) {
    const file = spec.slice(1);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new InputError(`-e ${spec}: cannot read file '${file}'`);
    }
    const plain = fileText(text, file);
    const v = readYaml(plain.text, file).data;
    if (plain.encrypted) markSecretLeaves(v);
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      throw new InputError(`${file}: expected a mapping of variables`, { file });
    return v as Record<string, unknown>;
  }
  const t = spec.trim();
  if (t.startsWith('{')) {
    try {
      return JSON.parse(t) as Record<string, unknown>;
    } catch (e) {
      throw new UsageError(`-e: invalid JSON: ${(e as Error).message}`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const m of t.matchAll(/([A-Za-z_][\w]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g)) {
    const raw = m[2] ?? '';
    out[m[1] ?? ''] = /^["']/.test(raw) ? raw.slice(1, -1) : raw;
  }
  if (Object.keys(out).length === 0)
    throw new UsageError(`-e: expected key=value, JSON or @file, got '${spec}'`);
  return out;
}

const split = (xs: string[] | undefined): string[] =>
  (xs ?? [])
    .flatMap((x) => x.split(','))
    .map((x) => x.trim())
    .filter(Boolean);

const SUBCOMMANDS = ['inventory', 'sandbox', 'status', 'schema', 'help'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];
const isSub = (w: string | undefined): w is Subcommand => SUBCOMMANDS.includes(w as Subcommand);

function positiveInt(flag: string, raw: string | undefined, dflt: number): number {
  const n = Number(raw ?? dflt);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--${flag}: expected a positive integer, got '${raw}'`);
  return n;
}

/** The subcommand's own checks of its positional words and required flags. */
function checkUsage(command: CliArgs['command'], pos: string[], list: boolean, inventory: string[]): void {
  if (command === 'sandbox' && pos[1] !== 'up' && pos[1] !== 'down')
    throw new UsageError('sandbox: expected up or down');
  if (command === 'help' && pos.length > 2)
    throw new UsageError(`help: expected one task, got ${pos.slice(1).join(' ')}`);
  if (command === 'schema' && pos.length > 1)
    throw new UsageError(`schema: unexpected ${pos.slice(1).join(' ')}`);
  if (command === 'run' && pos.length !== 1)
    throw new UsageError(pos.length ? `expected one playbook, got ${pos.join(' ')}` : 'missing PLAYBOOK');
  if (command === 'inventory' && !list) throw new UsageError('inventory: expected --list');
  if ((command === 'inventory' || command === 'status') && !inventory.length)
    throw new UsageError(`${command}: expected -i INVENTORY`);
}

/** Reads the vault passwords the flags and ansible.cfg name (asking on the terminal for --ask-vault-pass). */
function setupVault(f: ParsedFlags, config: AnsibleCfg): void {
  const files = [...f.values('vault-password-file'), ...f.values('vault-pass-file')];
  const ask = f.count('ask-vault-pass') + f.count('ask-vault-password') > 0;
  // as in Ansible, where argparse keeps these two apart
  if (ask && files.length)
    throw new UsageError('--ask-vault-pass and --vault-password-file exclude each other');
  const passwordFiles = [...files, ...(config.vaultPasswordFile ? [config.vaultPasswordFile] : [])];
  setVaultKeys(loadVaultKeys({ ids: f.values('vault-id'), passwordFiles, ask }));
}

/**
 * Parses argv (without node and the script); throws UsageError on bad usage. ansible.cfg (found as Ansible
 * finds it, in `cwd` with `env`) gives defaults that flags beat. Reads the vault passwords the flags name and
 * sets them for the run before `-e @file` is read.
 */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): CliArgs {
  const f = parseFlags(argv);
  const pos = f.positionals;
  const sub = isSub(pos[0]) ? pos[0] : 'run';
  const command = f.count('help') ? 'help' : f.count('version') ? 'version' : sub;
  const usesCfg = command === 'run' || command === 'inventory' || command === 'status';
  const config: AnsibleCfg = usesCfg
    ? loadAnsibleCfg(env, cwd)
    : { hostDefaults: {}, ignored: [], fromEnv: [] };
  const forks = positiveInt('forks', f.value('forks'), config.forks ?? 10);
  const layout = f.value('layout') ?? 'initdb';
  if (layout !== 'initdb' && layout !== 'debian')
    throw new UsageError(`--layout: expected initdb or debian, got '${layout}'`);
  const standbys = positiveInt('standbys', f.value('standbys'), 1);
  const flagged = f.values('inventory');
  const inventory = flagged.length ? flagged : (config.inventory ?? []);
  checkUsage(command, pos, f.count('list') > 0, inventory);
  // before -e @file is read: it may be encrypted
  if (usesCfg) setupVault(f, config);
  const connection = f.value('connection');
  return {
    command,
    action: command === 'sandbox' || (command === 'help' && sub === 'help') ? pos[1] : undefined,
    sandbox: { ssh: f.count('ssh') > 0, layout, standbys, dir: f.value('dir') },
    playbook: command === 'run' ? pos[0] : undefined,
    inventory,
    limit: f.value('limit'),
    tags: split(f.values('tags')),
    skipTags: split(f.values('skip-tags')),
    extraVars: Object.assign(
      connection ? { ansible_connection: connectionKind(connection) } : {},
      ...f.values('extra-vars').map(parseExtraVars),
    ),
    check: f.count('check') > 0,
    diff: f.count('diff') > 0,
    forks,
    verbosity: f.count('verbose'),
    json: f.count('json') > 0,
    listHosts: f.count('list-hosts') > 0,
    listTasks: f.count('list-tasks') > 0,
    syntaxCheck: f.count('syntax-check') > 0,
    list: f.count('list') > 0,
    detailedExitcode: f.count('detailed-exitcode') > 0,
    config,
  };
}
