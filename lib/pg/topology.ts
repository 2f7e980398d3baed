/**
 * Who is the primary, read from the servers, not assumed from the inventory: one read-only query per node and
 * a pure decision over the answers. Shared by `status`, switchover, rejoin and replication preflight.
 */
import { parseRows } from './target.js';

/** One node as {@link nodeStateSql} reads it; `down` when no server answered. */
export interface NodeState {
  host: string;
  /** no server answered on this host (stopped, crashed, unreachable) */
  down: boolean;
  /** the reason it is down, when known */
  error?: string;
  inRecovery: boolean;
  /** server_version_num / 10000 */
  version: number;
  /** pg_control's system identifier: every node of one cluster shares it */
  systemId: string;
  /**
   * primary: the timeline it writes (of its current WAL file: right after a promotion pg_control's checkpoint
   * still names the old one); standby: its last checkpoint's. The newest wins a split.
   */
  timeline: number;
  /** primary: pg_current_wal_lsn(); standby: the last LSN received (else replayed) */
  lsn: string;
  /** standby: the host its walreceiver streams from (pg_stat_wal_receiver), '' when none */
  upstream: string;
}

/**
 * Read-only on 10–18: recovery state, version, system identifier (pg_control_* functions, 9.6+), timeline (a
 * primary's current WAL file, a standby's last checkpoint), the current or received LSN, and the walreceiver's
 * sender host (conninfo's host=, since sender_host is 11+).
 */
export const nodeStateSql = `SELECT 'node', pg_is_in_recovery(), current_setting('server_version_num'), (SELECT system_identifier FROM pg_control_system()), CASE WHEN pg_is_in_recovery() THEN (SELECT timeline_id FROM pg_control_checkpoint()) ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END, CASE WHEN pg_is_in_recovery() THEN coalesce(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::text ELSE pg_current_wal_lsn()::text END, coalesce((SELECT substring(conninfo from 'host=([^ ]+)') FROM pg_stat_wal_receiver LIMIT 1), '');
`;

/** Parses {@link nodeStateSql}'s answer for one host. */
export function parseNodeState(host: string, out: string): NodeState {
  const row = parseRows(out).find((r) => r[0] === 'node');
  if (!row) return downNode(host, 'no answer to the state query');
  const [, rec, num, sysid = '', tli, lsn = '', upstream = ''] = row;
  return {
    host,
    down: false,
    inRecovery: rec === 't',
    version: Math.floor(Number(num) / 10000),
    systemId: sysid,
    timeline: Number(tli),
    lsn,
    upstream,
  };
}

/** A node whose server did not answer. */
export function downNode(host: string, error?: string): NodeState {
  return {
    host,
    down: true,
    error,
    inRecovery: false,
    version: 0,
    systemId: '',
    timeline: 0,
    lsn: '',
    upstream: '',
  };
}

/** The decision over all nodes' states. */
export type PrimaryVerdict =
  | { kind: 'one'; primary: NodeState }
  | { kind: 'none'; message: string }
  | { kind: 'split'; primaries: NodeState[]; message: string };

/**
 * The current primary: the one running node out of recovery. None (every node down or in recovery) and several
 * (a split brain: e.g. an old primary restarted alone after a failover) are not guessed at; for a split the
 * node on the newest timeline is listed first, as it is the one a failover promoted.
 */
export function currentPrimary(nodes: readonly NodeState[]): PrimaryVerdict {
  const up = nodes.filter((n) => !n.down && !n.inRecovery);
  if (up.length === 1) return { kind: 'one', primary: up[0] as NodeState };
  if (up.length === 0) {
    const down = nodes.filter((n) => n.down).map((n) => n.host);
    return {
      kind: 'none',
      message: `no running primary among ${nodes.map((n) => n.host).join(', ')}${down.length ? ` (no server answered on ${down.join(', ')})` : ''}`,
    };
  }
  const primaries = [...up].sort((a, b) => b.timeline - a.timeline);
  return {
    kind: 'split',
    primaries,
    message: `more than one primary: ${primaries.map((n) => `${n.host} (timeline ${n.timeline})`).join(', ')}; stop the one that must not take writes, then rejoin it (playbooks/rejoin.yml)`,
  };
}
