import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { defaultPassfile } from '../pg/standby-conf.js';
import { createCluster, DEFAULT_PG_BIN } from './pg-cluster.js';
import { freePort } from './ports.js';
import { startSshd } from './sshd.js';

const run = promisify(execFile);

/** Options of {@link sandboxUp}. */
export interface SandboxOptions {
  /** the sandbox folder (default `.sandbox` in the current directory; git-ignored) */
  root?: string;
  /** also start a private sshd on 127.0.0.1 and write an SSH inventory */
  ssh?: boolean;
  /** `initdb`: clusters in the sandbox folder, run with pg_ctl; `debian`: pg_createcluster / pg_ctlcluster */
  layout?: 'initdb' | 'debian';
  /** number of standbys (default 1) */
  standbys?: number;
  /** initdb layout: the server binaries (default Debian's 15), e.g. a bin dir of another major */
  bin?: string;
}

/** One PostgreSQL node of the sandbox. */
export interface SandboxNode {
  name: string;
  group: 'primary' | 'standby';
  port: number;
  vars: Record<string, string>;
  /** Debian cluster name, for teardown */
  cluster?: string;
}

/** What `sandbox up` made; kept in `<root>/state.json` for `sandbox down`. */
export interface SandboxState {
  root: string;
  layout: 'initdb' | 'debian';
  inventory: string;
  secrets: string;
  osUser: string;
  nodes: SandboxNode[];
  sshd?: { pid: number; dir: string };
}

const isRoot = (): boolean => process.getuid?.() === 0;

async function own(path: string, user: string): Promise<void> {
  if (!isRoot()) return;
  const uid = Number((await run('id', ['-u', user])).stdout.trim());
  const gid = Number((await run('id', ['-g', user])).stdout.trim());
  await chown(path, uid, gid);
}

/** The server user must traverse every parent of the sandbox (a 0700 /root or mktemp dir stops it). */
async function checkReachable(root: string, user: string): Promise<void> {
  if (!isRoot() || user === 'root') return;
  const r = await run('runuser', ['-u', user, '--', 'test', '-x', root], { cwd: '/' }).then(
    () => true,
    () => false,
  );
  if (!r)
    throw new Error(
      `${user} cannot reach ${root}: make its parent directories searchable (chmod o+x) or choose --dir elsewhere`,
    );
}

/** A directory the server user owns (mode 0700 for data, 0755 otherwise). */
async function ownedDir(path: string, user: string, mode: number): Promise<string> {
  await mkdir(path, { recursive: true });
  await chmod(path, mode);
  await own(path, user);
  return path;
}

async function initdbNodes(
  root: string,
  standbys: number,
  osUser: string,
  bin = DEFAULT_PG_BIN,
): Promise<SandboxNode[]> {
  const primary = await createCluster({ dir: root, conf: {}, bin });
  const nodes: SandboxNode[] = [
    {
      name: 'pg1',
      group: 'primary',
      port: primary.port,
      vars: { pg_data_dir: primary.dataDir, pg_socket_dir: primary.socketDir, pg_log_file: primary.logFile },
    },
  ];
  for (let i = 0; i < standbys; i++) {
    const dir = await ownedDir(join(root, `standby${i + 1}`), osUser, 0o755);
    const dataDir = await ownedDir(join(dir, 'data'), osUser, 0o700);
    const socketDir = await ownedDir(join(dir, 'sock'), osUser, 0o755);
    nodes.push({
      name: `pg${i + 2}`,
      group: 'standby',
      port: await freePort(),
      vars: { pg_data_dir: dataDir, pg_socket_dir: socketDir, pg_log_file: join(dir, 'postgres.log') },
    });
  }
  for (const n of nodes) n.vars = { pg_port: String(n.port), ...n.vars, pg_bin_dir: bin };
  return nodes;
}

async function debianNodes(root: string, standbys: number): Promise<SandboxNode[]> {
  const id = randomBytes(3).toString('hex');
  const nodes: SandboxNode[] = [];
  for (let i = 0; i <= standbys; i++) {
    const cluster = `rp${id}n${i + 1}`;
    const port = await freePort();
    await run('pg_createcluster', [
      '15',
      cluster,
      '-p',
      String(port),
      ...(i === 0 ? ['--start'] : []),
      '--',
      '-A',
      'trust',
    ]);
    const dataDir = `/var/lib/postgresql/15/${cluster}`;
    // a standby starts from an empty data dir: this is the sandbox's own cluster, just made
    if (i > 0) await run('sh', ['-c', `rm -rf "${dataDir}"/* && chmod 0700 "${dataDir}"`]);
    nodes.push({
      name: `pg${i + 1}`,
      group: i === 0 ? 'primary' : 'standby',
      port,
      cluster,
      vars: { pg_port: String(port), pg_version: '15', pg_cluster: cluster },
    });
  }
  void root;
  return nodes;
}

