/**
 * What `run-playbook status` reads from each node (one read-only query, tagged rows) and the topology drawn from
 * the answers: the primary as the servers say (lib/pg/topology.ts), who streams from whom, sync state, TLS.
 */
import { type SlotRow, slotsSql } from './slots.js';
import { parseRows } from './target.js';
import { currentPrimary, downNode, type NodeState, nodeStateSql } from './topology.js';

/** One walsender of a node, as pg_stat_replication and pg_stat_ssl (joined on pid) show it. */
export interface ReplicaStatus {
  /** application_name: a standby of the inventory connects with its inventory name */
  name: string;
  client: string;
  state: string;
  /** sync, async, potential or quorum (pg_stat_replication.sync_state) */
  sync: string;
  /** bytes of WAL the standby has still to replay (empty on a cascading standby) */
  lagBytes: string;
  replayLag: string;
  /** TLS on this replication connection (pg_stat_ssl.ssl), and its protocol version when on */
  ssl: boolean;
  sslVersion: string;
}

/** A standby's walreceiver (pg_stat_wal_receiver). */
export interface ReceiverStatus {
  status: string;
  conninfoHost: string;
  conninfoPort: string;
  /** the timeline it receives */
  timeline: string;
  replayDelay: string;
  /** the inventory host it streams from, when its address and port name one */
  from?: string;
}

/** What `run-playbook status` knows of one node. */
export interface NodeStatus {
  host: string;
  error?: string;
  role?: 'primary' | 'standby';
  version?: string;
  /** the checkpoint's timeline (pg_control), and the cluster's system identifier */
  timeline?: number;
  systemId?: string;
  /** the inventory group it is in (primary_group or standby_group), when one of them */
  inventoryRole?: 'primary' | 'standby';
  /** set on every primary of a split brain (more than one server out of recovery) */
  splitBrain?: boolean;
  /** its walsenders: a primary's standbys, or a cascading standby's */
  replicas: ReplicaStatus[];
  /** standby: pg_stat_wal_receiver */
  receiver?: ReceiverStatus;
  archiver?: { archived: string; lastWal: string; lastTime: string; failed: string; lastFailed: string };
  /** physical replication slots; `orphan`: no host of the inventory has this slot name */
  slots: (SlotRow & { orphan: boolean })[];
}

/**
 * The timeline a node is on now. pg_control's checkpoint timeline (nodeStateSql) moves only at the first checkpoint
 * after a promotion, which runs in the background: a primary's is read from its current WAL file name instead, a
 * standby's is the newer of its last restartpoint's and the one its walreceiver receives.
 */
const timelineSql = `select 'tli', case when pg_is_in_recovery() then greatest((select timeline_id from pg_control_checkpoint()), coalesce((select received_tli from pg_stat_wal_receiver limit 1), 0)) else ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int end;
`;

/** Read-only on 10–18 (pg_stat_ssl and received_tli exist on all of them). */
export const statusSql = `${nodeStateSql}${timelineSql}select 'role', case when pg_is_in_recovery() then 'standby' else 'primary' end, current_setting('server_version');
select 'rep', r.application_name, coalesce(host(r.client_addr), 'local'), r.state, coalesce(r.sync_state, ''),
  case when pg_is_in_recovery() then '' else coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn)::bigint::text, '') end,
  coalesce(r.replay_lag::text, ''), coalesce(l.ssl::text, 'false'), coalesce(l.version, '')
  from pg_stat_replication r left join pg_stat_ssl l on l.pid = r.pid order by r.application_name;
select 'recv', status, coalesce(substring(conninfo from 'host=([^ ]+)'), ''), coalesce(substring(conninfo from 'port=([0-9]+)'), ''),
  received_tli, coalesce((now() - pg_last_xact_replay_timestamp())::text, '') from pg_stat_wal_receiver;
select 'arch', archived_count, coalesce(last_archived_wal, ''), coalesce(last_archived_time::text, ''),
  failed_count, coalesce(last_failed_wal, '') from pg_stat_archiver;
select 'slot', x.* from (${slotsSql}) x;
`;

/** Parses the tagged rows of {@link statusSql}; `known`: the slot names of the inventory's hosts. */
export function parseStatus(host: string, out: string, known: ReadonlySet<string> = new Set()): NodeStatus {
  const s: NodeStatus = { host, replicas: [], slots: [] };
  for (const [tag, a = '', b = '', c = '', d = '', e = '', f = '', g = '', h = ''] of parseRows(out)) {
    if (tag === 'node') Object.assign(s, { systemId: c, timeline: s.timeline ?? Number(d) });
    else if (tag === 'tli') s.timeline = Number(a);
    else if (tag === 'role') Object.assign(s, { role: a, version: b });
    else if (tag === 'rep')
      s.replicas.push({
        name: a,
        client: b,
        state: c,
        sync: d,
        lagBytes: e,
        replayLag: f,
        ssl: g === 't' || g === 'true',
        sslVersion: h,
      });
    else if (tag === 'recv')
      s.receiver = { status: a, conninfoHost: b, conninfoPort: c, timeline: d, replayDelay: e };
    else if (tag === 'arch') s.archiver = { archived: a, lastWal: b, lastTime: c, failed: d, lastFailed: e };
    else if (tag === 'slot')
      s.slots.push({ name: a, active: b === 't', walStatus: c, retainedBytes: d, orphan: !known.has(a) });
  }
  return s;
}

/** How a node of the inventory is reached by the others: its address and port. */
export interface NodeAddress {
  host: string;
  address: string;
  port: number;
}

/** The inventory host a walreceiver's conninfo names: address and port, else the address alone when unique. */
export function upstreamHost(r: ReceiverStatus, nodes: readonly NodeAddress[]): string | undefined {
  const byPort = nodes.filter((n) => n.address === r.conninfoHost && String(n.port) === r.conninfoPort);
  if (byPort.length === 1) return byPort[0]?.host;
  const byAddress = nodes.filter((n) => n.address === r.conninfoHost);
  return byAddress.length === 1 && !r.conninfoPort ? byAddress[0]?.host : undefined;
}

/** A node's status as lib/pg/topology.ts sees it, for {@link currentPrimary}. */
function asNodeState(n: NodeStatus): NodeState {
  if (n.error || !n.role) return downNode(n.host, n.error);
  return {
    host: n.host,
    down: false,
    inRecovery: n.role === 'standby',
    version: 0,
    systemId: n.systemId ?? '',
    timeline: n.timeline ?? 0,
    lsn: '',
    upstream: n.receiver?.conninfoHost ?? '',
  };
}

/** Resolves each walreceiver's upstream to an inventory host, and marks the primaries of a split brain. */
export function withTopology(nodes: NodeStatus[], addresses: readonly NodeAddress[]): NodeStatus[] {
  const verdict = currentPrimary(nodes.map(asNodeState));
  const split = new Set(verdict.kind === 'split' ? verdict.primaries.map((p) => p.host) : []);
  return nodes.map((n) => ({
    ...n,
    ...(split.has(n.host) ? { splitBrain: true } : {}),
    ...(n.receiver ? { receiver: { ...n.receiver, from: upstreamHost(n.receiver, addresses) } } : {}),
  }));
}

/** The primary as the servers say, over statuses. */
export function statusVerdict(nodes: readonly NodeStatus[]) {
  return currentPrimary(nodes.map(asNodeState));
}
