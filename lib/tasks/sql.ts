import type { JSONSchemaType } from 'ajv';
import { ApplyError, CommandError } from '../errors.js';
import { sqlProbe } from '../facts/probes.js';
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
        'false: a query that reads, run while planning (in check mode too) in a read-only session ' +
        '(default_transaction_read_only), so a query that writes fails instead of writing; reported ok',
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

const READ_ONLY = /cannot execute .* in a read-only transaction/;

/**
 * Runs SQL through psql on the host (as the server's OS user). A query without `changed: true` is a read-only
 * probe: its rows are in `data.rows` / `data.rowCount` in check mode too. A query declared `changed: true` is an
 * action.
 */
export const sql = defineTask<SqlArgs>({
  name: 'sql',
  description: 'run SQL with psql: read-only (rows for register) unless declared `changed: true`',
  schema,
  async plan(ctx, args) {
    const t = pgTarget(ctx.vars);
    const stdin = new Payload([args.query.endsWith('\n') ? args.query : `${args.query}\n`]);
    if (args.changed === true) {
      const summary = `SQL on ${args.database ?? 'postgres'}`;
      const cmd = psql(t, { db: args.database, user: args.user });
      return {
        actions: [
          exec({ summary, cmd, stdin, showStdin: true, user: t.osUser, prediction: 'would run the SQL' }),
        ],
        parseOutput: sqlData,
      };
    }
    const r = await ctx.facts.run(sqlProbe(t, stdin, { db: args.database, user: args.user }), {
      user: t.osUser,
    });
    if (r.code === 3 && READ_ONLY.test(r.stderr))
      throw new ApplyError(
        `sql: ${r.stderr.trim()}\nA query without \`changed: true\` runs read-only while planning (also under --check); a query that writes must say \`changed: true\`, and then runs only in a real run.`,
      );
    if (r.code === 3) throw new ApplyError(`sql: ${r.stderr.trim()}`);
    if (r.code !== 0) throw new CommandError(ctx.host, 'psql', r.code, r.stderr);
    const data = sqlData(r.stdout);
    return { actions: [], data, reason: `${data.rowCount} row${data.rowCount === 1 ? '' : 's'}` };
  },
});
