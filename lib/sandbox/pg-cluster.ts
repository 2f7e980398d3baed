import { existsSync } from 'node:fs';
import { appendFile, chmod, chown, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProcess } from '../connection/process.js';
import { freePort } from './ports.js';

/** Where Debian's PostgreSQL 15 server binaries live. */
export const DEFAULT_PG_BIN = '/usr/lib/postgresql/15/bin';

/** Options of {@link createCluster}. */
export interface ClusterOptions {
  /** directory holding initdb, pg_ctl, postgres (default {@link DEFAULT_PG_BIN}) */
  bin?: string;
  /** TCP port (default: a free one, see {@link freePort}) */
  port?: number;
  /** parent directory of the sandbox (default: the OS temp dir) */
  dir?: string;
  /** extra initdb arguments */
  initdbArgs?: string[];
  /** settings appended to postgresql.conf (values are quoted as PostgreSQL string literals) */
  conf?: Record<string, string>;
  /** start the server right away (default true) */
  start?: boolean;
}

/** Options of {@link Cluster.psql}. */
export interface PsqlOptions {
  db?: string;
  user?: string;
  /** connect over TCP to this host instead of the unix socket */
  host?: string;
  /** given to the psql child only, as PGPASSWORD */
  password?: string;
}

/** A throw-away PostgreSQL cluster for specs and sandboxes. */
export interface Cluster {
  /** the sandbox directory holding data/, sock/ and the log */
  readonly dir: string;
  readonly dataDir: string;
  readonly port: number;
  readonly socketDir: string;
  readonly logFile: string;
  readonly bin: string;
  /** the OS user the server runs as (`postgres` when we are root, else ourselves) */
  readonly osUser: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** `pg_ctl reload` (e.g. after writing pg_hba.conf) */
  reload(): Promise<void>;
  /** Runs SQL (on stdin) with psql in unaligned tuples-only mode; rejects with psql's stderr on failure. */
  psql(sql: string, opts?: PsqlOptions): Promise<string>;
  /** Writes a file in the sandbox owned by the server's OS user, e.g. `data/pg_hba.conf`. */
  writeFile(path: string, content: string): Promise<void>;
  /** Stops the server (if running) and removes the sandbox. */
  destroy(): Promise<void>;
}

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

const isRoot = (): boolean => process.getuid?.() === 0;

/** Runs an argv from cwd `/` so any OS user can read it; never throws for a non-zero exit. */
function run(argv: string[], opts: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return runProcess(argv, Buffer.from(opts.stdin ?? ''), { env: opts.env });
}

async function runOk(argv: string[], what: string, opts?: Parameters<typeof run>[1]): Promise<string> {
  const r = await run(argv, opts);
  if (r.code !== 0)
    throw new Error(`${what} failed (exit ${r.code}): ${argv.join(' ')}\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Quotes a value as a postgresql.conf string literal. */
export function confValue(v: string): string {
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/**
 * Makes a sandbox directory, initdb's a cluster into it (as `postgres` when root: initdb and pg_ctl refuse
 * root), points port/socket/listen_addresses at our own values and, unless `start: false`, starts it.
 */
export async function createCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const bin = opts.bin ?? DEFAULT_PG_BIN;
  const osUser = isRoot() ? 'postgres' : (process.env.USER ?? 'postgres');
  const dir = await mkdtemp(join(opts.dir ?? tmpdir(), 'pgc-'));
  // mkdtemp makes a 0700 root dir that postgres cannot traverse
  await chmod(dir, 0o755);
  const socketDir = join(dir, 'sock');
  await mkdir(socketDir, { mode: 0o755 });
  const owner = isRoot() ? await ownerIds(osUser) : undefined;
  if (owner) {
    await chown(dir, owner.uid, owner.gid);
    await chown(socketDir, owner.uid, owner.gid);
  }
  const cluster = makeCluster({ dir, bin, osUser, socketDir, port: opts.port ?? (await freePort()) });
  try {
    const initdb = [join(bin, 'initdb'), '-D', cluster.dataDir, '-U', 'postgres', '-A', 'trust'];
    await runOk(
      asUser(osUser, [...initdb, '-E', 'UTF8', '--locale=C', ...(opts.initdbArgs ?? [])]),
      'initdb',
    );
    const settings: Record<string, string> = {
      port: String(cluster.port),
      unix_socket_directories: socketDir,
      listen_addresses: '127.0.0.1',
      ...opts.conf,
    };
    const lines = Object.entries(settings).map(([k, v]) => `${k} = ${confValue(v)}\n`);
    await appendFile(join(cluster.dataDir, 'postgresql.conf'), `\n# sandbox\n${lines.join('')}`);
    if (opts.start ?? true) await cluster.start();
  } catch (e) {
    await cluster.destroy().catch(() => undefined);
    throw e;
  }
  return cluster;
}

