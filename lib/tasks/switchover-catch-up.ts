import type { JSONSchemaType } from 'ajv';
import { ApplyError } from '../errors.js';
import { pgFacts } from '../facts/pg.js';
import { controlData, sqlProbe } from '../facts/probes.js';
import { type ControlData, lsnBytes, parseControlData } from '../pg/switchover.js';
import { parseRows, pgTarget } from '../pg/target.js';
import { defineTask, type PlanContext } from './define.js';
import { peerTarget } from './pg-peer.js';
import { pollDelayMs, progressEvery, sleep } from './poll.js';

/** Arguments of {@link switchoverCatchUp}; their meaning is in the schema below. */
export interface SwitchoverCatchUpArgs {
  from: string;
  timeout?: number;
}

const schema: JSONSchemaType<SwitchoverCatchUpArgs> = {
  type: 'object',
  properties: {
    from: {
      type: 'string',
      minLength: 1,
      description: 'the old primary (inventory name), shut down cleanly',
    },
    timeout: {
      type: 'number',
      exclusiveMinimum: 0,
      nullable: true,
      default: 60,
      description: 'seconds to wait until this standby has received and replayed its shutdown checkpoint',
    },
  },
  required: ['from'],
  additionalProperties: false,
};

const RECEIVED_SQL = `SELECT coalesce(pg_last_wal_receive_lsn()::text, ''), coalesce(pg_last_wal_replay_lsn()::text, '');\n`;

async function oldControl(ctx: PlanContext, from: string): Promise<ControlData> {
  const t = peerTarget(ctx, from);
  const f = from === ctx.host ? ctx.facts : ctx.factsOf(from);
  return parseControlData(await f.read(controlData(t, t.dataDir ?? ''), { user: t.osUser }));
}

/** Both the received and the replayed LSN are past the checkpoint record's start (they point after its end). */
function past(ckpt: bigint, row: string[] | undefined): boolean {
  const [recv = '', replay = ''] = row ?? [];
  const r = lsnBytes(recv);
  const p = lsnBytes(replay);
  return r !== undefined && p !== undefined && r > ckpt && p > ckpt;
}

/**
 * Waits until this standby has received and replayed the old primary's shutdown checkpoint (pg_controldata's
 * "Latest checkpoint location" against pg_last_wal_receive_lsn/replay_lsn): promoting before that would fork a
 * timeline the old primary cannot follow without a rewind. Refuses an old primary that was not shut down cleanly.
 */
export const switchoverCatchUp = defineTask<SwitchoverCatchUpArgs>({
  name: 'switchoverCatchUp',
  description: "wait until this standby has the old primary's shutdown checkpoint (before promoting it)",
  schema,
  async plan(ctx, args) {
    const what = `${ctx.host} has received and replayed ${args.from}'s shutdown checkpoint`;
    if (ctx.check) {
      ctx.progress(`(prediction) would wait until ${what} (pg_controldata of ${args.from} against its LSNs)`);
      return { actions: [], reason: `would wait until ${what}` };
    }
    const t = pgTarget(ctx.vars);
    const f = await pgFacts(ctx.facts, t);
    if (f.running && !f.inRecovery) return { actions: [], reason: `${ctx.host} is a primary already` };
    const c = await oldControl(ctx, args.from);
    if (c.state !== 'shut down')
      throw new ApplyError(
        `${args.from} is not shut down cleanly (pg_controldata: "${c.state}"): ${ctx.host} is not promoted; start ${args.from} again or, if it crashed, fail over and rejoin it (playbooks/rejoin.yml)`,
      );
    const ckpt = lsnBytes(c.checkpoint);
    if (ckpt === undefined)
      throw new ApplyError(`${args.from}: unreadable checkpoint location '${c.checkpoint}'`);
    const deadline = Date.now() + (args.timeout ?? 60) * 1000;
    const read = async () =>
      parseRows(await ctx.facts.read(sqlProbe(t, RECEIVED_SQL), { user: t.osUser }))[0];
    let row = await read();
    const say = progressEvery(ctx.progress);
    for (let attempt = 0; !past(ckpt, row) && Date.now() < deadline; attempt++) {
      say(
        `waiting until ${what} (${c.checkpoint}); received ${row?.[0] || '-'}, replayed ${row?.[1] || '-'}`,
      );
      await sleep(pollDelayMs(attempt));
      row = await read();
    }
    if (!past(ckpt, row))
      throw new ApplyError(
        `timed out after ${args.timeout ?? 60}s: ${ctx.host} received ${row?.[0] || 'nothing'}, replayed ${row?.[1] || 'nothing'}, not past ${args.from}'s shutdown checkpoint ${c.checkpoint}; ${ctx.host} is not promoted. Start ${args.from} again to keep it the primary`,
      );
    ctx.progress(`${what} at ${c.checkpoint} (received ${row?.[0]}, replayed ${row?.[1]})`);
    return {
      actions: [],
      reason: `${what} at ${c.checkpoint} (received ${row?.[0]}, replayed ${row?.[1]})`,
      data: { checkpoint: c.checkpoint, received: row?.[0], replayed: row?.[1] },
    };
  },
});
