import type { JSONSchemaType } from 'ajv';
import { ApplyError, InputError } from '../errors.js';
import { sqlProbe } from '../facts/probes.js';
import { slotName } from '../pg/slots.js';
import {
  type ArchiveState,
  type Gate,
  switchoverGates as gatesOf,
  inventoryChange,
  type ReplicationRow,
} from '../pg/switchover.js';
import { parseRows, sqlLiteral } from '../pg/target.js';
import { currentPrimary } from '../pg/topology.js';
import { defineTask, type PlanContext } from './define.js';
import { peerTarget } from './pg-peer.js';
import { readTopology } from './pg-topology.js';

/** Arguments of {@link switchoverGates}; their meaning is in the schema below. */
export interface SwitchoverGatesArgs {
  newPrimary: string;
  hosts?: string[];
  maxLagBytes?: number;
  maxArchiveReady?: number;
  slots?: boolean;
  primaryGroup?: string;
  standbyGroup?: string;
}

const schema: JSONSchemaType<SwitchoverGatesArgs> = {
  type: 'object',
  properties: {
    newPrimary: { type: 'string', minLength: 1, description: 'the inventory host to make the primary' },
    hosts: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      minItems: 1,
      nullable: true,
      description:
        'every node of the cluster (default: the hosts of the primary and standby groups, whatever --limit says)',
    },
    maxLagBytes: {
      type: 'integer',
      minimum: 0,
      nullable: true,
      default: 16777216,
      description: "the most replay lag (bytes behind the primary's current WAL) the candidate may have",
    },
    maxArchiveReady: {
      type: 'integer',
      minimum: 0,
      nullable: true,
      default: 0,
      description: 'the most WAL files that may wait to be archived (archive_status/*.ready) on the primary',
    },
    slots: {
      type: 'boolean',
      nullable: true,
      default: true,
      description: 'each standby streams through its physical slot (named from its host) on the new primary',
    },
    primaryGroup: {
      type: 'string',
      minLength: 1,
      nullable: true,
      default: 'primary',
      description: 'the inventory group of the primary (for the inventory change printed afterwards)',
    },
    standbyGroup: {
      type: 'string',
      minLength: 1,
      nullable: true,
      default: 'standby',
      description: 'the inventory group of the standbys',
    },
  },
  required: ['newPrimary'],
  additionalProperties: false,
};

/** The candidate's row in the primary's pg_stat_replication, and the primary's archiver, in one read-only query. */
const primarySql = (
  app: string,
) => `SELECT 'rep', state, coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint::text, '') FROM pg_stat_replication WHERE application_name = ${sqlLiteral(app)};
SELECT 'arch', current_setting('archive_mode'), (SELECT count(*) FROM pg_ls_dir('pg_wal/archive_status') f WHERE f LIKE '%.ready'), coalesce(last_failed_wal, ''), CASE WHEN last_failed_time IS NOT NULL AND (last_archived_time IS NULL OR last_failed_time > last_archived_time) THEN 't' ELSE 'f' END FROM pg_stat_archiver;
`;

interface PrimaryRead {
  candidate?: ReplicationRow;
  archive?: ArchiveState;
}

async function readPrimary(ctx: PlanContext, primary: string, app: string): Promise<PrimaryRead> {
  const t = peerTarget(ctx, primary);
  const f = primary === ctx.host ? ctx.facts : ctx.factsOf(primary);
  const rows = parseRows(await f.read(sqlProbe(t, primarySql(app)), { user: t.osUser }));
  const out: PrimaryRead = {};
  for (const r of rows) {
    if (r[0] === 'rep' && !out.candidate) {
      out.candidate = { state: r[1] ?? '' };
      if (r[2]) out.candidate.lagBytes = Number(r[2]);
    }
    if (r[0] === 'arch')
      out.archive = {
        mode: r[1] ?? '',
        ready: Number(r[2]),
        lastFailedWal: r[3] ?? '',
        failing: r[4] === 't',
      };
  }
  return out;
}