async function ownerIds(user: string): Promise<{ uid: number; gid: number }> {
  const uid = Number((await runOk(['id', '-u', user], 'id')).trim());
  const gid = Number((await runOk(['id', '-g', user], 'id')).trim());
  return { uid, gid };
}

function asUser(user: string, argv: string[]): string[] {
  return isRoot() ? ['runuser', '-u', user, '--', ...argv] : argv;
}

interface Layout {
  dir: string;
  bin: string;
  osUser: string;
  socketDir: string;
  port: number;
}

function makeCluster(l: Layout): Cluster {
  const dataDir = join(l.dir, 'data');
  const logFile = join(l.dir, 'postgres.log');
  const pgCtl = (...args: string[]) => asUser(l.osUser, [join(l.bin, 'pg_ctl'), '-D', dataDir, ...args]);
  // npm builds ship no psql; Debian's 15 talks to every server 10–18
  const psqlBin = existsSync(join(l.bin, 'psql')) ? join(l.bin, 'psql') : join(DEFAULT_PG_BIN, 'psql');
  const running = () => existsSync(join(dataDir, 'postmaster.pid'));
  return {
    ...l,
    dataDir,
    logFile,
    async start() {
      // never without -l: the postmaster would inherit our pipes and output capture would never end
      const r = await run(pgCtl('-l', logFile, '-w', '-t', '60', 'start'));
      if (r.code !== 0)
        throw new Error(`pg_ctl start failed (exit ${r.code}):\n${r.stderr}${await tail(logFile)}`);
    },
    async stop() {
      if (running()) await runOk(pgCtl('-m', 'fast', '-w', 'stop'), 'pg_ctl stop');
    },
    async reload() {
      await runOk(pgCtl('reload'), 'pg_ctl reload');
    },
    async psql(sql, o = {}) {
      const argv = [psqlBin, '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', o.host ?? l.socketDir];
      argv.push('-p', String(l.port), '-U', o.user ?? 'postgres', '-d', o.db ?? 'postgres');
      const env: NodeJS.ProcessEnv = { ...process.env, PGPASSFILE: '/dev/null', PGCONNECT_TIMEOUT: '10' };
      delete env.PGPASSWORD;
      if (o.password !== undefined) env.PGPASSWORD = o.password;
      const r = await run(argv, { stdin: sql, env });
      if (r.code !== 0) throw new Error(`psql failed (exit ${r.code}): ${r.stderr.trim()}`);
      return r.stdout;
    },
    async writeFile(path, content) {
      const full = path.startsWith('/') ? path : join(l.dir, path);
      await writeFile(full, content);
      const st = await stat(dataDir);
      if (isRoot()) await chown(full, st.uid, st.gid);
    },
    async destroy() {
      try {
        await this.stop();
      } finally {
        await rm(l.dir, { recursive: true, force: true });
      }
    },
  };
}

async function tail(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).split('\n').slice(-20).join('\n');
  } catch {
    return '';
  }
}
