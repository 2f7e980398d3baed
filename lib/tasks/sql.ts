import type { JSONSchemaType } from 'ajv';
import { ApplyError, CommandError } from '../errors.js';
import { exec } from '../model/actions.js';
import { parseRows, pgTarget, psql } from '../pg/target.js';
import { Payload } from '../secret.js';
import { defineTask } from './define.js';

/** Arguments of {@link sql}. */
export interface SqlArgs {
  /** one or more statements; the rows of the last one are returned */
  query: string;
  /** default `postgres` */
  database?: string;
  /**
   * `true`: the query changes something; it runs only in a real run (a prediction in check mode) and is reported
   * `changed`. Otherwise the query is read-only: it runs while planning, also in check mode, and is `ok`.
   */
  changed?: boolean;
  /** the PostgreSQL role to connect as (default: `pg_superuser`) */
  user?: string;
}

const schema: JSONSchemaType<SqlArgs> = {
  type: 'object',
  properties: {
    query: { type: 'string', minLength: 1 },
    database: { type: 'string', minLength: 1, nullable: true },
    changed: { type: 'boolean', nullable: true },
    user: { type: 'string', minLength: 1, nullable: true },
  },
  required: ['query'],
  additionalProperties: false,
};

/** Rows as register: sees them: fields of psql's unaligned output, and how many there are. */
export function sqlData(stdout: string): { rows: string[][]; rowCount: number } {
  const rows = parseRows(stdout);
  return { rows, rowCount: rows.length };
}

/**
 * Runs SQL through psql on the host (as the server's OS user). A read-only query is a probe: its rows are in
 * `data.rows` / `data.rowCount` in check mode too. A query declared `changed: true` is an action.
 */
export const sql = defineTask<SqlArgs>({
  name: 'sql',
  description: 'run SQL with psql; rows for register, `changed` only when declared',
  schema,
  async plan(ctx, args) {
    const t = pgTarget(ctx.vars);
    const cmd = psql(t, { db: args.database, user: args.user });
    const stdin = new Payload([args.query.endsWith('\n') ? args.query : `${args.query}\n`]);
    if (args.changed === true) {
      const summary = `SQL on ${args.database ?? 'postgres'}`;
      return {
        actions: [
          exec({ summary, cmd, stdin, showStdin: true, user: t.osUser, prediction: 'would run the SQL' }),
        ],
        parseOutput: sqlData,
      };
    }
    const r = await ctx.facts.run(cmd, { user: t.osUser, stdin });
    if (r.code === 3) throw new ApplyError(`sql: ${r.stderr.trim()}`);
    if (r.code !== 0) throw new CommandError(ctx.host, 'psql', r.code, r.stderr);
    const data = sqlData(r.stdout);
    return { actions: [], data, reason: `${data.rowCount} row${data.rowCount === 1 ? '' : 's'}` };
  },
});
