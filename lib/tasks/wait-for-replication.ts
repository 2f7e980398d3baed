import type { JSONSchemaType } from 'ajv';
import { ApplyError } from '../errors.js';
import { sh } from '../model/command.js';
import { type ReplicationState, readReplication, receiverSql, replicationSql } from '../pg/replication.js';
import { binDirScript, type PgTarget, pgTarget, psql } from '../pg/target.js';
import { defineTask, type PlanContext } from './define.js';
import { peerTarget } from './pg-peer.js';

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
    ctx.factsOf(primary).run(psql(pt), { user: pt.osUser, stdin: replicationSql(app) }),
    ctx.facts.run(psql(t), { user: t.osUser, stdin: receiverSql }),
  ]);
  return readReplication(p, s);
}

/** The last lines of the standby's server log: the file pg_ctl -l writes, else pg_current_logfile(). */
async function logTail(ctx: PlanContext, t: PgTarget): Promise<string> {
  const current = `"$B/psql" -X -A -t -h "$h" -p "$p" -U "$u" -d postgres -c 'SELECT pg_current_logfile()' 2>/dev/null`;
  const cmd = sh`${binDirScript(t)}; f=${t.logFile ?? ''}; d=${t.dataDir ?? ''}; h=${t.socketDir}; p=${t.port}; u=${t.superuser}
if [ -z "$f" ] || [ ! -r "$f" ]; then c=$(${{ sh: current }}); [ -n "$c" ] && f="$d/$c"; case "$c" in /*) f="$c";; esac; fi
if [ -n "$f" ] && [ -r "$f" ]; then echo "== $f"; tail -n 20 "$f"; else echo "(no server log found)"; fi`;
  const r = await ctx.facts.run(cmd, { user: t.osUser });
  return r.stdout.trim();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
    let said = '';
    let saidAt = 0;
    while (!last.streaming && Date.now() < deadline) {
      // say what we wait for when it changes, and every 5 s while it does not
      if (last.summary !== said || Date.now() - saidAt >= 5000) {
        ctx.progress(`waiting for ${what}: ${last.summary}`);
        said = last.summary;
        saidAt = Date.now();
      }
      await sleep(500);
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
