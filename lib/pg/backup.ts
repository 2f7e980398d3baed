/**
 * Pure parts of a base backup: the low-level backup SQL per version, the tar excludes the PostgreSQL docs name,
 * the target's state and what to do with it. Strings in, strings out; the task does the probing.
 */
import { type Cmd, sh, shjoin } from '../model/command.js';
import { type Payload, payload, type Secret } from '../secret.js';
import { COPY_MARKER } from './backup-target.js';
import { binDirScript, type PgTarget, psqlCmd, sqlLiteral } from './target.js';

/**
 * What a base backup leaves out (relative to the data dir; the directories themselves are kept): per the
 * docs' "Backing Up the Data Directory". pg_internal.init and pgsql_tmp* are excluded wherever they are.
 */
export const BACKUP_EXCLUDES = [
  './pg_wal/*',
  './postmaster.pid',
  './postmaster.opts',
  './pg_replslot/*',
  './pg_dynshmem/*',
  './pg_notify/*',
  './pg_serial/*',
  './pg_snapshots/*',
  './pg_stat_tmp/*',
  './pg_subtrans/*',
  './backup_label',
  './tablespace_map',
  './standby.signal',
  './recovery.signal',
  `./${COPY_MARKER}`,
] as const;

/** Excluded at any depth. */
export const BACKUP_EXCLUDES_ANYWHERE = ['pgsql_tmp*', 'pg_internal.init'] as const;

/** GNU tar writing the data dir to stdout; exit 1 ("file changed as we read it") is expected on a live server. */
export function tarSendCmd(dataDir: string): string {
  const args = ['tar', '-C', dataDir, '-cf', '-', '--anchored'];
  for (const e of BACKUP_EXCLUDES) args.push(`--exclude=${e}`);
  args.push('--no-anchored');
  for (const e of BACKUP_EXCLUDES_ANYWHERE) args.push(`--exclude=${e}`);
  args.push('.');
  return `${shjoin(args)}; rc=$?; [ $rc -le 1 ] || echo "RPB-FAILED tar exited with $rc" >&2`;
}

const b64 = (expr: string): string =>
  `translate(encode(convert_to(coalesce(${expr}, ''), 'UTF8'), 'base64'), E'\\n', '')`;

/** The start and stop statements of a non-exclusive backup: renamed in 15, the exclusive mode removed. */
export function backupSql(version: number, label: string, fast: boolean): { start: string; stop: string } {
  const f = fast ? 'true' : 'false';
  if (version >= 15)
    return {
      start: `SELECT pg_backup_start(${sqlLiteral(label)}, ${f});`,
      stop: 'SELECT labelfile, spcmapfile FROM pg_backup_stop(true)',
    };
  return {
    start: `SELECT pg_start_backup(${sqlLiteral(label)}, ${f}, false);`,
    stop: 'SELECT labelfile, spcmapfile FROM pg_stop_backup(false, true)',
  };
}

/**
 * The psql script of the low-level method, all in ONE session (ending it aborts the backup): results go to
 * /dev/null, `\!` streams the tar on psql's own stdout, then the label and tablespace map are printed base64
 * on stderr as `RPB-FILE <name> <base64>` lines (byte-exact: psql adds newlines to plain output).
 */
export function lowLevelScript(version: number, dataDir: string, fast: boolean): string {
  const { start, stop } = backupSql(version, 'run-playbook base backup', fast);
  return [
    '\\o /dev/null',
    'SET client_min_messages = warning;',
    start,
    `\\! ${tarSendCmd(dataDir)}`,
    '\\o | cat >&2',
    `SELECT v.x FROM (${stop}) b, LATERAL (VALUES ('RPB-FILE backup_label ' || ${b64('b.labelfile')}), ('RPB-FILE tablespace_map ' || ${b64('b.spcmapfile')})) v(x);`,
    '',
  ].join('\n');
}

/** The sender of the low-level method: psql as superuser on the primary, its script on stdin. */
export function lowLevelSendCmd(primary: PgTarget): Cmd {
  return sh`${binDirScript(primary)}; ${psqlCmd(primary)}`;
}

/** The receiver: `tar -x` into the (existing, 0700) data dir, as its owner. */
export function receiveCmd(dataDir: string): Cmd {
  return sh`set -e; chmod 0700 ${dataDir}; tar -C ${dataDir} -xf -`;
}

/** A ~/.pgpass line: `host:port:db:user:password`, with `\` and `:` escaped. */
export function pgpassEscape(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
}

/** The passfile line for a replication user (any database, so it serves pg_basebackup and the walreceiver). */
export function pgpassLine(host: string, port: number, user: string, password: Secret): Payload {
  return payload`${pgpassEscape(host)}:${port}:*:${pgpassEscape(user)}:${password.map(pgpassEscape)}\n`;
}

/** Options of {@link pgBasebackupCmd}. */
export interface BasebackupConn {
  host: string;
  port: number;
  user: string;
  applicationName: string;
  /** a passfile on the host; when unset and a password is given, a temporary one is written from stdin */
  passfile?: string;
  fromStdin: boolean;
  fast: boolean;
  /** libpq TLS options (sslmode, sslrootcert), as the standby's own connection uses them */
  ssl?: readonly [string, string][];
}

/**
 * pg_basebackup as the data dir owner: `-X stream`, no `-R` (the standby task writes its own config); the
 * password reaches it in a 0600 temporary passfile written from stdin and removed on exit, never argv or env.
 */
export function pgBasebackupCmd(t: PgTarget, dataDir: string, c: BasebackupConn): Cmd {
  const conninfo = [['application_name', c.applicationName] as const, ...(c.ssl ?? [])]
    .map(([k, v]) => `${k}=${conninfoValue(v)}`)
    .join(' ');
  // a completion marker carried over from the source (a promoted standby of ours) is not this copy's
  const run = sh`"$B/pg_basebackup" -w -d ${conninfo} -h ${c.host} -p ${c.port} -U ${c.user} -D ${dataDir} -X stream -c ${c.fast ? 'fast' : 'spread'}; rm -f ${`${dataDir}/${COPY_MARKER}`}`;
  if (c.fromStdin)
    return sh`set -e; ${binDirScript(t)}; umask 077; pf=$(mktemp); trap 'rm -f "$pf"' EXIT; cat > "$pf"; PGPASSFILE="$pf" ${run}`;
  if (c.passfile) return sh`set -e; ${binDirScript(t)}; PGPASSFILE=${c.passfile} ${run}`;
  return sh`set -e; ${binDirScript(t)}; ${run}`;
}

/** A libpq connection-string value: bare when safe, else single-quoted with `\'` and `\\`. */
export function conninfoValue(v: string): string {
  if (v !== '' && /^[^\s'\\=]+$/.test(v)) return v;
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
