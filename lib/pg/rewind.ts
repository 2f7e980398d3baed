/**
 * Rejoining an old primary as a standby of the current one: who the current primary is (never the target
 * itself), which path it takes (already a standby, pg_rewind, or a fresh copy), the pg_rewind command, and
 * what pg_rewind printed. Pure: the task (lib/tasks/rejoin.ts) does the reading.
 */
import { ApplyError } from '../errors.js';
import { type Cmd, sh } from '../model/command.js';
import { conninfoValue } from './backup.js';
import type { TargetState } from './backup-target.js';
import { binDirScript, type PgTarget } from './target.js';
import type { NodeState } from './topology.js';

/**
 * The current primary among the other nodes: the one running out of recovery; among several (a split brain),
 * refused. The target never counts: a target that is the only primary is never stopped.
 */
export function primaryForRejoin(host: string, others: readonly NodeState[]): NodeState {
  const up = others.filter((n) => n.host !== host && !n.down && !n.inRecovery);
  if (up.length === 1) return up[0] as NodeState;
  if (up.length === 0)
    throw new ApplyError(
      `${host}: no other node is a running primary (${others.map((n) => `${n.host}: ${n.down ? 'down' : 'in recovery'}`).join(', ') || 'no other node'}); ${host} is not touched: promote a standby first (playbooks/promote.yml), then rejoin ${host}`,
    );
  const list = [...up].sort((a, b) => b.timeline - a.timeline);
  throw new ApplyError(
    `${host}: more than one other primary: ${list.map((n) => `${n.host} (timeline ${n.timeline})`).join(', ')}; nothing written: stop the one that must not take writes and rejoin it first`,
  );
}

/** What the target's tools and pg_control say about rewinding (see {@link rewindToolsScript}). */
export interface RewindTools {
  /** major version of pg_rewind in the target's bin dir, 0 when missing */
  rewindMajor: number;
  /** pg_control: wal_log_hints; null when pg_controldata could not tell */
  walLogHints: boolean | null;
  /** pg_control: data page checksums; null when unknown */
  checksums: boolean | null;
}

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

/** The target as the decision needs it. */
export interface RejoinTarget {
  host: string;
  dataDir: string;
  /** a server answers there */
  running: boolean;
  /** the answering server is in recovery (or, stopped: standby.signal / recovery.conf) */
  inRecovery: boolean;
  version: number;
  systemId: string | null;
  /** the data dir as the base backup probe reads it (pg_control state, labels) */
  state: TargetState;
  /** a running standby's walreceiver as `host:port` (see {@link walReceiverAt}), '' when none */
  upstream: string;
}

/** How the target rejoins. */
export type RejoinPath =
  | { kind: 'standby'; reason: string }
  | { kind: 'rewind'; stop: boolean; reason: string }
  | { kind: 'copy'; stop: boolean; reason: string };

/** `auto`: pg_rewind when it can work, else a fresh copy; `rewind` refuses the copy; `copy` never rewinds. */
export type RejoinMethod = 'auto' | 'rewind' | 'copy';

/** pg_control states of a cluster that is (or was last) a standby: rewound or copied, not a stray primary. */
const STANDBY_STATES = ['shut down in recovery', 'in archive recovery'];

