import { becomeFromVars, createConnections } from '../connection/index.js';
import { withHostDefaults } from '../engine/vars.js';
import { hostVars, type Inventory, selectHosts } from '../inventory/index.js';
import { type SlotRow, slotName, slotsSql } from '../pg/slots.js';
import { parseRows, pgTarget, psql } from '../pg/target.js';
import { payload } from '../secret.js';

/** What `run-playbook status` knows of one node. */
export interface NodeStatus {
  host: string;
  error?: string;
  role?: 'primary' | 'standby';
  version?: string;
  /** primary: its standbys as pg_stat_replication shows them */
  replicas: {
    name: string;
    client: string;
    state: string;
    sync: string;
    lagBytes: string;
    replayLag: string;
  }[];
  /** standby: pg_stat_wal_receiver */
  receiver?: { status: string; conninfoHost: string; replayDelay: string };
  archiver?: { archived: string; lastWal: string; lastTime: string; failed: string; lastFailed: string };
  /** physical replication slots; `orphan`: no host of the inventory has this slot name */
  slots: (SlotRow & { orphan: boolean })[];
}

const SQL = `select 'role', case when pg_is_in_recovery() then 'standby' else 'primary' end, current_setting('server_version');
select 'rep', application_name, coalesce(client_addr::text, 'local'), state, coalesce(sync_state, ''),
  case when pg_is_in_recovery() then '' else pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint::text end,
  coalesce(replay_lag::text, '') from pg_stat_replication order by application_name;
select 'recv', status, coalesce(substring(conninfo from 'host=([^ ]+)'), ''),
  coalesce((now() - pg_last_xact_replay_timestamp())::text, '') from pg_stat_wal_receiver;
select 'arch', archived_count, coalesce(last_archived_wal, ''), coalesce(last_archived_time::text, ''),
  failed_count, coalesce(last_failed_wal, '') from pg_stat_archiver;
select 'slot', x.* from (${slotsSql}) x;
`;

/** Parses the tagged rows of the status query. */
export function parseStatus(host: string, out: string, known: ReadonlySet<string> = new Set()): NodeStatus {
  const s: NodeStatus = { host, replicas: [], slots: [] };
  for (const [tag, a = '', b = '', c = '', d = '', e = '', f = ''] of parseRows(out)) {
    if (tag === 'role') Object.assign(s, { role: a, version: b });
    else if (tag === 'rep')
      s.replicas.push({ name: a, client: b, state: c, sync: d, lagBytes: e, replayLag: f });
    else if (tag === 'recv') s.receiver = { status: a, conninfoHost: b, replayDelay: c };
    else if (tag === 'arch') s.archiver = { archived: a, lastWal: b, lastTime: c, failed: d, lastFailed: e };
    else if (tag === 'slot')
      s.slots.push({ name: a, active: b === 't', walStatus: c, retainedBytes: d, orphan: !known.has(a) });
  }
  return s;
}

/**
 * Asks every selected host's PostgreSQL (as its OS user) for its replication state, in parallel;
 * `hostDefaults` are ansible.cfg's connection defaults.
 */
export async function replicationStatus(
  inv: Inventory,
  pattern = 'all',
  extraVars: Record<string, unknown> = {},
  hostDefaults: Record<string, unknown> = {},
): Promise<NodeStatus[]> {
  const hosts = selectHosts(inv, pattern);
  const vars = new Map(
    hosts.map((h) => [h, withHostDefaults(hostDefaults, { ...hostVars(inv, h), ...extraVars })]),
  );
  const known = new Set([...inv.hosts.keys()].map(slotName));
  const conns = await createConnections(hosts.map((name) => ({ name, vars: vars.get(name) ?? {} })));
  try {
    return await Promise.all(
      hosts.map(async (host) => {
        const v = vars.get(host) ?? {};
        const t = pgTarget(v);
        const become = becomeFromVars(v, { become: true, becomeUser: t.osUser });
        try {
          const r = await conns.get(host).exec(psql(t), { stdin: payload`${SQL}`, become });
          if (r.code !== 0)
            return {
              host,
              replicas: [],
              slots: [],
              error: r.stderr.trim().split('\n').slice(-1)[0] ?? `exit ${r.code}`,
            };
          return parseStatus(host, r.stdout, known);
        } catch (e) {
          return { host, replicas: [], slots: [], error: (e as Error).message };
        }
      }),
    );
  } finally {
    await conns.closeAll();
  }
}

function slotLine(s: NodeStatus['slots'][number]): string {
  const wal = [
    s.walStatus && `wal_status ${s.walStatus}`,
    s.retainedBytes && `holds ${s.retainedBytes} bytes of WAL`,
  ];
  const what = [s.active ? 'active' : 'inactive', ...wal.filter(Boolean)].join(', ');
  return `  slot ${s.name}: ${what}${s.orphan ? ' — no host of the inventory uses it (replication.yml -e pg_drop_unlisted_slots=true drops it)' : ''}`;
}

/** The health report, one block per node. */
export function formatStatus(nodes: readonly NodeStatus[]): string {
  const out: string[] = [];
  for (const n of nodes) {
    if (n.error) {
      out.push(`${n.host}: DOWN or unreachable — ${n.error}`);
      continue;
    }
    out.push(`${n.host}: ${n.role} (PostgreSQL ${n.version})`);
    if (n.role === 'primary') {
      if (n.replicas.length === 0) out.push('  no standby connected');
      for (const r of n.replicas)
        out.push(
          `  standby ${r.name} from ${r.client}: ${r.state} (${r.sync}), lag ${r.lagBytes || '?'} bytes${r.replayLag ? `, replay lag ${r.replayLag}` : ''}`,
        );
    }
    for (const sl of n.slots) out.push(slotLine(sl));
    if (n.role === 'standby')
      out.push(
        n.receiver
          ? `  wal receiver: ${n.receiver.status} from ${n.receiver.conninfoHost || '?'}${n.receiver.replayDelay ? `, last replayed transaction ${n.receiver.replayDelay} ago` : ''}`
          : '  wal receiver: not running',
      );
    const a = n.archiver;
    if (a)
      out.push(
        `  archiver: ${a.archived} archived${a.lastWal ? ` (last ${a.lastWal} at ${a.lastTime})` : ''}, ${a.failed} failed${a.lastFailed ? ` (last ${a.lastFailed})` : ''}`,
      );
  }
  return `${out.join('\n')}\n`;
}
