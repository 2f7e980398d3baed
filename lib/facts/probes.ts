/**
 * The only commands a plan may run: read-only probes. `Probe` is branded, and only the constructors in
 * lib/facts/ make one, so a task cannot hand {@link Facts.run} an arbitrary command: the compiler enforces
 * "plan never writes". SQL probes run with `default_transaction_read_only = on`.
 */
import { type Cmd, raw, sh } from '../model/command.js';
import { targetProbe } from '../pg/backup-target.js';
import { standbyProbe } from '../pg/preflight-probe.js';
import { rewindToolsScript } from '../pg/rewind-cmd.js';
import { binDirScript, type PgTarget, psqlCmd } from '../pg/target.js';
import { Payload } from '../secret.js';

declare const probeBrand: unique symbol;

/** A read-only command (and its stdin), made only by the functions of lib/facts/. */
export interface Probe extends Cmd {
  readonly stdin?: Payload;
  readonly [probeBrand]: true;
}

/** Brands a command that only reads. Not exported: every probe is one of the reviewed constructors below. */
function probe(cmd: Cmd, stdin?: Payload): Probe {
  return (stdin === undefined ? { sh: cmd.sh } : { sh: cmd.sh, stdin }) as Probe;
}

/**
 * One round trip for several files: per path a header line `F|D|N mode owner group`, then a line with the
 * content of a regular file in base64 (so any bytes and any number of files parse unambiguously).
 * A file that exists but cannot be read fails the probe. Parsed by parseFilesProbe (file.ts).
 */
export function filesProbe(paths: readonly string[]): Probe {
  return probe(
    sh`for p in ${paths}; do if [ -d "$p" ]; then echo "D $(stat -c '%a %U %G' "$p")"; echo; elif [ -e "$p" ]; then echo "F $(stat -L -c '%a %U %G' "$p")"; base64 -w0 "$p" || exit 1; echo; else echo N; echo; fi; done`,
  );
}

/**
 * An environment prefix for one psql: `default_transaction_read_only` set at connection start (after any
 * PGOPTIONS of the host, so ours wins), so every transaction of the session, also after a COMMIT, refuses to
 * write. A query must say `SET default_transaction_read_only = off` to write; that is no mistake. A prefix, not
 * an export: nothing after the probe inherits it.
 */
const READ_ONLY = raw(`PGOPTIONS="\${PGOPTIONS:-} -c default_transaction_read_only=on"`);

// a primary's timeline (its current WAL file's), then every parameter's context (setConf's "needs a restart/reload"): about 10 kB, no extra round trip
const PG_SQL = `select current_setting('server_version_num'), current_setting('data_directory'), current_setting('config_file'), current_setting('hba_file'), pg_is_in_recovery(), (select system_identifier from pg_control_system()), case when pg_is_in_recovery() then 0 else ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int end; select name, context from pg_settings`;

/**
 * A server's facts in one script: ask the server (read-only); when it does not answer, read the data dir
 * (PG_VERSION, pg_control's first 8 bytes are the system identifier, standby.signal / recovery.conf say
 * "standby"). Parsed by parsePgFacts (pg.ts).
 */
export function pgFactsProbe(t: PgTarget): Probe {
  const debianConf = t.cluster ? `/etc/postgresql/${t.cluster.version}/${t.cluster.name}` : '';
  return probe(sh`${binDirScript(t)}; echo "$B"; if out=$(echo ${PG_SQL} | ${READ_ONLY} ${psqlCmd(t)} 2>&1); then echo RUNNING; printf '%s\\n' "$out"; exit 0; fi
echo DOWN; printf '%s\\n' "$out" | tail -n 1; d=${t.dataDir ?? ''}; c=${debianConf}
if [ -n "$d" ] && [ -f "$d/PG_VERSION" ]; then cat "$d/PG_VERSION"; od -An -t u8 -N8 "$d/global/pg_control" | tr -d ' '; if [ -f "$d/standby.signal" ] || [ -f "$d/recovery.conf" ]; then echo t; else echo f; fi; else echo 0; echo; echo f; fi
if [ -n "$c" ]; then echo "$c/postgresql.conf"; echo "$c/pg_hba.conf"; else echo "$d/postgresql.conf"; echo "$d/pg_hba.conf"; fi`);
}

/** `test -e`: exit 0 when the path exists. */
export const pathExists = (path: string): Probe => probe(sh`test -e ${path}`);

/** `ls -1A`: the names in a directory, one a line; non-zero when it cannot be listed. */
export const listDir = (path: string): Probe => probe(sh`ls -1A ${path}`);

/** `systemctl is-active --quiet`: exit 0 when the unit runs. */
export const unitActive = (unit: string): Probe => probe(sh`systemctl is-active --quiet ${unit}`);

