import { dirname, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { checkTemplate } from '../model/template.js';
import { loadRole, type Role, roleEntry } from './roles.js';
import { firstError, playSchema, validate } from './schema.js';
import { buildTasks, type TaskOrigin } from './task.js';
import type { Play, TaskSchemas } from './types.js';
import { loadYamlFile, type YamlFile } from './yaml.js';

type Raw = Record<string, unknown>;
const list = (v: unknown): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];

function checkVarTemplates(v: unknown, y: YamlFile, path: (string | number)[]): void {
  if (typeof v === 'string') checkTemplate(v, y.contentAt(path));
  else if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) checkVarTemplates(x, y, [...path, i]);
  } else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) checkVarTemplates(x, y, [...path, k]);
}

async function varsFiles(raw: Raw, dir: string, y: YamlFile, path: (string | number)[]): Promise<Raw> {
  let out: Raw = {};
  for (const [i, f] of list(raw.vars_files).entries()) {
    const vf = await loadYamlFile(resolve(dir, f)).catch((e: unknown) => {
      throw e instanceof InputError && e.where?.line === undefined
        ? new InputError(`vars_files: ${e.detail}`, y.at([...path, 'vars_files', i]))
        : e;
    });
    if (vf.data === null || vf.data === undefined) continue;
    if (typeof vf.data !== 'object' || Array.isArray(vf.data))
      throw new InputError('expected a map of variables', vf.at([]));
    checkVarTemplates(vf.data, vf, []);
    out = { ...out, ...(vf.data as Raw) };
  }
  return out;
}

async function roles(
  raw: Raw,
  dir: string,
  y: YamlFile,
  path: (string | number)[],
  tags: string[],
  ts: TaskSchemas,
) {
  const out: Role[] = [];
  for (const [i, r] of ((raw.roles ?? []) as unknown[]).entries()) {
    const entry = roleEntry(r, y, [...path, 'roles', i]);
    out.push(await loadRole(dir, entry, tags, ts, y.at([...path, 'roles', i])));
  }
  return out;
}

async function buildPlay(raw: Raw, y: YamlFile, index: number, ts: TaskSchemas): Promise<Play> {
  const path = [index];
  const err = firstError(
    validate(playSchema, raw),
    playSchema,
    (p, key) => (key ? y.keyAt([...path, ...p], key) : y.at([...path, ...p])),
    '',
    'keyword',
  );
  if (err) throw err;
  const dir = dirname(resolve(y.file));
  const tags = list(raw.tags);
  checkVarTemplates(raw.vars, y, [...path, 'vars']);
  const vars = { ...((raw.vars ?? {}) as Raw), ...(await varsFiles(raw, dir, y, path)) };
  const rs = await roles(raw, dir, y, path, tags, ts);
  const origin: TaskOrigin = { y, path: [], baseDirs: [dir], roleVars: {}, tags };
  const section = (k: string) => buildTasks(raw[k], { ...origin, path: [...path, k] }, ts);
  const tasks = [
    ...section('pre_tasks'),
    ...rs.flatMap((r) => r.tasks),
    ...section('tasks'),
    ...section('post_tasks'),
  ];
  const handlers = [...rs.flatMap((r) => r.handlers), ...section('handlers')];
  if (typeof raw.check_mode === 'boolean')
    for (const t of [...tasks, ...handlers]) t.checkMode ??= raw.check_mode;
  const play: Play = {
    name: typeof raw.name === 'string' ? raw.name : list(raw.hosts).join(':'),
    hosts: list(raw.hosts).join(':'),
    where: y.at(path),
    hostsWhere: y.contentAt([...path, 'hosts']) ?? y.at([...path, 'hosts']),
    vars,
    roleDefaults: Object.assign({}, ...rs.map((r) => r.defaults)),
    roleVars: Object.assign({}, ...rs.map((r) => r.vars)),
    tasks,
    handlers,
    anyErrorsFatal: raw.any_errors_fatal === true,
    tags,
    dir,
    file: y.file,
  };
  return Object.assign(play, become(raw), typeof raw.serial === 'number' ? { serial: raw.serial } : {});
}

function become(raw: Raw): Partial<Play> {
  const out: Partial<Play> = {};
  if (typeof raw.become === 'boolean') out.become = raw.become;
  if (typeof raw.become_user === 'string') out.becomeUser = raw.become_user;
  if (typeof raw.become_method === 'string') out.becomeMethod = raw.become_method as Play['becomeMethod'];
  return out;
}

const TASK_KEYS = ['pre_tasks', 'tasks', 'post_tasks', 'handlers', 'roles'];

/** Whether any play names a task or a role (anything else is an error the loader reports without tasks). */
function hasTasks(plays: unknown[]): boolean {
  return plays.some((p) => {
    if (!p || typeof p !== 'object') return false;
    return TASK_KEYS.some((k) => {
      const v = (p as Raw)[k];
      return v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);
    });
  });
}

/**
 * Loads a playbook: YAML with positions, every play and task validated (keywords, task names, untemplated
 * arguments against each task's schema), every template syntax-checked, roles read from `roles/<name>/`.
 * Throws InputError at the offending file:line:col. `tasks` may be a loader, called only when a play has tasks.
 */
export async function loadPlaybook(
  file: string,
  tasks: TaskSchemas | (() => Promise<TaskSchemas>),
): Promise<Play[]> {
  const y = await loadYamlFile(file);
  if (!Array.isArray(y.data)) throw new InputError('a playbook is a list of plays', y.at([]));
  const registry = typeof tasks === 'function' ? (hasTasks(y.data) ? await tasks() : {}) : tasks;
  const plays: Play[] = [];
  for (const [i, raw] of y.data.entries()) {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw))
      throw new InputError('expected a play (a map)', y.at([i]));
    plays.push(await buildPlay(raw as Raw, y, i, registry));
  }
  return plays;
}
