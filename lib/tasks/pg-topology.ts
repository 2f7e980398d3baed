import { sqlProbe } from '../facts/probes.js';
import { downNode, type NodeState, nodeStateSql, parseNodeState } from '../pg/topology.js';
import type { PlanContext } from './define.js';
import { peerTarget } from './pg-peer.js';

/**
 * Reads every named host's server state (lib/pg/topology.ts) from a task, read-only and in parallel: a host whose
 * server does not answer (or that is unreachable) is a `down` node, not an error; the caller decides.
 */
export function readTopology(ctx: PlanContext, hosts: readonly string[]): Promise<NodeState[]> {
  return Promise.all(
    hosts.map(async (host) => {
      const t = peerTarget(ctx, host);
      const f = host === ctx.host ? ctx.facts : ctx.factsOf(host);
      try {
        const r = await f.run(sqlProbe(t, nodeStateSql), { user: t.osUser });
        if (r.code !== 0) return downNode(host, r.stderr.trim().split('\n').pop() || `psql exit ${r.code}`);
        return parseNodeState(host, r.stdout);
      } catch (e) {
        return downNode(host, e instanceof Error ? e.message : String(e));
      }
    }),
  );
}