/** `postgres --describe-config`: every parameter with its context, from the server binary (no server needed). */
export const describeConfig = (binDir: string): Probe => probe(sh`${`${binDir}/postgres`} --describe-config`);

/**
 * `postgres -C data_directory` with a given config file: reads and checks the whole configuration as a start
 * would (values included) without touching a running server; complaints go to stderr.
 */
export const checkConfig = (binDir: string, dataDir: string, configFile: string): Probe =>
  probe(sh`${`${binDir}/postgres`} -D ${dataDir} -c ${`config_file=${configFile}`} -C data_directory`);

/** A standby host's binaries, tar and free disk (see lib/pg/preflight-probe.ts). */
export const standbyHostProbe = (t: PgTarget, dataDir: string): Probe => probe(standbyProbe(t, dataDir));

/** Whether the host has tar (`tar` on stdout, else an empty line): all a primary's side of a copy needs. */
export const tarProbe = (): Probe =>
  probe(sh`if command -v tar >/dev/null 2>&1; then echo tar; else echo; fi`);

/** What a base backup's target dir holds (see lib/pg/backup.ts). */
export const backupTarget = (t: PgTarget, dataDir: string): Probe => probe(targetProbe(t, dataDir));

/** pg_rewind's version and pg_control's wal_log_hints and checksums (see lib/pg/rewind.ts). */
export const rewindTools = (t: PgTarget, dataDir: string): Probe => probe(rewindToolsScript(t, dataDir));

/** psql with the bin dir detected (`$B`) in a read-only session (see {@link READ_ONLY}). */
function readOnlyPsql(t: PgTarget, opts: Parameters<typeof psqlCmd>[1] = {}): Cmd {
  return sh`${binDirScript(t)}; ${READ_ONLY} ${psqlCmd(t, opts)}`;
}

/** SQL on psql's stdin in a read-only session; rows in psql's unaligned form (see parseRows). */
export function sqlProbe(
  t: PgTarget,
  sql: string | Payload,
  opts: Parameters<typeof psqlCmd>[1] = {},
): Probe {
  const text = typeof sql === 'string' ? new Payload([sql.endsWith('\n') ? sql : `${sql}\n`]) : sql;
  return probe(readOnlyPsql(t, opts), text);
}

/**
 * The last lines of a server log: the file pg_ctl -l writes, else the one pg_current_logfile() names (asked
 * read-only).
 */
export function serverLogTail(t: PgTarget, lines = 20): Probe {
  const current = `${READ_ONLY.raw} "$B/psql" -X -A -t -h "$h" -p "$p" -U "$u" -d postgres -c 'SELECT pg_current_logfile()' 2>/dev/null`;
  return probe(sh`${binDirScript(t)}; f=${t.logFile ?? ''}; d=${t.dataDir ?? ''}; h=${t.socketDir}; p=${t.port}; u=${t.superuser}
if [ -z "$f" ] || [ ! -r "$f" ]; then c=$(${{ sh: current }}); [ -n "$c" ] && f="$d/$c"; case "$c" in /*) f="$c";; esac; fi
if [ -n "$f" ] && [ -r "$f" ]; then echo "== $f"; tail -n ${lines} "$f"; else echo "(no server log found)"; fi`);
}

/**
 * The fields of pg_control that a switchover reads, in pg_controldata's own labels (LC_ALL=C): from
 * `pg_controldata` when the host has it, else from global/pg_control's fixed head (little-endian; the same on
 * 11–18, 10 has one more LSN before the checkpoint copy), since some installs ship the server without it.
 */
export const controlData = (t: PgTarget, dataDir: string): Probe =>
  probe(sh`${binDirScript(t)}; d=${dataDir}; if [ -x "$B/pg_controldata" ]; then LC_ALL=C "$B/pg_controldata" -D "$d"; exit $?; fi
f="$d/global/pg_control"; [ -r "$f" ] || { echo "cannot read $f" >&2; exit 1; }
u4() { od -An -t u4 -j "$1" -N 4 "$f" | tr -d ' '; }
v=$(u4 8); if [ "$v" -lt 1100 ]; then c=48; else c=40; fi
case $(u4 16) in 0) st='starting up';; 1) st='shut down';; 2) st='shut down in recovery';; 3) st='shutting down';; 4) st='in crash recovery';; 5) st='in archive recovery';; 6) st='in production';; *) st='unknown';; esac
set -- $(od -An -t x4 -j 32 -N 8 "$f")
echo "Database system identifier:           $(od -An -t u8 -N 8 "$f" | tr -d ' ')"
echo "Database cluster state:               $st"
printf 'Latest checkpoint location:           %X/%X\n' "0x$2" "0x$1"
echo "Latest checkpoint's TimeLineID:       $(u4 $((c + 8)))"`);
