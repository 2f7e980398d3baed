/**
 * Rejoining an old primary as a standby of the current one: who the current primary is (never the target
 * itself) and which path it takes (already a standby, pg_rewind, or a fresh copy). Pure: the task
 * (lib/tasks/rejoin.ts) does the reading; the commands are in rewind-cmd.ts.
 */
import { ApplyError } from '../errors.js';
import type { TargetState } from './backup-target.js';
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

/** What the target's tools and pg_control say about rewinding (see rewindToolsScript in rewind-cmd.ts). */
export interface RewindTools {
  /** major version of pg_rewind in the target's bin dir, 0 when missing */
  rewindMajor: number;
  /** pg_control: wal_log_hints; null when pg_controldata could not tell */
  walLogHints: boolean | null;
  /** pg_control: data page checksums; null when unknown */
  checksums: boolean | null;
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
  /** the timeline a running server writes or replays (see NodeState.timeline), 0 when it does not run */
  timeline: number;
  /** a running standby's walreceiver as `host:port` (see walReceiverAt), '' when none */
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
/** What the run allows and where the primary is reached. */
export interface RejoinOptions {
  method: RejoinMethod;
  /** `address:port` standbys use for the primary (its pg_address and pg_port), as walReceiverAt gives */
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
  // a split brain: the old primary is the one on the older timeline; the newer one is never rewound onto it
  const tl = Math.max(target.timeline, s.timeline, s.historyTimeline);
  if (tl >= primary.timeline)
    throw new ApplyError(
      `${host} is a primary on timeline ${tl}, ${primary.host} on ${primary.timeline}: ${tl > primary.timeline ? `${host} is the newer one` : 'the same timeline, so it cannot tell which one a failover promoted'}; nothing written. The old primary is the one on the older timeline: stop it and rejoin that one (-e host=${primary.host})`,
    );
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
