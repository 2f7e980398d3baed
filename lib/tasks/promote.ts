import type { JSONSchemaType } from 'ajv';
import { ApplyError, InputError } from '../errors.js';
import { PG_FACTS, type PgFacts, pgFacts, pgFactsKey } from '../facts/pg.js';
import { type Exec, exec } from '../model/actions.js';
import { sh } from '../model/command.js';
import { binDirScript, type PgTarget, pgTarget, psql } from '../pg/target.js';
import { Payload } from '../secret.js';
import { defineTask } from './define.js';

/** Arguments of {@link promote}; their meaning is in the schema below (`run-playbook help promote`). */
export interface PromoteArgs {
  dataDir?: string;
  wait?: boolean;
  timeout?: number;
}

const schema: JSONSchemaType<PromoteArgs> = {
  type: 'object',
  properties: {
    dataDir: {
      type: 'string',
      minLength: 1,
      nullable: true,
      description: "the standby's data dir (default: this host's pg_data_dir)",
    },
    wait: {
      type: 'boolean',
      nullable: true,
      default: true,
      description: 'wait until the promotion is done',
    },
    timeout: { type: 'integer', minimum: 1, nullable: true, default: 60, description: 'seconds to wait' },
  },
  required: [],
  additionalProperties: false,
};

/**
 * The promotion for a major version: `pg_promote(wait, timeout)` from 12 on (SQL, no file system access
 * needed); `pg_ctl promote` on 10 and 11, which have no pg_promote().
 */
export function promoteAction(
  t: PgTarget,
  version: number,
  dataDir: string,
  wait: boolean,
  timeout: number,
): Exec {
  const prediction = 'the standby leaves recovery and starts a new timeline; it accepts writes afterwards';
  if (version >= 12) {
    // pg_promote returns false when it did not finish within the timeout: make that an error
    const sql = `select pg_promote(${wait}, ${timeout});\n`;
    return exec({
      summary: `pg_promote(${wait}, ${timeout})`,
      cmd: sh`r=$(${psql(t)}) || exit $?; [ "$r" = t ] || { echo "pg_promote returned '$r': not promoted within ${timeout}s" >&2; exit 1; }`,
      stdin: new Payload([sql]),
      showStdin: true,
      user: t.osUser,
      prediction,
      timeoutSec: timeout + 30,
    });
  }
  const w = wait ? sh`-w -t ${timeout}` : sh`-W`;
  return exec({
    summary: `pg_ctl promote (${dataDir})`,
    cmd: sh`${binDirScript(t)}; "$B/pg_ctl" -D ${dataDir} ${w} promote`,
    user: t.osUser,
    prediction,
    timeoutSec: timeout + 30,
  });
}

/** Why nothing can be promoted here: no cluster in the data dir, or a cluster with no server answering. */
function downMessage(dataDir: string | undefined, pg: PgFacts): string {
  const where = dataDir || '(no data dir)';
  if (pg.version === 0) return `promote: no server answers in ${where}: no cluster there (no PG_VERSION)`;
  const what = pg.inRecovery ? 'a standby' : 'a cluster';
  return `promote: no server answers in ${where}: ${what} that is not running (${pg.downReason || 'stopped'}); start it first`;
}

/**
 * A standby promoted to a primary; `ok` only when a running server says it is not in recovery. A failover
 * with no database behind it is a failure, in check mode too.
 */
export const promote = defineTask<PromoteArgs>({
  name: 'promote',
  description:
    'a standby promoted to primary (pg_promote() on 12+, pg_ctl promote before); ok on a running primary',
  schema,
  async plan(ctx, args) {
    const t = pgTarget(ctx.vars, args.dataDir ? { dataDir: args.dataDir } : {});
    const pg = await pgFacts(ctx.facts, t);
    if (!pg.running) throw new ApplyError(downMessage(pg.dataDir || t.dataDir, pg));
    if (!pg.inRecovery)
      return { actions: [], reason: 'not a standby: the server answers and is not in recovery' };
    const dataDir = pg.dataDir || t.dataDir;
    if (!dataDir) throw new InputError('promote: no data dir (give dataDir or set pg_data_dir)');
    const wait = args.wait ?? true;
    return {
      actions: [promoteAction(t, pg.version, dataDir, wait, args.timeout ?? 60)],
      invalidates: [PG_FACTS],
      // check mode: later tasks (slots on the new primary) plan against a server out of recovery
      ...(ctx.check ? { predicts: { facts: { [pgFactsKey(t)]: { ...pg, inRecovery: false } } } } : {}),
      reason: 'in recovery',
      // a promotion counts only when a server answers afterwards (and, when waited for, out of recovery)
      verify: async (c) => {
        const after = await pgFacts(c.facts, t);
        if (!after.running || (wait && after.inRecovery))
          throw new ApplyError(
            `promote: the server is ${after.running ? 'still in recovery' : `not answering (${after.downReason ?? 'stopped'})`} after promotion`,
          );
        return { inRecovery: after.inRecovery };
      },
    };
  },
});
