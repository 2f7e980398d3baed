import type { JSONSchemaType } from 'ajv';
import { InputError } from '../errors.js';
import { PG_FACTS, pgFacts } from '../facts/pg.js';
import { backupTarget, rewindTools, sqlProbe } from '../facts/probes.js';
import { parseTargetState } from '../pg/backup-target.js';
import { decideRejoin, primaryForRejoin, type RejoinMethod } from '../pg/rewind.js';
import { parseRewindTools, WAL_RECEIVER_SQL, walReceiverAt } from '../pg/rewind-cmd.js';
import { slotName } from '../pg/slots.js';
import { type PgTarget, parseRows, pgTarget } from '../pg/target.js';
import type { NodeState } from '../pg/topology.js';
import type { Secret } from '../secret.js';
import { defineTask, type PlanContext } from './define.js';
import { peerAddress, peerTarget } from './pg-peer.js';
import { readTopology } from './pg-topology.js';
import { pathActions, predictRejoin, slotActions, verifyPath } from './rejoin-actions.js';

/** Arguments of {@link rejoin}; their meaning is in the schema below (`run-playbook help rejoin`). */
export interface RejoinArgs {
  nodes?: string[];
  groups?: string[];
  user: string;
  password?: string | Secret;
  sourceUser?: string;
  sourcePassword?: string | Secret;
  sourcePassfile?: string;
  method?: RejoinMethod;
  copyMethod?: 'auto' | 'pg_basebackup' | 'lowlevel';
  slot?: boolean;
  restoreTargetWal?: boolean;
  dataDir?: string;
}

const secretSchema = (description: string) =>
  ({
    anyOf: [{ type: 'string' }, { type: 'object' }],
    description,
  }) as unknown as JSONSchemaType<RejoinArgs>['properties']['password'];
const optString = (description: string) =>
  ({ type: 'string', minLength: 1, nullable: true, description }) as const;

const schema: JSONSchemaType<RejoinArgs> = {
  type: 'object',
  properties: {
    nodes: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      nullable: true,
      description:
        'inventory hosts of the cluster; the current primary is found among them (never this host)',
    },
    groups: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      nullable: true,
      description: "inventory groups whose hosts are the cluster's nodes (with nodes, or instead of it)",
    },
    user: { type: 'string', minLength: 1, description: 'the replication role (slot, fresh copy)' },
    password: secretSchema("the replication role's password (secret, stdin only)"),
    sourceUser: optString(
      "pg_rewind's role on the primary: a superuser, or a role with pg_rewind's function grants and CHECKPOINT (pg_checkpoint on 15+) (default: pg_superuser)",
    ),
    sourcePassword: secretSchema("sourceUser's password (secret: a temporary 0600 passfile from stdin)"),
    sourcePassfile: optString(
      "a passfile on this host for sourceUser (default: the server user's ~/.pgpass)",
    ),
    method: {
      type: 'string',
      enum: ['auto', 'rewind', 'copy'],
      nullable: true,
      default: 'auto',
      description: 'auto: pg_rewind when it can work, else a fresh copy (old dir moved aside); rewind; copy',
    },
    copyMethod: {
      type: 'string',
      enum: ['auto', 'pg_basebackup', 'lowlevel'],
      nullable: true,
      default: 'auto',
      description:
        'how a fresh copy is made (auto: pg_basebackup when this host has one as new as the primary)',
    },
    slot: {
      type: 'boolean',
      nullable: true,
      default: true,
      description: "this host's physical slot on the primary, created (replication protocol) when missing",
    },
    restoreTargetWal: {
      type: 'boolean',
      nullable: true,
      default: false,
      description:
        "pg_rewind --restore-target-wal (13+): needs a working restore_command in this host's config",
    },
    dataDir: optString("the data dir (default: this host's pg_data_dir)"),
  },
  required: ['user'],
  additionalProperties: false,
};

/** This standby's walreceiver as `host:port`, '' when it does not stream. */
async function walReceiver(ctx: PlanContext, t: PgTarget): Promise<string> {
  const r = await ctx.facts.run(sqlProbe(t, WAL_RECEIVER_SQL), { user: t.osUser });
  return r.code === 0 ? walReceiverAt(parseRows(r.stdout)[0]) : '';
}

