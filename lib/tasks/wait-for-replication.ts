import type { JSONSchemaType } from 'ajv';
import { ApplyError } from '../errors.js';
import { serverLogTail, sqlProbe } from '../facts/probes.js';
import { type ReplicationState, readReplication, receiverSql, replicationSql } from '../pg/replication.js';
import { type PgTarget, pgTarget } from '../pg/target.js';
import { defineTask, type PlanContext } from './define.js';
import { peerTarget } from './pg-peer.js';
import { pollDelayMs, progressEvery, sleep } from './poll.js';

/** Arguments of {@link waitForReplication}; their meaning is in the schema below (`run-playbook help waitForReplication`). */
export interface WaitForReplicationArgs {
  primary: string;
  standby?: string;
  applicationName?: string;
  timeout?: number;
}

const schema: JSONSchemaType<WaitForReplicationArgs> = {
  type: 'object',
  properties: {
    primary: { type: 'string', minLength: 1, description: "the primary's inventory host name" },
    standby: {
      type: 'string',
      minLength: 1,
      nullable: true,
      description: "the standby's inventory name, the default application_name (default: this host)",
    },
    applicationName: {
      type: 'string',
      minLength: 1,
      nullable: true,
      description: 'the application_name the primary sees in pg_stat_replication (default: standby)',
    },
    timeout: {
      type: 'number',
      exclusiveMinimum: 0,
      nullable: true,
      default: 60,
      description: 'seconds to wait before failing with the standby server log',
    },
  },
  required: ['primary'],
  additionalProperties: false,
};

async function probe(
  ctx: PlanContext,
  primary: string,
  pt: PgTarget,
  t: PgTarget,
  app: string,
): Promise<ReplicationState> {
  const [p, s] = await Promise.all([
    ctx.factsOf(primary).run(sqlProbe(pt, replicationSql(app)), { user: pt.osUser }),
    ctx.facts.run(sqlProbe(t, receiverSql), { user: t.osUser }),
  ]);
  return readReplication(p, s);
}

/** The last lines of the standby's server log: the file pg_ctl -l writes, else pg_current_logfile(). */
async function logTail(ctx: PlanContext, t: PgTarget): Promise<string> {
  const r = await ctx.facts.run(serverLogTail(t), { user: t.osUser });
  return r.stdout.trim();
}

/** Waits until the standby streams from the primary (both sides agree); reports the lag; fails with the log. */
export const waitForReplication = defineTask<WaitForReplicationArgs>({
  name: 'waitForReplication',
  description:
    'wait until the standby streams from the primary; report the lag; on timeout show the server log',
  schema,
  async plan(ctx, args) {
    const app = args.applicationName ?? args.standby ?? ctx.host;
    const what = `${app} to stream from ${args.primary}`;
    if (ctx.check) return { actions: [], reason: `would wait for ${what}` };
    const pt = peerTarget(ctx, args.primary);
    const t = pgTarget(ctx.vars);
    const deadline = Date.now() + (args.timeout ?? 60) * 1000;
    let last: ReplicationState = await probe(ctx, args.primary, pt, t, app);
    const say = progressEvery(ctx.progress);
    for (let attempt = 0; !last.streaming && Date.now() < deadline; attempt++) {
      say(`waiting for ${what}: ${last.summary}`);
      await sleep(pollDelayMs(attempt));
      last = await probe(ctx, args.primary, pt, t, app);
    }
    if (!last.streaming) {
      const log = await logTail(ctx, t);
      throw new ApplyError(
        `timed out after ${args.timeout ?? 60}s waiting for ${what}: ${last.summary}\n${log}`,
      );
    }
    return { actions: [], reason: `${app} streams from ${args.primary} (${last.summary})`, data: last.data };
  },
});