function inventoryText(
  s: Omit<SandboxState, 'inventory' | 'secrets'>,
  connection: Record<string, string>,
): string {
  const line = (n: SandboxNode) =>
    `${n.name} ${Object.entries({ ...n.vars })
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(' ')}`;
  const common = {
    ...connection,
    // as root, become the server user with runuser: no sudo needed on the machine
    ...(isRoot() ? { ansible_become_method: 'runuser' } : {}),
    pg_os_user: s.osUser,
    pg_address: '127.0.0.1',
    pg_archive_dir: join(s.root, 'archive'),
    // the nodes share this machine, so the standbys can restore from the primary's archive directory
    pg_restore_command: `cp ${join(s.root, 'archive')}/%f %p`,
  };
  return [
    `# Written by \`run-playbook sandbox up\` (${s.layout} layout): PostgreSQL nodes on this machine.`,
    '# Remove with `run-playbook sandbox down`.',
    '[primary]',
    ...s.nodes.filter((n) => n.group === 'primary').map(line),
    '',
    '[standby]',
    ...s.nodes.filter((n) => n.group === 'standby').map(line),
    '',
    '[all:vars]',
    ...Object.entries(common).map(([k, v]) => `${k}=${JSON.stringify(v)}`),
    '',
  ].join('\n');
}

/**
 * Creates the local sandbox the replication playbook needs: a running primary, empty standby data dirs, an
 * archive dir, a random replication password in `secrets.yml` (0600), and an inventory (`local` connection,
 * or ssh to a private sshd with `ssh: true`). Servers run as `postgres` when we are root, else as ourselves.
 */
export async function sandboxUp(opts: SandboxOptions = {}): Promise<SandboxState> {
  const root = resolve(opts.root ?? '.sandbox');
  if (existsSync(join(root, 'state.json')))
    throw new Error(`${root} already holds a sandbox; run \`sandbox down\` first`);
  const osUser = isRoot() ? 'postgres' : (process.env.USER ?? 'postgres');
  await ownedDir(root, isRoot() ? 'root' : osUser, 0o755);
  await checkReachable(root, osUser);
  const layout = opts.layout ?? 'initdb';
  const standbys = opts.standbys ?? 1;
  const nodes =
    layout === 'debian'
      ? await debianNodes(root, standbys)
      : await initdbNodes(root, standbys, osUser, opts.bin);
  await ownedDir(join(root, 'archive'), osUser, 0o700);
  const state: SandboxState = {
    root,
    layout,
    inventory: join(root, 'hosts'),
    secrets: join(root, 'secrets.yml'),
    osUser,
    nodes,
  };
  let connection: Record<string, string> = { ansible_connection: 'local' };
  if (opts.ssh) {
    const sshd = await startSshd({ dir: join(root, 'sshd'), detach: true });
    state.sshd = { pid: sshd.pid, dir: sshd.dir };
    connection = sshd.hostVars();
  }
  await writeFile(state.inventory, inventoryText(state, connection));
  await writeFile(
    state.secrets,
    `replication_password: ${JSON.stringify(randomBytes(12).toString('base64url'))}\n`,
    { mode: 0o600 },
  );
  await writeFile(join(root, 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
  return state;
}

async function stopNode(s: SandboxState, n: SandboxNode): Promise<void> {
  if (n.cluster) {
    await run('pg_dropcluster', ['--stop', '15', n.cluster]).catch(() => undefined);
    // what lies beside its data dir, outside the sandbox folder: the passfile (no password left behind), a
    // rewind log, TLS files, dirs moved aside (<name>.replaced-…); the names are the sandbox's own
    await rm(defaultPassfile(`/var/lib/postgresql/15/${n.cluster}`), { force: true });
    const siblings = await readdir('/var/lib/postgresql/15').catch(() => [] as string[]);
    for (const f of siblings.filter((f) => f.startsWith(`${n.cluster}.`)))
      await rm(join('/var/lib/postgresql/15', f), { recursive: true, force: true });
    return;
  }
  const dataDir = n.vars.pg_data_dir ?? '';
  if (!existsSync(join(dataDir, 'postmaster.pid'))) return;
  const argv = [
    join(n.vars.pg_bin_dir ?? DEFAULT_PG_BIN, 'pg_ctl'),
    '-D',
    dataDir,
    '-m',
    'immediate',
    '-w',
    'stop',
  ];
  await run(isRoot() ? 'runuser' : argv[0]!, isRoot() ? ['-u', s.osUser, '--', ...argv] : argv.slice(1), {
    cwd: '/',
  }).catch(() => undefined);
}

/** Stops every server and the sshd of a sandbox, drops its Debian clusters, and removes the folder. */
export async function sandboxDown(rootDir = '.sandbox'): Promise<boolean> {
  const root = resolve(rootDir);
  const file = join(root, 'state.json');
  if (!existsSync(file)) return false;
  const s = JSON.parse(await readFile(file, 'utf8')) as SandboxState;
  await Promise.all(s.nodes.map((n) => stopNode(s, n)));
  if (s.sshd) {
    try {
      process.kill(s.sshd.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  await rm(root, { recursive: true, force: true });
  return true;
}
