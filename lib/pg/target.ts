import { InputError } from '../errors.js';
import { type Cmd, sh } from '../model/command.js';

/**
 * How to reach one PostgreSQL server on its host. Read from variables (`pg_*`), so a role sets them once:
 * `pg_data_dir`, `pg_port` (5432), `pg_socket_dir` (/var/run/postgresql), `pg_bin_dir` (detected when unset),
 * `pg_os_user` (postgres), `pg_superuser` (postgres), `pg_version` and `pg_cluster` (Debian's pg_ctlcluster layout).
 */
export interface PgTarget {
  dataDir?: string;
  port: number;
  socketDir: string;
  /** empty: detected on the host (the newest /usr/lib/postgresql/N/bin, else PATH) */
  binDir: string;
  osUser: string;
  superuser: string;
  /** Debian cluster: version and name, as pg_ctlcluster takes them */
  cluster?: { version: string; name: string };
  /**
   * The server log that `pg_ctl -l` writes (var `pg_log_file`): beside the data dir, never inside it, so a base
   * backup does not copy it. Debian clusters log to /var/log/postgresql/postgresql-<version>-<name>.log.
   */
  logFile?: string;
}

const str = (v: unknown): string | undefined =>
  v === undefined || v === null || v === '' ? undefined : String(v);

/** Reads the PostgreSQL target from a host's variables, with task arguments taking precedence. */
export function pgTarget(vars: Readonly<Record<string, unknown>>, over: Partial<PgTarget> = {}): PgTarget {
  const port = Number(over.port ?? vars.pg_port ?? 5432);
  if (!Number.isInteger(port) || port <= 0)
    throw new InputError(`pg_port: expected a port number, got '${String(vars.pg_port)}'`);
  const version = str(vars.pg_version);
  const name = str(vars.pg_cluster);
  const binDir =
    over.binDir ?? str(vars.pg_bin_dir) ?? (version && name ? `/usr/lib/postgresql/${version}/bin` : '');
  const dataDir =
    over.dataDir ??
    str(vars.pg_data_dir) ??
    (version && name ? `/var/lib/postgresql/${version}/${name}` : undefined);
  return {
    dataDir,
    port,
    socketDir: over.socketDir ?? str(vars.pg_socket_dir) ?? '/var/run/postgresql',
    binDir,
    osUser: over.osUser ?? str(vars.pg_os_user) ?? 'postgres',
    superuser: over.superuser ?? str(vars.pg_superuser) ?? 'postgres',
    cluster: over.cluster ?? (version && name ? { version, name } : undefined),
    logFile: over.logFile ?? str(vars.pg_log_file) ?? defaultLogFile(version, name, dataDir),
  };
}

function defaultLogFile(version?: string, name?: string, dataDir?: string): string | undefined {
  if (version && name) return `/var/log/postgresql/postgresql-${version}-${name}.log`;
  return dataDir ? `${dataDir.replace(/\/+$/, '')}.log` : undefined;
}

/** Shell code that sets `$B` to the bin dir (detected when the target names none). */
export function binDirScript(t: PgTarget): Cmd {
  if (t.binDir) return sh`B=${t.binDir}`;
  return sh`B=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1); [ -n "$B" ] || B=$(dirname "$(command -v pg_ctl || command -v psql || echo /usr/bin/psql)")`;
}

/**
 * psql reading SQL from stdin: no psqlrc (-X), stop at the first error, unaligned tuples separated by the unit
 * separator (0x1f), so values with spaces or tabs parse. Expects `$B` from {@link binDirScript}.
 */
export function psqlCmd(
  t: PgTarget,
  opts: { db?: string; user?: string; host?: string; port?: number } = {},
): Cmd {
  return sh`"$B/psql" -X -q -A -t -F ${'\x1f'} -v ON_ERROR_STOP=1 -h ${opts.host ?? t.socketDir} -p ${opts.port ?? t.port} -U ${opts.user ?? t.superuser} -d ${opts.db ?? 'postgres'} -f -`;
}

/** The full command: detect the bin dir, then psql (SQL on stdin). */
export function psql(t: PgTarget, opts: Parameters<typeof psqlCmd>[1] = {}): Cmd {
  return sh`${binDirScript(t)}; ${psqlCmd(t, opts)}`;
}

/** Splits psql's unaligned output into rows of fields. */
export function parseRows(out: string): string[][] {
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.split('\x1f'));
}

/**
 * Quotes an SQL literal so that it means the same whatever `standard_conforming_strings` says: with a backslash,
 * an escape string (`E'…'`, backslashes and quotes doubled), since a plain `'…'` reads `\` as an escape when the
 * setting is off; without one, a plain `'…'` (quotes doubled), which reads the same either way.
 */
export function sqlLiteral(s: string): string {
  const quoted = s.replace(/'/g, "''");
  return s.includes('\\') ? `E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}

/** Quotes an SQL identifier. */
export function sqlIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}
