import type { JSONSchemaType } from 'ajv';
import { ApplyError, CommandError } from '../errors.js';
import { pgFacts } from '../facts/pg.js';
import { sqlProbe } from '../facts/probes.js';
import { exec } from '../model/actions.js';
import { createSlotSql, dropSlotSql, parseSlots, planSlots, slotName, slotsSql } from '../pg/slots.js';
import { pgTarget, psql } from '../pg/target.js';
import { Payload } from '../secret.js';
import { defineTask } from './define.js';

/** Arguments of {@link replicationSlots}. */
export interface ReplicationSlotsArgs {
  /** the standbys' inventory names; each gets the physical slot named from its host (see slotName) */
  standbys: string[];
  /** drop physical slots no listed standby uses (only inactive ones); default false: they are only reported */
  dropUnlisted?: boolean;
}

const schema: JSONSchemaType<ReplicationSlotsArgs> = {
  type: 'object',
  properties: {
    standbys: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      description: "the standbys' inventory names; each gets the physical slot named from its host",
    },
    dropUnlisted: {
      type: 'boolean',
      nullable: true,
      default: false,
      description: 'drop inactive physical slots that no listed standby uses (else they are only reported)',
    },
  },
  required: ['standbys'],
  additionalProperties: false,
};

/**
 * One physical replication slot per standby on the primary, created when missing (reserving WAL at once, so the
 * copy that follows keeps its WAL); slots that no standby of the inventory uses are reported with what they hold
 * back, and dropped only with `dropUnlisted`.
 */
export const replicationSlots = defineTask<ReplicationSlotsArgs>({
  name: 'replicationSlots',
  description:
    'one physical replication slot per standby on the primary; unlisted slots reported, dropped on request',
  schema,
  async plan(ctx, args) {
    const t = pgTarget(ctx.vars);
    const f = await pgFacts(ctx.facts, t);
    if (!f.running)
      throw new ApplyError(
        `replicationSlots needs a running primary: ${f.downReason ?? 'it does not answer'}`,
      );
    if (f.inRecovery)
      throw new ApplyError('replicationSlots: the server is a standby; slots are made on the primary');
    const cmd = psql(t);
    const r = await ctx.facts.run(sqlProbe(t, `${slotsSql};\n`), { user: t.osUser });
    if (r.code !== 0) throw new CommandError(ctx.host, 'read replication slots', r.code, r.stderr);
    const found = parseSlots(r.stdout);
    const plan = planSlots(args.standbys.map(slotName), found, !!args.dropUnlisted);
    for (const o of plan.orphans)
      ctx.progress(
        `slot ${o.name} is used by no standby of the inventory (${o.active ? 'active' : 'inactive'}${o.retainedBytes ? `, holds ${o.retainedBytes} bytes of WAL` : ''}); drop it with dropUnlisted (pg_drop_unlisted_slots: true)`,
      );
    const sql = (s: string, summary: string) =>
      exec({ summary, cmd, stdin: new Payload([`${s}\n`]), showStdin: true, user: t.osUser });
    const actions = [
      ...plan.create.map((n) => sql(createSlotSql(n), `create physical replication slot ${n}`)),
      ...plan.drop.map((n) => sql(dropSlotSql(n), `drop replication slot ${n} (no standby uses it)`)),
    ];
    const data = { slots: found, orphans: plan.orphans.map((o) => o.name) };
    if (actions.length === 0)
      return { actions, data, reason: `slots ${args.standbys.map(slotName).join(', ') || '(none)'} exist` };
    return { actions, data };
  },
});