/** Everything the gates read, once per run (every host's task shares it). */
function readAll(ctx: PlanContext, args: SwitchoverGatesArgs & { hosts: string[] }) {
  const first = args.hosts[0] as string;
  const f = first === ctx.host ? ctx.facts : ctx.factsOf(first);
  return f.memo(`switchover:gates:${args.newPrimary}`, async () => {
    const nodes = await readTopology(ctx, args.hosts);
    const verdict = currentPrimary(nodes);
    if (verdict.kind !== 'one') return { nodes, verdict, read: {} as PrimaryRead };
    const read = await readPrimary(ctx, verdict.primary.host, args.newPrimary);
    return { nodes, verdict, read };
  });
}

const say = (g: Gate) => `gate ${g.ok ? 'ok' : 'FAILED'}: ${g.host}: ${g.what}`;

/**
 * The gates of a planned switchover, read from the servers before any change (the current primary is the one
 * out of recovery, not the inventory's): every node answers and is a copy of one cluster, the candidate streams
 * with a replay lag under the bound, the primary's archive has no backlog. Fails naming each host and what to
 * do; registers who the primary is, whether a switch is needed, and the followers with their slots.
 */
export const switchoverGates = defineTask<SwitchoverGatesArgs>({
  name: 'switchoverGates',
  description: 'the gates of a switchover, read from the servers before any change (writes nothing)',
  schema,
  async plan(ctx, given) {
    const args = { ...given, hosts: given.hosts ?? clusterHosts(ctx, given) };
    if (!args.hosts.includes(args.newPrimary))
      throw new InputError(
        `switchover: new_primary '${args.newPrimary}' is not one of the cluster's hosts (${args.hosts.join(', ')})`,
      );
    const { nodes, verdict, read } = await readAll(ctx, args);
    if (verdict.kind !== 'one') throw new ApplyError(`switchover: nothing was changed: ${verdict.message}`);
    const primary = verdict.primary;
    const gates = gatesOf({
      nodes,
      primary,
      newPrimary: args.newPrimary,
      ...read,
      maxLagBytes: args.maxLagBytes ?? 16777216,
      maxArchiveReady: args.maxArchiveReady ?? 0,
    });
    const mine = gates.filter((g) => g.host === ctx.host);
    for (const g of mine) ctx.progress(say(g));
    const failed = gates.filter((g) => !g.ok);
    if (failed.length > 0)
      throw new ApplyError(
        `switchover gates failed, nothing was changed:\n${failed.map((g) => `  ${g.host}: ${g.what}`).join('\n')}`,
      );
    const isSwitch = primary.host !== args.newPrimary;
    const followers = args.hosts.filter((h) => h !== args.newPrimary);
    const data = {
      primary: primary.host,
      oldPrimary: primary.host,
      newPrimary: args.newPrimary,
      switch: isSwitch,
      followers,
      slots: args.slots ?? true,
      slot: (args.slots ?? true) && ctx.host !== args.newPrimary ? slotName(ctx.host) : null,
      // the slots a node of this cluster may hold for its peers (only [a-z0-9_]: safe in an SQL list)
      clusterSlots: args.hosts.map(slotName),
      version: primary.version,
      gates: mine,
    };
    const steps = isSwitch
      ? `would switch ${primary.host} → ${args.newPrimary}: fast shutdown of ${primary.host}, ${args.newPrimary} receives its shutdown checkpoint, promote, ${followers.join(', ')} follow`
      : `${args.newPrimary} is the primary already`;
    const change = inventoryChange(primary, primaryOf(ctx, args), groups(args));
    return {
      actions: [],
      reason: `${gates.length} gate(s) passed; ${steps}${change ? `; ${change}` : ''}`,
      data,
    };
  },
});

/** The hosts of the primary and standby groups, in that order. */
function clusterHosts(ctx: PlanContext, args: SwitchoverGatesArgs): string[] {
  const g = ctx.vars.groups as Record<string, string[]> | undefined;
  const all = [
    ...(g?.[args.primaryGroup ?? 'primary'] ?? []),
    ...(g?.[args.standbyGroup ?? 'standby'] ?? []),
  ];
  return [...new Set(all)];
}

/** The inventory's primary: the first host of the primary group. */
function primaryOf(ctx: PlanContext, args: SwitchoverGatesArgs): string {
  const g = ctx.vars.groups as Record<string, string[]> | undefined;
  return g?.[args.primaryGroup ?? 'primary']?.[0] ?? '';
}

const groups = (args: SwitchoverGatesArgs) => ({
  primaryGroup: args.primaryGroup ?? 'primary',
  standbyGroup: args.standbyGroup ?? 'standby',
});
