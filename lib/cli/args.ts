import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { InputError, UsageError } from '../errors.js';
import { readYaml } from '../inventory/index.js';
import { loadVaultKeys, setVaultKeys } from '../vault/keys.js';
import { fileText, markSecretLeaves } from '../vault/text.js';
import { type AnsibleCfg, loadAnsibleCfg } from './ansible-cfg.js';

/** The parsed command line of `run-playbook PLAYBOOK …`. */
export interface CliArgs {
  command: 'run' | 'inventory' | 'sandbox' | 'status' | 'help' | 'version';
  /** `sandbox up|down` */
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

const options = {
  inventory: { type: 'string', short: 'i', multiple: true },
  limit: { type: 'string', short: 'l' },
  connection: { type: 'string', short: 'c' },
  tags: { type: 'string', short: 't', multiple: true },
  'skip-tags': { type: 'string', multiple: true },
  'extra-vars': { type: 'string', short: 'e', multiple: true },
  check: { type: 'boolean', short: 'C' },
  diff: { type: 'boolean', short: 'D' },
  forks: { type: 'string', short: 'f' },
  verbose: { type: 'boolean', short: 'v', multiple: true },
  json: { type: 'boolean' },
  'list-hosts': { type: 'boolean' },
  'list-tasks': { type: 'boolean' },
  'syntax-check': { type: 'boolean' },
  list: { type: 'boolean' },
  'detailed-exitcode': { type: 'boolean' },
  'vault-password-file': { type: 'string', multiple: true },
  'vault-pass-file': { type: 'string', multiple: true },
  'vault-id': { type: 'string', multiple: true },
  'ask-vault-pass': { type: 'boolean', short: 'J' },
  'ask-vault-password': { type: 'boolean' },
  ssh: { type: 'boolean' },
  layout: { type: 'string' },
  standbys: { type: 'string' },
  dir: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

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

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

/** Reads the vault passwords the flags and ansible.cfg name (asking on the terminal for --ask-vault-pass). */
function setupVault(v: Values, config: AnsibleCfg): void {
  const files = [...(v['vault-password-file'] ?? []), ...(v['vault-pass-file'] ?? [])];
  const ask = !!(v['ask-vault-pass'] || v['ask-vault-password']);
  // as in Ansible, where argparse keeps these two apart
  if (ask && files.length)
    throw new UsageError('--ask-vault-pass and --vault-password-file exclude each other');
  const passwordFiles = [...files, ...(config.vaultPasswordFile ? [config.vaultPasswordFile] : [])];
  setVaultKeys(loadVaultKeys({ ids: v['vault-id'] ?? [], passwordFiles, ask }));
}

function sandboxArgs(v: Values, pos: string[], command: string): CliArgs['sandbox'] {
  if (command === 'sandbox' && pos[1] !== 'up' && pos[1] !== 'down')
    throw new UsageError('sandbox: expected up or down');
  const layout = v.layout ?? 'initdb';
  if (layout !== 'initdb' && layout !== 'debian')
    throw new UsageError(`--layout: expected initdb or debian, got '${layout}'`);
  const standbys = Number(v.standbys ?? 1);
  if (!Number.isInteger(standbys) || standbys < 1)
    throw new UsageError(`--standbys: expected a positive integer, got '${v.standbys}'`);
  return { ssh: !!v.ssh, layout, standbys, dir: v.dir };
}

/**
 * Parses argv (without node and the script); throws UsageError on bad usage. ansible.cfg (found as Ansible
 * finds it, in `cwd` with `env`) gives defaults that flags beat. Reads the vault passwords the flags name and
 * sets them for the run before `-e @file` is read.
 */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): CliArgs {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  const pos = parsed.positionals;
  const sub = pos[0] === 'inventory' || pos[0] === 'sandbox' || pos[0] === 'status' ? pos[0] : 'run';
  const command = v.help ? 'help' : v.version ? 'version' : sub;
  const usesCfg = command === 'run' || command === 'inventory' || command === 'status';
  const config: AnsibleCfg = usesCfg
    ? loadAnsibleCfg(env, cwd)
    : { hostDefaults: {}, ignored: [], fromEnv: [] };
  const forks = v.forks === undefined ? (config.forks ?? 10) : Number(v.forks);
  if (!Number.isInteger(forks) || forks < 1)
    throw new UsageError(`--forks: expected a positive integer, got '${v.forks}'`);
  const inventory = v.inventory ?? config.inventory ?? [];
  const sandbox = sandboxArgs(v, pos, command);
  if (command === 'run' && pos.length !== 1)
    throw new UsageError(pos.length ? `expected one playbook, got ${pos.join(' ')}` : 'missing PLAYBOOK');
  if (command === 'inventory' && !v.list) throw new UsageError('inventory: expected --list');
  if ((command === 'inventory' || command === 'status') && !inventory.length)
    throw new UsageError(`${command}: expected -i INVENTORY`);
  // before -e @file is read: it may be encrypted
  if (usesCfg) setupVault(v, config);
  return {
    command,
    action: command === 'sandbox' ? pos[1] : undefined,
    sandbox,
    playbook: command === 'run' ? pos[0] : undefined,
    inventory,
    limit: v.limit,
    tags: split(v.tags),
    skipTags: split(v['skip-tags']),
    extraVars: Object.assign(
      v.connection ? { ansible_connection: connectionKind(v.connection) } : {},
      ...(v['extra-vars'] ?? []).map(parseExtraVars),
    ),
    check: !!v.check,
    diff: !!v.diff,
    forks,
    verbosity: (v.verbose ?? []).length,
    json: !!v.json,
    listHosts: !!v['list-hosts'],
    listTasks: !!v['list-tasks'],
    syntaxCheck: !!v['syntax-check'],
    list: !!v.list,
    detailedExitcode: !!v['detailed-exitcode'],
    config,
  };
}
