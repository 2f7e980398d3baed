/**
 * The commands and output of a rejoin (see rewind.ts for the decision): the tools probe, where a walreceiver
 * streams from, pg_rewind's command and what it printed.
 */
import { type Cmd, sh } from '../model/command.js';
import { conninfoValue } from './backup.js';
import type { RewindTools } from './rewind.js';
import { binDirScript, type PgTarget } from './target.js';

/** One round trip: pg_rewind's version and the wal_log_hints / checksum lines of pg_controldata. */
export function rewindToolsScript(t: PgTarget, dataDir: string): Cmd {
  return sh`${binDirScript(t)}; export LC_ALL=C; "$B/pg_rewind" --version 2>/dev/null || echo
c=$("$B/pg_controldata" -D ${dataDir} 2>/dev/null)
echo "$(printf '%s\\n' "$c" | sed -n 's/^wal_log_hints setting: *//p' | head -n 1)"
echo "$(printf '%s\\n' "$c" | sed -n 's/^Data page checksum version: *//p' | head -n 1)"`;
}

/** Parses {@link rewindToolsScript}'s output. */
export function parseRewindTools(out: string): RewindTools {
  const [version = '', hints = '', sum = ''] = out.split('\n').map((l) => l.trim());
  return {
    rewindMajor: Number(/\(PostgreSQL\)\s+(\d+)/.exec(version)?.[1] ?? 0),
    walLogHints: hints === '' ? null : hints === 'on',
    checksums: sum === '' ? null : Number(sum) > 0,
  };
}

/** A running standby's walreceiver, read-only: status and conninfo (the password in it is shown as ********). */
export const WAL_RECEIVER_SQL = 'select status, conninfo from pg_stat_wal_receiver';

/**
 * Where a walreceiver streams from, `host:port` from its conninfo (port 5432 when unset); '' when there is none
 * or it does not stream. The host alone is not enough: nodes may share an address and differ by port.
 */
export function walReceiverAt(row: readonly string[] | undefined): string {
  if (row?.[0] !== 'streaming') return '';
  const conninfo = row?.[1] ?? '';
  const host = /(?:^|\s)host=(\S+)/.exec(conninfo)?.[1] ?? '';
  const port = /(?:^|\s)port=(\d+)/.exec(conninfo)?.[1] ?? '5432';
  return host ? `${host}:${port}` : '';
}

/** The source of pg_rewind: a libpq connection to the primary's server (password from a passfile only). */
export interface RewindSource {
  host: string;
  port: number;
  user: string;
  /** a passfile on the target host; else a temporary one written from stdin when `fromStdin` */
  passfile?: string;
  fromStdin: boolean;
}

/** The connection string pg_rewind and psql use: no password in it, ever. */
export function sourceConninfo(s: RewindSource): string {
  return [
    `host=${conninfoValue(s.host)}`,
    `port=${s.port}`,
    `user=${conninfoValue(s.user)}`,
    'dbname=postgres',
    'application_name=pg_rewind',
  ].join(' ');
}

/**
 * CHECKPOINT on the source first (right after a promotion pg_control still names the old timeline and pg_rewind
 * says "no rewind required", wrongly), then pg_rewind; its output goes to `logFile` (beside the data dir) and to
 * stdout; then the recovery signal file, so that the dir starts as a standby even when nothing was rewound. Before 13 pg_rewind does not finish a
 * crashed target's recovery itself, and for a Debian cluster it cannot find the config: a single-user start does.
 */
export function rewindCmd(
  t: PgTarget,
  dataDir: string,
  version: number,
  s: RewindSource,
  opts: { logFile: string; restoreTargetWal: boolean },
): Cmd {
  const src = sourceConninfo(s);
  const pass = s.fromStdin
    ? sh`umask 077; pf=$(mktemp); trap 'rm -f "$pf"' EXIT; cat > "$pf"; export PGPASSFILE="$pf"; umask 022`
    : s.passfile
      ? sh`export PGPASSFILE=${s.passfile}`
      : sh`:`;
  // a Debian cluster keeps postgresql.conf in /etc: pg_rewind's own single-user start (13+) looks for it in the
  // data dir and fails, so the crash recovery is ours there too, given the cluster's config file
  const conf = t.cluster ? `/etc/postgresql/${t.cluster.version}/${t.cluster.name}/postgresql.conf` : '';
  const single =
    version < 13 || conf
      ? sh`s=$("$B/pg_controldata" -D ${dataDir} | sed -n 's/^Database cluster state: *//p'); [ "$s" = 'shut down' ] || "$B/postgres" --single -D ${dataDir}${conf ? sh` -c ${`config_file=${conf}`}` : sh``} postgres </dev/null >/dev/null`
      : sh`:`;
  const extra = opts.restoreTargetWal ? sh`--restore-target-wal` : sh``;
  // "no rewind required" leaves no backup_label: the dir must still start as a standby, never as a primary
  const mark = `${dataDir}/${version >= 12 ? 'standby.signal' : 'recovery.conf'}`;
  return sh`set -e; ${binDirScript(t)}; ${pass}; ${single}
"$B/psql" -X -q -w -v ON_ERROR_STOP=1 -d ${src} -c CHECKPOINT
set +e; "$B/pg_rewind" -D ${dataDir} --source-server=${src} --progress ${extra} > ${opts.logFile} 2>&1; rc=$?; cat ${opts.logFile}; [ "$rc" -eq 0 ] || { echo "rejoin: pg_rewind failed (exit $rc; output in "${opts.logFile}"): nothing started; if the WAL back to the last common checkpoint is gone, rerun with -e rejoin_method=copy (the data dir is moved aside, never deleted)" >&2; exit $rc; }
[ -e ${mark} ] || (umask 077; : > ${mark})`;
}

/** What pg_rewind reported. */
export interface RewindOutcome {
  /** bytes copied from the source (the last progress line, else the "need to copy" estimate); 0 when none */
  bytes: number;
  noRewindRequired: boolean;
  /** "servers diverged at WAL location X on timeline N" */
  divergedAt?: string;
  timeline?: number;
  done: boolean;
}

/**
 * Parses pg_rewind's output (--progress): `servers diverged at WAL location 0/3000060 on timeline 1`, `need to
 * copy 52 MB (total source directory size is 70 MB)`, progress lines `12345/53248 kB (23%) copied` (one a line when
 * not on a terminal, else ended by carriage returns), `Done!`, or `no rewind required`.
 */
export function parseRewindOutput(out: string): RewindOutcome {
  const diverged = /servers diverged at WAL location (\S+) on timeline (\d+)/.exec(out);
  const progress = [...out.matchAll(/(\d+)\/(\d+) kB \(\d+%\) copied/g)].pop();
  const need = /need to copy (\d+) MB/.exec(out);
  const bytes = progress ? Number(progress[1]) * 1024 : need ? Number(need[1]) * 1024 * 1024 : 0;
  return {
    bytes,
    noRewindRequired: /no rewind required/.test(out),
    ...(diverged ? { divergedAt: diverged[1], timeline: Number(diverged[2]) } : {}),
    done: /Done!/.test(out),
  };
}

/** Bytes for people: `1.5 MB`, `812 kB`, `0 B`. */
export function humanBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} kB`;
  return `${n} B`;
}
