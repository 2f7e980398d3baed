import type { SchemaObject } from 'ajv';
import { InputError } from '../errors.js';
import { checkTemplate } from '../model/template.js';
import { didYouMean, firstError, keywordsOf, pointerPath, taskKeywordSchema, validate } from './schema.js';
import type { BecomeMethod, TaskNode, TaskSchemas } from './types.js';
import type { YamlFile } from './yaml.js';

type Raw = Record<string, unknown>;
type YPath = (string | number)[];
const KEYWORDS = new Set(keywordsOf(taskKeywordSchema));

/** Where a task comes from: its file, its path in that file, and its role if any. */
export interface TaskOrigin {
  y: YamlFile;
  path: YPath;
  role?: string;
  baseDirs: string[];
  roleVars: Record<string, unknown>;
  /** tags inherited from the play or the role entry */
  tags: string[];
}

const list = (v: unknown): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];
const cond = (v: unknown): string | undefined => (v === undefined ? undefined : String(v));

/** The one task key of a task map; unknown keys are errors with a suggestion. */
function actionOf(raw: Raw, o: TaskOrigin, tasks: TaskSchemas): string {
  const names = Object.keys(tasks);
  const actions = Object.keys(raw).filter((k) => !KEYWORDS.has(k) && Object.hasOwn(tasks, k));
  for (const k of Object.keys(raw)) {
    if (KEYWORDS.has(k) || Object.hasOwn(tasks, k)) continue;
    const kw = didYouMean(k, [...KEYWORDS]);
    const task = didYouMean(k, names);
    const msg = kw
      ? `unknown keyword '${k}'${kw}`
      : task || actions.length === 0
        ? `unknown task '${k}'${task}`
        : `unknown keyword '${k}'`;
    throw new InputError(msg, o.y.keyAt(o.path, k));
  }
  if (actions.length > 1)
    throw new InputError(`more than one task in one entry: ${actions.join(', ')}`, o.y.at(o.path));
  if (!actions[0])
    throw new InputError('no task in this entry (expected one task key, e.g. command)', o.y.at(o.path));
  return actions[0];
}

/** Every string below `v` that holds `{{`, with its path. */
function* templated(v: unknown, path: string[] = []): Generator<[string[], string]> {
  if (typeof v === 'string' && v.includes('{{')) yield [path, v];
  else if (Array.isArray(v)) for (const [i, x] of v.entries()) yield* templated(x, [...path, String(i)]);
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) yield* templated(x, [...path, k]);
}

/** True when the value at `path`, or any value above it, is a template: the engine validates it after rendering. */
function isTemplated(args: unknown, path: string[]): boolean {
  let v = args;
  for (const p of ['', ...path]) {
    if (p) v = (v as Raw | undefined)?.[p];
    if (typeof v === 'string' && v.includes('{{')) return true;
  }
  return false;
}

function checkArgs(action: string, args: unknown, schema: SchemaObject, o: TaskOrigin): void {
  const path = [...o.path, action];
  const norm =
    action === 'command' && (typeof args === 'string' || Array.isArray(args)) ? { cmd: args } : args;
  const errors = validate(schema, norm).filter((e) => !isTemplated(norm, pointerPath(e.instancePath)));
  const locate = (p: string[], key?: string) => {
    const yp = norm === args ? [...path, ...p] : path;
    return key ? o.y.keyAt(yp, key) : o.y.at(yp);
  };
  const err = firstError(errors, schema, locate, `${action}: `);
  if (err) throw err;
}

function checkTemplates(raw: Raw, o: TaskOrigin): void {
  for (const [p, tpl] of templated(raw)) checkTemplate(tpl, o.y.contentAt([...o.path, ...p]));
  for (const k of ['when', 'changed_when']) {
    const v = raw[k];
    if (typeof v === 'string' && !v.includes('{{')) {
      const at = o.y.contentAt([...o.path, k]);
      checkTemplate(`{{ ${v} }}`, at?.col === undefined ? at : { ...at, col: at.col - 3 });
    }
  }
}

/** Builds one task from its YAML map, validating keywords, the task key and its (untemplated) arguments. */
export function buildTask(raw: Raw, o: TaskOrigin, tasks: TaskSchemas): TaskNode {
  const action = actionOf(raw, o, tasks);
  const { [action]: args, ...kw } = raw;
  const kwErr = firstError(
    validate(taskKeywordSchema, kw),
    taskKeywordSchema,
    (p, key) => (key ? o.y.keyAt([...o.path, ...p], key) : o.y.at([...o.path, ...p])),
    '',
    'keyword',
  );
  if (kwErr) throw kwErr;
  checkArgs(action, args ?? {}, tasks[action]!.schema, o);
  checkTemplates(raw, o);
  const name = typeof kw.name === 'string' ? kw.name : action;
  const loopControl = (kw.loop_control ?? {}) as Raw;
  const node: TaskNode = {
    name: o.role ? `${o.role} : ${name}` : name,
    action,
    args: args ?? {},
    where: o.y.at(o.path),
    argWhere: (p) => o.y.contentAt([...o.path, action, ...p]) ?? o.y.at([...o.path, action, ...p]),
    keyWhere: (p) => o.y.contentAt([...o.path, ...p]) ?? o.y.at([...o.path, ...p]),
    loopVar: typeof loopControl.loop_var === 'string' ? loopControl.loop_var : 'item',
    notify: list(kw.notify),
    listen: list(kw.listen),
    tags: [...new Set([...o.tags, ...list(kw.tags)])],
    ignoreErrors: kw.ignore_errors === true,
    noLog: kw.no_log === true,
    vars: (kw.vars ?? {}) as Record<string, unknown>,
    baseDirs: o.baseDirs,
    roleVars: o.roleVars,
  };
  return Object.assign(node, optional(kw, o.role));
}

function optional(kw: Raw, role: string | undefined): Partial<TaskNode> {
  const out: Partial<TaskNode> = {};
  if (kw.when !== undefined) out.when = cond(kw.when);
  if (kw.changed_when !== undefined) out.changedWhen = cond(kw.changed_when);
  if (kw.loop !== undefined) out.loop = kw.loop;
  if (typeof kw.throttle === 'number') out.throttle = kw.throttle;
  if (typeof kw.register === 'string') out.register = kw.register;
  if (typeof kw.become === 'boolean') out.become = kw.become;
  if (typeof kw.become_user === 'string') out.becomeUser = kw.become_user;
  if (typeof kw.become_method === 'string') out.becomeMethod = kw.become_method as BecomeMethod;
  if (typeof kw.check_mode === 'boolean') out.checkMode = kw.check_mode;
  if (role) out.role = role;
  return out;
}

/** Builds a list of tasks (a `tasks:` section or a role's tasks/main.yml). */
export function buildTasks(raw: unknown, o: TaskOrigin, tasks: TaskSchemas): TaskNode[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new InputError('expected a list of tasks', o.y.at(o.path));
  return raw.map((t, i) => {
    const path = [...o.path, i];
    if (!t || typeof t !== 'object' || Array.isArray(t))
      throw new InputError('expected a task (a map)', o.y.at(path));
    return buildTask(t as Raw, { ...o, path }, tasks);
  });
}
