/** The text of `run-playbook status`: the topology first (as the servers say), then one block per node. */
import { type NodeStatus, type ReplicaStatus, statusVerdict } from '../pg/status.js';

function slotLine(s: NodeStatus['slots'][number]): string {
  const wal = [
    s.walStatus && `wal_status ${s.walStatus}`,
    s.retainedBytes && `holds ${s.retainedBytes} bytes of WAL`,
  ];
  const what = [s.active ? 'active' : 'inactive', ...wal.filter(Boolean)].join(', ');
  return `  slot ${s.name}: ${what}${s.orphan ? ' — no host of the inventory uses it (replication.yml -e pg_drop_unlisted_slots=true drops it)' : ''}`;
}

function replicaLine(r: ReplicaStatus): string {
  const tls = r.ssl ? `ssl on (${r.sslVersion || '?'})` : 'ssl off';
  const lag = `lag ${r.lagBytes || '?'} bytes${r.replayLag ? `, replay lag ${r.replayLag}` : ''}`;
  return `  standby ${r.name} from ${r.client}: ${r.state} (${r.sync || 'no sync state'}), ${tls}, ${lag}`;
}

function receiverLine(n: NodeStatus): string {
  const r = n.receiver;
  if (!r) return '  wal receiver: not running';
  const where = `${r.conninfoHost || '?'}${r.conninfoPort ? `:${r.conninfoPort}` : ''}`;
  const from = r.from ? `${r.from} (${where})` : `${where} (no host of the inventory)`;
  const delay = r.replayDelay ? `, last replayed transaction ${r.replayDelay} ago` : '';
  return `  wal receiver: ${r.status} from ${from}, timeline ${r.timeline || '?'}${delay}`;
}

/** The primary as the servers say, and the inventory change to make when the inventory names another one. */
function primaryPart(nodes: readonly NodeStatus[], host: string, timeline: number): string {
  const listed = nodes.filter((n) => n.inventoryRole === 'primary').map((n) => n.host);
  if (listed.length === 0 || listed.includes(host))
    return `${host} is the primary (timeline ${timeline || '?'})`;
  return `${host} is the primary now (timeline ${timeline}): move ${host} to [primary] and ${listed.join(', ')} to [standby]`;
}

/** One line on who is primary and who streams from whom; loud for a split brain. */
export function topologyLine(nodes: readonly NodeStatus[]): string {
  const v = statusVerdict(nodes);
  if (v.kind === 'split') return `SPLIT BRAIN — ${v.message}`;
  if (v.kind === 'none') return `topology: ${v.message}`;
  const p = v.primary;
  const streams = (up: string) =>
    nodes.filter((n) => n.receiver?.status === 'streaming' && n.receiver.from === up).map((n) => n.host);
  const parts = [primaryPart(nodes, p.host, p.timeline)];
  for (const n of [p.host, ...nodes.filter((x) => x.role === 'standby').map((x) => x.host)]) {
    const down = streams(n);
    if (down.length) parts.push(`${down.join(', ')} stream${down.length === 1 ? 's' : ''} from ${n}`);
  }
  const standbys = nodes.filter((n) => n.role === 'standby');
  const still = standbys.filter((n) => n.receiver?.status !== 'streaming').map((n) => n.host);
  if (still.length) parts.push(`NOT STREAMING: ${still.join(', ')}`);
  const outside = standbys.filter((n) => n.receiver?.status === 'streaming' && !n.receiver.from);
  if (outside.length)
    parts.push(`streaming from outside the inventory: ${outside.map((n) => n.host).join(', ')}`);
  const other = nodes.filter((n) => n.systemId && p.systemId && n.systemId !== p.systemId);
  if (other.length)
    parts.push(`ANOTHER CLUSTER (system identifier) on ${other.map((n) => n.host).join(', ')}`);
  return `topology: ${parts.join('; ')}`;
}

function nodeBlock(n: NodeStatus): string[] {
  if (n.error) return [`${n.host}: DOWN or unreachable — ${n.error}`];
  const tli = n.timeline ? `, timeline ${n.timeline}` : '';
  const out = [
    `${n.host}: ${n.role}${n.splitBrain ? ' (SPLIT BRAIN: another primary runs)' : ''} (PostgreSQL ${n.version})${tli}`,
  ];
  if (n.role === 'primary' && n.replicas.length === 0) out.push('  no standby connected');
  out.push(...n.replicas.map(replicaLine));
  out.push(...n.slots.map(slotLine));
  if (n.role === 'standby') out.push(receiverLine(n));
  const a = n.archiver;
  if (a)
    out.push(
      `  archiver: ${a.archived} archived${a.lastWal ? ` (last ${a.lastWal} at ${a.lastTime})` : ''}, ${a.failed} failed${a.lastFailed ? ` (last ${a.lastFailed})` : ''}`,
    );
  return out;
}

/** The health report: the topology line, then one block per node. */
export function formatStatus(nodes: readonly NodeStatus[]): string {
  return `${[topologyLine(nodes), ...nodes.flatMap(nodeBlock)].join('\n')}\n`;
}
