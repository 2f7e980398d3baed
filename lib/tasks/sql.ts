import type { JSONSchemaType } from 'ajv';
import { ApplyError, CommandError } from '../errors.js';
import { exec } from '../model/actions.js';
import { parseRows, pgTarget, psql } from '../pg/target.js';
import { Payload } from '../secret.js';
import { defineTask } from './define.js';

/** Arguments of {@link sql}; their meaning is in the schema below (`run-playbook help sql`). */
export interface SqlArgs {
  query: string;
  database?: string;
  changed?: boolean;
  user?: string;
}

const schema: JSONSchemaType<SqlArgs> = {
  type: 'object',
  properties: {
    query: {
      type: 'string',
      minLength: 1,
      description: 'one or more statements; the rows of the last one are returned (data.rows, data.rowCount)',
    },
    database: {
      type: 'string',
      minLength: 1,
      nullable: true,
      default: 'postgres',
      description: 'the database to connect to',
    },
    changed: {
      type: 'boolean',
      nullable: true,
      default: false,
      description:
        'true: the query changes something; it runs only in a real run and is reported changed. ' +
        'false: a read-only query, run while planning (in check mode too), reported ok',
    },
    user: {
      type: 'string',
      minLength: 1,
      nullable: true,
      description: 'the PostgreSQL role to connect as (default: pg_superuser)',
    },
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
