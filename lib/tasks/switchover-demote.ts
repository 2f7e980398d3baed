import type { JSONSchemaType } from 'ajv';
import { ApplyError } from '../errors.js';
import { PG_FACTS, type PgFacts, pgFacts, pgFactsKey } from '../facts/pg.js';
import { controlData, sqlProbe } from '../facts/probes.js';
import { writeFile } from '../model/actions.js';
import { usesRecoveryConf } from '../pg/standby-conf.js';
import { canFollow, historyFile, parseControlData, parseHistory } from '../pg/switchover.js';
import { type PgTarget, parseRows, pgTarget } from '../pg/target.js';
import { defineTask, type Plan, type PlanContext } from './define.js';
import { peerTarget } from './pg-peer.js';

/** Arguments of {@link switchoverDemote}; their meaning is in the schema below. */
export interface SwitchoverDemoteArgs {
  newPrimary: string;
}

const schema: JSONSchemaType<SwitchoverDemoteArgs> = {
  type: 'object',
  properties: {
    newPrimary: { type: 'string', minLength: 1, description: 'the promoted host (inventory name) to follow' },
  },
  required: ['newPrimary'],
  additionalProperties: false,
};

/** The new primary: out of recovery, its system identifier and the timeline it writes WAL on. */
const NEW_PRIMARY_SQL = `SELECT pg_is_in_recovery(), (SELECT system_identifier FROM pg_control_system()), CASE WHEN pg_is_in_recovery() THEN 0 ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END;\n`;

/** The file that makes a stopped data dir start as a standby: standby.signal (12+) or recovery.conf (≤ 11). */
function marker(t: PgTarget, dataDir: string, version: number) {
  return usesRecoveryConf(version)
    ? writeFile({
        path: `${dataDir}/recovery.conf`,
        before: null,
        // the standby task writes the whole file next; this line alone already makes it a standby
        after: "standby_mode = 'on'\n",
        mode: '0600',
        user: t.osUser,
      })
    : writeFile({ path: `${dataDir}/standby.signal`, before: null, after: '', mode: '0600', user: t.osUser });
}

const rejoin = (host: string, why: string) =>
  new ApplyError(
    `${host} cannot follow the new primary as it is: ${why}; nothing written. Rejoin it with playbooks/rejoin.yml (pg_rewind or a new copy)`,
  );

/** Reads the new primary and its timeline history; checks that this data dir's last WAL lies on it. */
async function verifyFollow(ctx: PlanContext, t: PgTarget, dataDir: string, own: PgFacts, to: string) {
  const old = parseControlData(await ctx.facts.read(controlData(t, dataDir), { user: t.osUser }));
  const nt = peerTarget(ctx, to);
  const nf = ctx.factsOf(to);
  const r = await nf.run(sqlProbe(nt, NEW_PRIMARY_SQL), { user: nt.osUser });
  const [rec, sysid, tli = '0'] = parseRows(r.stdout)[0] ?? [];
  if (r.code !== 0 || rec !== 'f')
    throw new ApplyError(
      `${to} is not a running primary (${r.code !== 0 ? r.stderr.trim() : 'in recovery'}): ${ctx.host} is left stopped; promote ${to} first`,
    );
  if (sysid !== own.systemIdentifier)
    throw rejoin(ctx.host, `${to} runs another cluster (system ${sysid}, this one ${own.systemIdentifier})`);
  const timeline = Number(tli);
  const hist = await nf.file(`${nt.dataDir ?? ''}/pg_wal/${historyFile(timeline)}`, { user: nt.osUser });
  const v = canFollow(old, timeline, parseHistory(hist.content ?? ''));
  if (!v.ok) throw rejoin(ctx.host, v.reason);
  return v.reason;
}

/**
 * The old primary of a switchover, shut down cleanly, marked to start as a standby (standby.signal, or
 * recovery.conf before 12) once it is verified that it needs no rewind: it was shut down cleanly and its
 * shutdown checkpoint lies on the new primary's timeline history. A running primary is never touched; a node
 * that diverged is refused, pointing at rejoin.yml. The standby task writes its connection next.
 */
export const switchoverDemote = defineTask<SwitchoverDemoteArgs>({
  name: 'switchoverDemote',
  description:
    'the cleanly shut down old primary marked as a standby once verified that it needs no rewind (else refused)',
  schema,
  async plan(ctx, args): Promise<Plan> {
    const t = pgTarget(ctx.vars);
    const dataDir = t.dataDir ?? '';
    const f = await pgFacts(ctx.facts, t);
    if (f.inRecovery)
      return {
        actions: [],
        reason: `${ctx.host} is a standby already (${f.running ? 'running' : 'stopped'})`,
      };
    if (f.running) {
      if (!ctx.check)
        throw new ApplyError(
          `${ctx.host} still runs as a primary: it is not made a standby (stop it first: the switchover shuts it down cleanly); nothing written`,
        );
      ctx.progress(
        `(prediction) once ${ctx.host} is shut down and ${args.newPrimary} promoted: checked that its shutdown checkpoint is on ${args.newPrimary}'s timeline (no rewind), then marked as a standby`,
      );
      const predicted: PgFacts = { ...f, running: false, inRecovery: true };
      return {
        actions: [marker(t, dataDir, f.version)],
        predicts: { facts: { [pgFactsKey(t)]: predicted } },
        reason: 'marked as a standby after the switchover (prediction)',
      };
    }
    const why = await verifyFollow(ctx, t, dataDir, f, args.newPrimary);
    ctx.progress(`${ctx.host} follows ${args.newPrimary}: ${why}`);
    return {
      actions: [marker(t, dataDir, f.version)],
      invalidates: [PG_FACTS],
      reason: why,
      data: { followed: why },
    };
  },
});
