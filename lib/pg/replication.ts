/** Pure parts of waiting for replication: the queries on both sides and how their answers read. */
import type { ExecResult } from '../connection/types.js';
import { parseRows, sqlLiteral } from './target.js';

/**
 * On the primary (10+): the standby's walsender state, lag in bytes (replay) and replay_lag. replay_lsn stays
 * null until the standby's first reply, so an empty lag means "no reply yet", not "no lag".
 */
export function replicationSql(applicationName: string): string {
  return `SELECT state, coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint::text, ''), coalesce(replay_lag::text, ''), sync_state FROM pg_stat_replication WHERE application_name = ${sqlLiteral(applicationName)}`;
}

/** On the standby: the walreceiver's status (no row while it is not running). */
export const receiverSql = 'SELECT status FROM pg_stat_wal_receiver';

/** Both sides' view, with a one-line summary for progress and errors. */
export interface ReplicationState {
  streaming: boolean;
  summary: string;
  data: {
    state: string;
    receiver: string;
    lagBytes: number | null;
    replayLag: string | null;
    syncState: string;
  };
}

const lastLine = (s: string): string => s.trim().split('\n').pop() ?? '';

/** Reads the answers of {@link replicationSql} (primary) and {@link receiverSql} (standby). */
export function readReplication(primary: ExecResult, standby: ExecResult): ReplicationState {
  const [row] = primary.code === 0 ? parseRows(primary.stdout) : [];
  const state = primary.code !== 0 ? `primary: ${lastLine(primary.stderr)}` : (row?.[0] ?? 'none');
  const receiver =
    standby.code !== 0
      ? `standby: ${lastLine(standby.stderr)}`
      : (parseRows(standby.stdout)[0]?.[0] ?? 'none');
  const lag = row?.[1] ? Number(row[1]) : null;
  const data = { state, receiver, lagBytes: lag, replayLag: row?.[2] || null, syncState: row?.[3] ?? '' };
  // streaming only once the positions are known: a walsender says "streaming" before the standby has replied
  const replied = lag !== null;
  const streaming = state === 'streaming' && receiver === 'streaming' && replied;
  const sender = state === 'streaming' && !replied ? 'streaming (no reply from the standby yet)' : state;
  const summary = streaming
    ? `lag ${lag} bytes${data.replayLag ? `, replay_lag ${data.replayLag}` : ''}`
    : `walsender on the primary: ${sender}; walreceiver on the standby: ${receiver}`;
  return { streaming, summary, data };
}
