import { becomeFromVars, type Connection, createConnections } from '../connection/index.js';
import { withHostDefaults } from '../engine/vars.js';
import { ExitCode } from '../errors.js';
import { hostVars, type Inventory, selectHosts } from '../inventory/index.js';
import { slotName } from '../pg/slots.js';
import { type NodeAddress, type NodeStatus, parseStatus, statusSql, withTopology } from '../pg/status.js';
import { pgTarget, psql } from '../pg/target.js';
import { payload } from '../secret.js';

export type { NodeStatus } from '../pg/status.js';
export { parseStatus } from '../pg/status.js';
export { formatStatus } from '../report/status.js';

/** The exit code of `status`: 4 when a node did not answer, 2 for a split brain (two primaries), else 0. */
export function statusExitCode(nodes: readonly NodeStatus[]): number {
  if (nodes.some((n) => n.error)) return ExitCode.unreachable;
  return nodes.some((n) => n.splitBrain) ? ExitCode.taskFailed : ExitCode.ok;
}

/** The address other nodes reach a host at: pg_address when literal, else ansible_host, else its name. */
function addressOf(host: string, v: Record<string, unknown>): NodeAddress {
  const given = typeof v.pg_address === 'string' && !v.pg_address.includes('{{') ? v.pg_address : undefined;
  const address = given ?? (typeof v.ansible_host === 'string' ? v.ansible_host : host);
  return { host, address, port: pgTarget(v).port };
}

/** One node's answer to the status query, as its OS user; a node that does not answer has `error`. */
async function nodeStatus(
  conn: Connection,
  host: string,
  v: Record<string, unknown>,
  known: ReadonlySet<string>,
): Promise<NodeStatus> {
  const t = pgTarget(v);
  const become = becomeFromVars(v, { become: true, becomeUser: t.osUser });
  try {
    const r = await conn.exec(psql(t), { stdin: payload`${statusSql}`, become });
    if (r.code !== 0) {
      const error = r.stderr.trim().split('\n').slice(-1)[0] || `exit ${r.code}`;
      return { host, replicas: [], slots: [], error };
    }
    return parseStatus(host, r.stdout, known);
  } catch (e) {
    return { host, replicas: [], slots: [], error: (e as Error).message };
  }
}

/**
 * Asks every selected host's PostgreSQL (as its OS user) for its replication state, in parallel, and draws the
 * topology from the answers (the primary as the servers say, each standby's upstream as an inventory host);
 * `hostDefaults` are ansible.cfg's connection defaults.
 */
export async function replicationStatus(
  inv: Inventory,
  pattern = 'all',
  extraVars: Record<string, unknown> = {},
  hostDefaults: Record<string, unknown> = {},
): Promise<NodeStatus[]> {
  const vars = (h: string) => withHostDefaults(hostDefaults, { ...hostVars(inv, h), ...extraVars });
  const hosts = selectHosts(inv, pattern);
  const known = new Set([...inv.hosts.keys()].map(slotName));
  const addresses = [...inv.hosts.keys()].map((h) => addressOf(h, vars(h)));
  const group = (key: string, name: string) =>
    new Set(
      inv.groups.has(String(extraVars[key] ?? name)) ? selectHosts(inv, String(extraVars[key] ?? name)) : [],
    );
  const [primaries, standbys] = [group('primary_group', 'primary'), group('standby_group', 'standby')];
  const roleOf = (h: string): NodeStatus['inventoryRole'] =>
    primaries.has(h) ? 'primary' : standbys.has(h) ? 'standby' : undefined;
  const conns = await createConnections(hosts.map((name) => ({ name, vars: vars(name) })));
  try {
    const nodes = await Promise.all(
      hosts.map(async (h) => ({
        ...(await nodeStatus(conns.get(h), h, vars(h), known)),
        inventoryRole: roleOf(h),
      })),
    );
    return withTopology(nodes, addresses);
  } finally {
    await conns.closeAll();
  }
}