/** Why pg_rewind cannot work here, or undefined when it can. */
export function whyNoRewind(
  target: RejoinTarget,
  primary: NodeState,
  tools: RewindTools,
): string | undefined {
  if (tools.rewindMajor === 0) return `no pg_rewind in ${target.host}'s bin dir`;
  if (tools.rewindMajor !== target.version)
    return `pg_rewind on ${target.host} is ${tools.rewindMajor}, the cluster is ${target.version}`;
  if (primary.version !== target.version)
    return `${primary.host} runs ${primary.version}, ${target.host} ${target.version}`;
  if (tools.walLogHints === false && tools.checksums === false)
    return `${target.dataDir} has neither wal_log_hints = on nor data checksums (pg_controldata)`;
  if (tools.walLogHints === null && tools.checksums === null)
    return `pg_controldata could not read ${target.dataDir}: wal_log_hints and checksums unknown`;
  return undefined;
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

/** What the run allows and where the primary is reached. */
export interface RejoinOptions {
  method: RejoinMethod;
  /** `address:port` standbys use for the primary (its pg_address and pg_port), as {@link walReceiverAt} gives */
  primaryAt: string;
}

/** A running standby that does not stream from the primary: re-pointed only when it can follow it. */
function strayStandby(
  target: RejoinTarget,
  primary: NodeState,
  tools: RewindTools,
  o: RejoinOptions,
): RejoinPath {
  const from = target.upstream ? `streams from ${target.upstream}` : 'has no walreceiver';
  const why = whyNoRewind(target, primary, tools);
  if (o.method === 'copy')
    return { kind: 'copy', stop: true, reason: `${target.host} ${from}: a fresh copy (as asked)` };
  if (why === undefined)
    return {
      kind: 'rewind',
      stop: true,
      reason: `${target.host} is a standby that ${from}, not ${primary.host}: it may hold WAL ${primary.host} never had; pg_rewind from ${primary.host} (nothing copied when it has none)`,
    };
  return {
    kind: 'standby',
    reason: `${target.host} is a standby that ${from}; pg_rewind cannot check it (${why}): re-pointed to ${primary.host} only`,
  };
}

/**
 * The path: a standby streaming from the primary (or stopped after a rewind or copy) changes nothing here; a
 * standby streaming from elsewhere is rewound when pg_rewind can check it; a primary of the same system is
 * rewound, or copied afresh when pg_rewind cannot work (or when asked); a foreign cluster is refused.
 */
export function decideRejoin(
  target: RejoinTarget,
  primary: NodeState,
  tools: RewindTools,
  o: RejoinOptions,
): RejoinPath {
  const { host, dataDir } = target;
  if (target.systemId !== null && target.systemId !== primary.systemId)
    throw new ApplyError(
      `${host}: ${dataDir} holds another cluster (system identifier ${target.systemId}, ${primary.host}'s is ${primary.systemId}); nothing written: this is not an old primary of this cluster`,
    );
  if (target.systemId === null)
    throw new ApplyError(
      `${host}: ${dataDir} holds no cluster; nothing to rejoin: make it a standby with playbooks/replication.yml`,
    );
  if (target.running && target.inRecovery) {
    if (target.upstream === o.primaryAt)
      return { kind: 'standby', reason: `${host} is a standby streaming from ${primary.host}: no change` };
    return strayStandby(target, primary, tools, o);
  }
  // a backup_label without a server: a copy or a rewind not started yet (a primary has none since 15)
  const s = target.state;
  if (!target.running && (target.inRecovery || s.backupLabel || STANDBY_STATES.includes(s.clusterState)))
    return {
      kind: 'standby',
      reason: `${host} is a stopped standby of ${primary.host}'s system (${s.clusterState || (s.backupLabel ? 'backup_label' : 'standby.signal')}): no rewind`,
    };
  const stop = target.running;
  const was = target.running
    ? 'a running primary'
    : `a stopped primary (${s.clusterState || 'pg_control unread'})`;
  if (o.method === 'copy')
    return { kind: 'copy', stop, reason: `${host} is ${was}: a fresh copy from ${primary.host} (as asked)` };
  const why = whyNoRewind(target, primary, tools);
  if (why === undefined)
    return { kind: 'rewind', stop, reason: `${host} is ${was}: pg_rewind from ${primary.host}` };
  if (o.method === 'rewind')
    throw new ApplyError(
      `${host}: pg_rewind cannot work: ${why}; nothing written (method copy would copy afresh)`,
    );
  return {
    kind: 'copy',
    stop,
    reason: `${host} is ${was}; pg_rewind cannot work (${why}): a fresh copy from ${primary.host}`,
  };
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
 * stdout; then the recovery signal file, so that the dir starts as a standby even when nothing was rewound. Before 13 pg_rewind does not finish a crashed target's recovery itself: a single-user start does.
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
  const single =
    version < 13
      ? sh`s=$("$B/pg_controldata" -D ${dataDir} | sed -n 's/^Database cluster state: *//p'); [ "$s" = 'shut down' ] || "$B/postgres" --single -D ${dataDir} postgres </dev/null >/dev/null`
      : sh`:`;
  const extra = opts.restoreTargetWal ? sh`--restore-target-wal` : sh``;
  // "no rewind required" leaves no backup_label: the dir must still start as a standby, never as a primary
  const mark = `${dataDir}/${version >= 12 ? 'standby.signal' : 'recovery.conf'}`;
  return sh`set -e; ${binDirScript(t)}; ${pass}; ${single}
"$B/psql" -X -q -w -v ON_ERROR_STOP=1 -d ${src} -c CHECKPOINT
set +e; "$B/pg_rewind" -D ${dataDir} --source-server=${src} --progress ${extra} > ${opts.logFile} 2>&1; rc=$?; cat ${opts.logFile}; [ "$rc" -eq 0 ] || exit $rc
[ -e ${mark} ] || : > ${mark}`;
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
