import type { JSONSchemaType } from 'ajv';
import { ApplyError, InputError } from '../errors.js';
import { PG_FACTS, type PgFacts, pgFacts } from '../facts/pg.js';
import { sqlProbe, unitActive } from '../facts/probes.js';
import { type Exec, exec } from '../model/actions.js';
import { parseConf, type SettingLine } from '../pg/conf.js';
import { restartOrReload, sameValue } from '../pg/guc.js';
import { parseRows, pgTarget, sqlLiteral } from '../pg/target.js';
import { defineTask, type Plan, type PlanContext } from './define.js';
import {
  APPLIED_SQL,
  type Manager,
  pendingFromRows,
  type ServiceTarget,
  serviceCmd,
  type Verb,
} from './pg-service.js';

/** Arguments of {@link service}; their meaning is in the schema below (`run-playbook help service`). */
export interface ServiceArgs {
  state: 'started' | 'stopped' | 'restarted' | 'reloaded' | 'applied';
  dataDir?: string;
  manager?: Manager;
  timeout?: number;
}

const schema: JSONSchemaType<ServiceArgs> = {
  type: 'object',
  properties: {
    state: {
      type: 'string',
      enum: ['started', 'stopped', 'restarted', 'reloaded', 'applied'],
      description:
        'applied: reload, then restart only if a changed setting needs it (pg_settings.pending_restart)',
    },
    dataDir: {
      type: 'string',
      minLength: 1,
      nullable: true,
      description: "the server's data dir (default: this host's pg_data_dir)",
    },
    manager: {
      type: 'string',
      enum: ['pg_ctl', 'pg_ctlcluster', 'systemd'],
      nullable: true,
      description:
        'default: pg_ctlcluster when pg_cluster is set, systemd when the unit pg_service_unit is active, else pg_ctl',
    },
    timeout: {
      type: 'integer',
      minimum: 1,
      nullable: true,
      default: 60,
      description: 'seconds to wait for start/stop',
    },
  },
  required: ['state'],
  additionalProperties: false,
};

const PREDICT: Record<Verb, string> = {
  start: 'the server starts and accepts connections',
  stop: 'the server stops (fast shutdown)',
  restart: 'the server restarts (sessions are disconnected) and accepts connections again',
  reload: 'the server rereads its configuration files',
};

async function serviceTarget(ctx: PlanContext, args: ServiceArgs): Promise<ServiceTarget> {
  const t = pgTarget(ctx.vars, args.dataDir ? { dataDir: args.dataDir } : {});
  const dataDir = t.dataDir;
  if (!dataDir) throw new InputError('service: no data dir (give dataDir or set pg_data_dir)');
  const logFile = t.logFile ?? `${dataDir.replace(/\/+$/, '')}.log`;
  const unit = typeof ctx.vars.pg_service_unit === 'string' ? ctx.vars.pg_service_unit : undefined;
  let manager = args.manager;
  if (!manager && t.cluster) manager = 'pg_ctlcluster';
  if (!manager && unit && (await ctx.facts.run(unitActive(unit))).code === 0) manager = 'systemd';
  manager ??= 'pg_ctl';
  if (manager === 'systemd' && !unit)
    throw new InputError('service: manager systemd needs the variable pg_service_unit');
  if (manager === 'pg_ctlcluster' && !t.cluster)
    throw new InputError('service: manager pg_ctlcluster needs the variables pg_version and pg_cluster');
  const s: ServiceTarget = { t, dataDir, logFile, manager, timeout: args.timeout ?? 60 };
  if (unit) s.unit = unit;
  return s;
}

function action(s: ServiceTarget, verb: Verb, prediction = PREDICT[verb]): Exec {
  const c = serviceCmd(s, verb);
  const a = exec({
    summary: `${s.manager} ${verb} (${s.dataDir})`,
    cmd: c.cmd,
    prediction,
    timeoutSec: s.timeout + 30,
  });
  if (c.user) a.user = c.user;
  return a;
}

/** Settings a check run's planned writes (the overlay) would change in the conf files, by name. */
async function predictedChanges(ctx: PlanContext, pg: PgFacts, user: string): Promise<string[] | undefined> {
  const files = [pg.configFile, `${pg.dataDir}/postgresql.auto.conf`, pg.hbaFile];
  const changed: string[] = [];
  const values = new Map<string, string>();
  const planned = files.filter((p) => ctx.facts.memory.overlay.has(p));
  // the files as they are: in one round trip, or none when a task of this run read them already
  const reals = await ctx.facts.files(planned, { user, real: true });
  for (const [i, f] of planned.entries()) {
    const predicted = ctx.facts.memory.overlay.get(f)?.content ?? '';
    const real = reals[i]?.content ?? '';
    if (predicted === real) continue;
    if (f === pg.hbaFile) changed.push('pg_hba.conf');
    const last = (text: string) => {
      const m = new Map<string, string>();
      for (const l of parseConf(text, f)) if (l.kind === 'setting') m.set(l.name, (l as SettingLine).value);
      return m;
    };
    const [a, b] = [last(real), last(predicted)];
    for (const n of new Set([...a.keys(), ...b.keys()])) if (a.get(n) !== b.get(n)) changed.push(n);
    for (const [n, v] of b) values.set(n, v);
  }
  const effective = await differFromRunning(ctx, pg, user, changed, values);
  return effective.length > 0 ? effective : undefined;
}