/** The cluster's nodes: the hosts named and those of the groups named. */
function clusterNodes(ctx: PlanContext, args: RejoinArgs): string[] {
  const all = (ctx.vars.groups ?? {}) as Record<string, string[] | undefined>;
  const fromGroups = (args.groups ?? []).flatMap((g) => {
    const hosts = all[g];
    if (!hosts) throw new InputError(`rejoin: no inventory group '${g}'`);
    return hosts;
  });
  const nodes = [...new Set([...(args.nodes ?? []), ...fromGroups])];
  if (nodes.length === 0) throw new InputError("rejoin: give the cluster's nodes (nodes or groups)");
  return nodes;
}

/** The inventory change to make when the inventory names another primary (printed, never written). */
function inventoryNote(ctx: PlanContext, p: NodeState): string | undefined {
  const named = ctx.vars.primary_host;
  if (typeof named !== 'string' || named === p.host) return undefined;
  return `${p.host} is the primary now (timeline ${p.timeline}): move ${p.host} to [primary] and ${ctx.host} to [standby] in the inventory`;
}

/**
 * An old primary (crashed, or running alone with writes the new primary never got) made ready to follow the
 * current primary, found from the servers: pg_rewind, or a fresh copy with the old dir moved aside. The standby
 * configuration, start and wait are the next tasks of playbooks/rejoin.yml.
 */
export const rejoin = defineTask<RejoinArgs>({
  name: 'rejoin',
  description:
    'make an old primary ready to follow the current primary (found from the servers): pg_rewind, or a fresh copy',
  schema,
  secretArgs: ['password', 'sourcePassword'],
  async plan(ctx, args) {
    const t = pgTarget(ctx.vars, args.dataDir ? { dataDir: args.dataDir } : {});
    const dataDir = t.dataDir;
    if (!dataDir) throw new InputError('rejoin: no data dir (set dataDir or pg_data_dir)');
    const others = clusterNodes(ctx, args).filter((n) => n !== ctx.host);
    const [nodes, own, probe, toolsOut] = await Promise.all([
      readTopology(ctx, [ctx.host, ...others]),
      pgFacts(ctx.facts, t),
      ctx.facts.read(backupTarget(t, dataDir), { user: t.osUser }),
      ctx.facts.read(rewindTools(t, dataDir), { user: t.osUser }),
    ]);
    const p = primaryForRejoin(ctx.host, nodes.slice(1));
    const state = parseTargetState(probe);
    const target = {
      host: ctx.host,
      dataDir,
      running: own.running,
      inRecovery: own.inRecovery,
      version: own.version,
      systemId: own.systemIdentifier,
      state,
      timeline: nodes[0]?.timeline ?? 0,
      upstream: own.running && own.inRecovery ? await walReceiver(ctx, t) : '',
    };
    const path = decideRejoin(target, p, parseRewindTools(toolsOut), {
      method: args.method ?? 'auto',
      primaryAt: `${peerAddress(ctx, p.host)}:${peerTarget(ctx, p.host).port}`,
    });
    const note = inventoryNote(ctx, p);
    ctx.progress(`rejoin: ${ctx.check ? '(prediction) ' : ''}path ${path.kind}: ${path.reason}`);
    if (note) ctx.progress(`rejoin: inventory: ${note}`);
    const actions = [
      ...(args.slot === false ? [] : await slotActions(ctx, args, t, p.host)),
      ...(await pathActions(ctx, args, t, dataDir, path, p, state.clientMajor)),
    ];
    const slot = args.slot === false ? undefined : slotName(ctx.host);
    const data = {
      primary: p.host,
      // for the next tasks: hostvar of a registered name cannot be checked before the run
      primaryAddress: peerAddress(ctx, p.host),
      primaryPort: peerTarget(ctx, p.host).port,
      primaryTimeline: p.timeline,
      path: path.kind,
      ...(slot ? { slot } : {}),
    };
    if (actions.length === 0) return { actions, reason: path.reason, data };
    const moved = path.kind !== 'standby';
    const predicts = ctx.check && moved ? await predictRejoin(ctx, path, p.host, t, dataDir) : undefined;
    return {
      actions,
      reason: path.reason,
      data,
      invalidates: [PG_FACTS],
      ...(predicts ? { predicts } : {}),
      ...(moved ? { verify: verifyPath(path, p, dataDir, t.osUser) } : {}),
    };
  },
});
