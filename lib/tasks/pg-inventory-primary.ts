import { ApplyError } from '../errors.js';
import { inventoryChange } from '../pg/switchover.js';
import { currentPrimary } from '../pg/topology.js';
import type { PlanContext } from './define.js';
import { readTopology } from './pg-topology.js';

/** The inventory's groups, as the roles name them (primary_group / standby_group). */
function groupNames(ctx: PlanContext) {
  const v = ctx.vars;
  return {
    primaryGroup: typeof v.primary_group === 'string' ? v.primary_group : 'primary',
    standbyGroup: typeof v.standby_group === 'string' ? v.standby_group : 'standby',
  };
}

/**
 * The inventory is the truth, but it never fights the servers: when the running primary (the one out of recovery,
 * read from every node) is not the inventory's, or there are two, this stops before any write with the exact
 * inventory change to make. Read once per run; a cluster with no primary running is left to the other checks.
 */
export async function checkInventoryPrimary(
  ctx: PlanContext,
  primary: string,
  standbys: readonly string[],
): Promise<void> {
  const f = primary === ctx.host ? ctx.facts : ctx.factsOf(primary);
  const verdict = await f.memo(`inventory-primary:${primary}`, async () =>
    currentPrimary(await readTopology(ctx, [primary, ...standbys.filter((h) => h !== primary)])),
  );
  if (verdict.kind === 'split') throw new ApplyError(`preflight: nothing was changed: ${verdict.message}`);
  if (verdict.kind !== 'one') return;
  const change = inventoryChange(verdict.primary, primary, groupNames(ctx));
  if (change)
    throw new ApplyError(
      `preflight: nothing was changed: ${change} in the inventory, then run again (the servers, not the inventory, say who the primary is)`,
    );
}