/** Of the settings whose file lines change, those whose new value differs from what the server runs with. */
async function differFromRunning(
  ctx: PlanContext,
  pg: PgFacts,
  user: string,
  names: string[],
  values: Map<string, string>,
): Promise<string[]> {
  const gucs = names.filter((n) => n !== 'pg_hba.conf' && values.has(n));
  if (gucs.length === 0) return names;
  const list = gucs.map(sqlLiteral).join(', ');
  const sql = `select name, current_setting(name) from pg_settings where name in (${list});\n`;
  const rows = parseRows(await ctx.facts.read(sqlProbe(pgTarget(ctx.vars), sql), { user }));
  const running = new Map(rows.map(([n = '', v = '']) => [n, v]));
  return names.filter((n) => {
    const now = running.get(n);
    const next = values.get(n);
    return now === undefined || next === undefined || !sameValue(n, now, next, pg.version);
  });
}

async function planApplied(ctx: PlanContext, s: ServiceTarget, pg: PgFacts): Promise<Plan> {
  if (!pg.running) return { actions: [], reason: 'not running: the settings take effect when it starts' };
  // both only read: what the server has pending, and (check mode) what the planned writes would change
  const [out, predicted] = await Promise.all([
    ctx.facts.read(sqlProbe(s.t, APPLIED_SQL), { user: s.t.osUser }),
    ctx.check ? predictedChanges(ctx, pg, s.t.osUser) : undefined,
  ]);
  const pending = pendingFromRows(parseRows(out), pg.version);
  const data = { reload: pending.reload, restart: pending.restart };
  const plan: Plan = { actions: [], invalidates: [PG_FACTS], data };
  // in check mode, settings the planned writes change need a restart when their context is postmaster
  const byContext = (want: string) =>
    (predicted ?? []).filter((n) => restartOrReload(n, pg.version) === want);
  const restartFor = [...new Set([...pending.restart, ...byContext('restart')])].sort();
  const unknown = byContext('unknown').filter((n) => n !== 'pg_hba.conf');
  if (pending.reload.length > 0 || restartFor.length > 0 || predicted) {
    const maybe = unknown.length > 0 ? `; a restart too if ${unknown.join(', ')} need one` : '';
    plan.actions.push(action(s, 'reload', `${PREDICT.reload}${maybe}`));
  }
  if (restartFor.length > 0)
    plan.actions.push(
      action(s, 'restart', `${PREDICT.restart}: ${restartFor.join(', ')} take effect only at start`),
    );
  plan.reason =
    plan.actions.length === 0
      ? 'all settings in effect'
      : `to apply: ${[...pending.reload, ...pending.restart].join(', ')}`;
  return plan;
}

function verifyRunning(s: ServiceTarget, want: boolean): Plan['verify'] {
  return async (ctx) => {
    const pg = await pgFacts(ctx.facts, s.t);
    if (pg.running !== want)
      throw new ApplyError(
        `service: the server is ${pg.running ? 'still running' : `not running (${pg.downReason ?? ''})`}; see ${s.logFile}`,
      );
    return { running: pg.running };
  };
}

async function planService(ctx: PlanContext, args: ServiceArgs): Promise<Plan> {
  const s = await serviceTarget(ctx, args);
  const pg = await pgFacts(ctx.facts, s.t);
  const some = (verb: Verb, want: boolean): Plan => ({
    actions: [action(s, verb)],
    invalidates: [PG_FACTS],
    verify: verifyRunning(s, want),
  });
  switch (args.state) {
    case 'started':
      return pg.running ? { actions: [], reason: 'running' } : some('start', true);
    case 'stopped':
      return pg.running ? some('stop', false) : { actions: [], reason: 'not running' };
    case 'restarted':
      return some(pg.running ? 'restart' : 'start', true);
    case 'reloaded':
      return pg.running
        ? { actions: [action(s, 'reload')], invalidates: [PG_FACTS] }
        : { actions: [], reason: 'not running: the configuration is read when it starts' };
    case 'applied':
      return planApplied(ctx, s, pg);
  }
}

/**
 * The PostgreSQL server started, stopped, restarted, reloaded, or `applied` (reload, then restart only when
 * a changed setting needs it), through pg_ctl, pg_ctlcluster or systemd; waits until it accepts connections.
 */
export const service = defineTask<ServiceArgs>({
  name: 'service',
  description: 'the PostgreSQL server started, stopped, restarted, reloaded, or its changed settings applied',
  schema,
  plan: planService,
});
