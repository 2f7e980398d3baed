import type { JSONSchemaType } from 'ajv';
import { ApplyError, InputError } from '../errors.js';
import type { Facts } from '../facts/facts.js';
import { type PgFacts, pgFacts } from '../facts/pg.js';
import { describeConfig, listDir, sqlProbe } from '../facts/probes.js';
import { writeFile } from '../model/actions.js';
import type { ConfValue } from '../pg/conf-edit.js';
import { sameValue } from '../pg/guc.js';
import { TABLE_VERSIONS } from '../pg/guc-table.js';
import { type PgTarget, parseRows, pgTarget, sqlLiteral } from '../pg/target.js';
import { LINE_PATTERNS } from '../playbook/schema.js';
import { defineTask, type Plan, type PlanContext } from './define.js';
import { type ConfReader, findOverrides } from './pg-conf-sources.js';
import { putBack, verifyConf } from './pg-conf-verify.js';
import {
  checkSettings,
  editConf,
  namesToAsk,
  overrideMessage,
  type SettingChange,
} from './pg-set-conf-plan.js';

/** Arguments of {@link setConf}; their meaning is in the schema below (`run-playbook help setConf`). */
export interface SetConfArgs {
  path?: string;
  settings: Record<string, ConfValue>;
  allowOverride?: boolean;
}

const schema: JSONSchemaType<SetConfArgs> = {
  type: 'object',
  properties: {
    path: {
      type: 'string',
      minLength: 1,
      nullable: true,
      description: "the file to edit (default: the server's config_file)",
    },
    settings: {
      type: 'object',
      // a string value stays on its line (conf-edit.ts refuses the same, with the parameter's name)
      additionalProperties: {
        type: ['string', 'number', 'boolean'],
        pattern: LINE_PATTERNS.oneLine,
      } as never,
      required: [],
      minProperties: 1,
      description: 'parameter names as PostgreSQL spells them → values',
    },
    allowOverride: {
      type: 'boolean',
      nullable: true,
      default: false,
      description: 'edit even when postgresql.auto.conf or a later include sets the same name (and so wins)',
    },
  },
  required: ['settings'],
  additionalProperties: false,
};

/** pg_settings.context of the names, from the running server (its facts carry them; else one query). */
async function serverContexts(
  facts: Facts,
  pg: PgFacts,
  t: PgTarget,
  names: readonly string[],
): Promise<Map<string, string>> {
  const known = pg.contexts;
  if (known) {
    const found = names.map((n) => n.toLowerCase()).filter((n) => Object.hasOwn(known, n));
    return new Map(found.map((n) => [n, known[n] as string]));
  }
  const list = names.map((n) => sqlLiteral(n.toLowerCase())).join(', ');
  const sql = `select name, context from pg_settings where name in (${list});\n`;
  const out = await facts.read(sqlProbe(t, sql), { user: t.osUser });
  return new Map(parseRows(out).map(([n = '', c = '']) => [n, c]));
}

/** Contexts of names the table does not know, from `postgres --describe-config` when the server is down. */
async function describedContexts(facts: Facts, pg: PgFacts, t: PgTarget, names: readonly string[]) {
  const out = new Map<string, string>();
  if (names.length === 0) return out;
  const bin = pg.binDir || t.binDir || '/usr/lib/postgresql/15/bin';
  const text = await facts.read(describeConfig(bin), { user: t.osUser });
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  for (const line of text.split('\n')) {
    const [name = '', context = ''] = line.split('\t');
    if (wanted.has(name.toLowerCase())) out.set(name.toLowerCase(), context);
  }
  return out;
}

/** Reads files as the server's OS user; planned writes of this run (check mode) are seen. */
function reader(facts: Facts, user: string): ConfReader {
  return {
    async file(path) {
      const st = await facts.file(path, { user });
      return st.exists && !st.isDir ? st.content : null;
    },
    async dir(path) {
      const r = await facts.run(listDir(path), { user });
      return r.code === 0 ? r.stdout.split('\n').filter((l) => l.length > 0) : null;
    },
  };
}

function summary(changes: readonly SettingChange[]): string {
  if (changes.length === 0) return 'all settings as wanted';
  return changes.map((c) => `${c.name}: ${c.before ?? '(unset)'} → ${c.after} (${c.needs})`).join('; ');
}

async function planSetConf(ctx: PlanContext, args: SetConfArgs): Promise<Plan> {
  const t = pgTarget(ctx.vars);
  const pg = await pgFacts(ctx.facts, t);
  const version = pg.version || Number(ctx.vars.pg_version) || TABLE_VERSIONS.max;
  const path = args.path ?? pg.configFile;
  if (!path)
    throw new InputError('setConf: no path given and the server config file is unknown (set pg_data_dir)');
  const names = Object.keys(args.settings);
  const contexts = pg.running
    ? await serverContexts(ctx.facts, pg, t, names)
    : await describedContexts(ctx.facts, pg, t, namesToAsk(names));
  checkSettings(args.settings, version, contexts);
  const autoConf = pg.dataDir ? `${pg.dataDir.replace(/\/+$/, '')}/postgresql.auto.conf` : undefined;
  // the file and postgresql.auto.conf in one round trip (the override check reads the latter)
  const [st] = await ctx.facts.files([path, ...(autoConf ? [autoConf] : [])], { user: t.osUser });
  if (!st || st.isDir) throw new ApplyError(`setConf: ${path} is a directory`);
  const before = st.exists ? (st.content ?? '') : '';
  const edit = editConf(before, path, args.settings, version, contexts);
  const { overrides, read } = await findOverrides(
    reader(ctx.facts, t.osUser),
    { path, text: edit.text, positions: edit.positions },
    { main: pg.configFile || path, autoConf },
  );
  if (!read)
    throw new ApplyError(
      `setConf: the server does not read ${path}: ${pg.configFile} does not include it (and neither do its includes)`,
    );
  // a later line with the same value is harmless: the value takes effect either way
  const winning = [...overrides.values()].filter(
    (o) => !sameValue(o.name, o.value, args.settings[o.name] ?? '', version),
  );
  if (winning.length > 0 && !args.allowOverride) throw new ApplyError(overrideMessage(path, winning));
  const changes = edit.changes;
  const data: Record<string, unknown> = { changes };
  if (overrides.size > 0) data.overridden = [...overrides.values()];
  const plan: Plan = { actions: [], reason: summary(changes), data };
  if (edit.text !== before || !st.exists)
    plan.actions.push(
      writeFile({ path, before: st.exists ? before : null, after: edit.text, user: t.osUser }),
    );
  // PostgreSQL reads the written file back; a value it rejects puts the previous file back
  const verify = verifyConf(t, pg, path, names);
  if (plan.actions.length > 0 && verify) Object.assign(plan, { verify, undo: putBack(plan.actions) });
  if (changes.some((c) => c.needs === 'restart')) plan.restartRequired = true;
  if (changes.some((c) => c.needs === 'reload')) plan.reloadRequired = true;
  return plan;
}

/**
 * postgresql.conf parameters, edited in place with PostgreSQL's grammar; values compared as the server
 * normalises them; fails when postgresql.auto.conf or a later include would override a setting. Reports per
 * change whether it needs a restart or a reload; applying them is the `service` task's job (`state: applied`).
 */
export const setConf = defineTask<SetConfArgs>({
  name: 'setConf',
  description: 'postgresql.conf parameters set in place; reports which changes need a restart or a reload',
  schema,
  plan: planSetConf,
});
