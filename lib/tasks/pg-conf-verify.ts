/**
 * PostgreSQL's own verdict on a config file just written, and the way back when it says no: the task's plan
 * carries `undo` (the previous content, written back through the engine's one atomic writer) and a `verify`
 * that throws ApplyError naming PostgreSQL's error; the engine applies `undo` when `verify` throws.
 */
import { ApplyError, CommandError } from '../errors.js';
import type { PgFacts } from '../facts/pg.js';
import { checkConfig, sqlProbe } from '../facts/probes.js';
import { type Action, writeFile } from '../model/actions.js';
import { formatHbaErrors, hbaErrorsSql, parseHbaErrors } from '../pg/hba-check.js';
import type { PgTarget } from '../pg/target.js';
import type { Plan, PlanContext } from './define.js';

/**
 * The file writes of `actions` undone, last first: each file gets its previous content (or is removed again).
 * Only config files are put back; a write whose content is a secret (a passfile) is not one of them.
 */
export function putBack(actions: readonly Action[]): Action[] {
  return actions
    .flatMap((a) =>
      a.kind === 'writeFile' && (a.after === null || typeof a.after === 'string')
        ? [{ ...a, after: a.after }]
        : [],
    )
    .reverse()
    .map((a) => writeFile({ path: a.path, before: a.after, after: a.before, user: a.user }));
}

/** After a reload: pg_hba_file_rules (which parses the file on disk afresh) must show no error. */
export function verifyHba(
  t: PgTarget,
  version: number,
  path: string,
  data: Record<string, unknown>,
): NonNullable<Plan['verify']> {
  return async (ctx: PlanContext) => {
    const r = await ctx.facts.run(sqlProbe(t, hbaErrorsSql(version)), { user: t.osUser });
    if (r.code !== 0) throw new CommandError(ctx.host, 'read pg_hba_file_rules', r.code, r.stderr);
    const errors = parseHbaErrors(r.stdout);
    if (errors.length > 0)
      throw new ApplyError(
        `PostgreSQL rejects ${path} (the server keeps its old rules):\n${formatHbaErrors(errors, path)}`,
      );
    return data;
  };
}

/** PostgreSQL's complaints (without log prefixes) that name one of `names`, with the HINT that follows each. */
export function complaintsAbout(stderr: string, names: readonly string[]): string[] {
  const wanted = names.map((n) => `"${n.toLowerCase()}"`);
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.replace(/^.*?\b(LOG|FATAL|ERROR|HINT|DETAIL):\s+/, '$1: '));
  const out: string[] = [];
  lines.forEach((l, i) => {
    if (!/^(LOG|FATAL|ERROR): /.test(l) || !wanted.some((w) => l.toLowerCase().includes(w))) return;
    out.push(l.replace(/^\w+: /, ''));
    const next = lines[i + 1];
    if (next?.startsWith('HINT: ')) out.push(`  ${next}`);
  });
  return out;
}

/**
 * After writing postgresql.conf (or a file it includes): `postgres -C` reads the server's whole configuration as
 * a start would, values checked, without touching the running server. pg_file_settings cannot decide this: it
 * says "setting could not be applied" both for an invalid value and for a valid new value of a restart-only
 * parameter. Only complaints naming the settings this task wrote count; others were there before.
 */
export function verifyConf(
  t: PgTarget,
  pg: PgFacts,
  path: string,
  names: readonly string[],
): NonNullable<Plan['verify']> | undefined {
  const config = pg.configFile || (pg.dataDir ? `${pg.dataDir.replace(/\/+$/, '')}/postgresql.conf` : '');
  const bin = pg.binDir || t.binDir;
  if (!pg.dataDir || !config || !bin || names.length === 0) return undefined;
  // any built-in name: -C prints it only after the whole configuration was read and checked
  const cmd = checkConfig(bin, pg.dataDir, config);
  return async (ctx: PlanContext) => {
    const r = await ctx.facts.run(cmd, { user: t.osUser });
    if (r.code === 0) return undefined;
    const said = complaintsAbout(r.stderr, names);
    if (said.length > 0) throw new ApplyError(`PostgreSQL rejects ${path}:\n${said.join('\n')}`);
    return undefined;
  };
}
