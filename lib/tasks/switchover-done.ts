import type { JSONSchemaType } from 'ajv';
import { ApplyError } from '../errors.js';
import { inventoryChange } from '../pg/switchover.js';
import { currentPrimary } from '../pg/topology.js';
import { defineTask } from './define.js';
import { readTopology } from './pg-topology.js';

/** Arguments of {@link switchoverDone}; their meaning is in the schema below. */
export interface SwitchoverDoneArgs {
  newPrimary: string;
  hosts: string[];
  primaryGroup?: string;
  standbyGroup?: string;
}

const schema: JSONSchemaType<SwitchoverDoneArgs> = {
  type: 'object',
  properties: {
    newPrimary: { type: 'string', minLength: 1, description: 'the host that must be the one primary now' },
    hosts: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      description: 'the other nodes of the cluster (the new primary is added)',
    },
    primaryGroup: {
      type: 'string',
      minLength: 1,
      nullable: true,
      default: 'primary',
      description: 'the inventory group of the primary',
    },
    standbyGroup: {
      type: 'string',
      minLength: 1,
      nullable: true,
      default: 'standby',
      description: 'the inventory group of the standbys',
    },
  },
  required: ['newPrimary', 'hosts'],
  additionalProperties: false,
};

/**
 * The end of a switchover (reads only): the new primary is the one server out of recovery, and the inventory
 * change to make, if any, is printed ("db2 is the primary now (timeline 2): move db2 to [primary] and db1 to
 * [standby]") — replication.yml refuses to run until the inventory says so.
 */
export const switchoverDone = defineTask<SwitchoverDoneArgs>({
  name: 'switchoverDone',
  description:
    'check that the new primary is the only one and print the inventory change to make (reads only)',
  schema,
  async plan(ctx, args) {
    const g = ctx.vars.groups as Record<string, string[]> | undefined;
    const groups = {
      primaryGroup: args.primaryGroup ?? 'primary',
      standbyGroup: args.standbyGroup ?? 'standby',
    };
    const inInventory = g?.[groups.primaryGroup]?.[0] ?? '';
    if (ctx.check) {
      const change = inventoryChange({ host: args.newPrimary, timeline: 0 }, inInventory, groups);
      if (change) ctx.progress(`(prediction) inventory: ${change.replace(' (timeline 0)', '')}`);
      return { actions: [], reason: `would check that ${args.newPrimary} is the only primary` };
    }
    const verdict = currentPrimary(
      await readTopology(ctx, [args.newPrimary, ...args.hosts.filter((h) => h !== args.newPrimary)]),
    );
    if (verdict.kind !== 'one' || verdict.primary.host !== args.newPrimary)
      throw new ApplyError(
        `${args.newPrimary} is not the one primary: ${verdict.kind === 'one' ? `${verdict.primary.host} is` : verdict.message}`,
      );
    const change = inventoryChange(verdict.primary, inInventory, groups);
    if (change) ctx.progress(`inventory: ${change}; then replication.yml runs again`);
    return {
      actions: [],
      reason: change ?? `${args.newPrimary} is the primary, as the inventory says`,
      data: { inventoryChange: change ?? null, timeline: verdict.primary.timeline },
    };
  },
});
