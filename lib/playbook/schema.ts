import { Ajv, type ErrorObject, type SchemaObject, type ValidateFunction } from 'ajv';
import { InputError, type Position } from '../errors.js';

// optimize: false: compiling is most of a short run's CPU, and it halves it; validating small values stays fast
const ajv = new Ajv({ allErrors: true, strict: false, verbose: true, code: { optimize: false } });
const str = { type: 'string' };
const bool = { type: 'boolean' };
const strOrList = { type: ['string', 'array'], items: str };
const method = { type: 'string', enum: ['sudo', 'su', 'runuser'] };
const obj = { type: 'object' };

/** Schema of a play's keywords (task lists are checked task by task). */
export const playSchema: SchemaObject = {
  type: 'object',
  properties: {
    name: str,
    hosts: strOrList,
    vars: obj,
    vars_files: strOrList,
    become: bool,
    become_user: str,
    become_method: method,
    gather_facts: bool,
    roles: { type: 'array', items: { type: ['string', 'object'] } },
    pre_tasks: { type: 'array', items: obj },
    tasks: { type: 'array', items: obj },
    post_tasks: { type: 'array', items: obj },
    handlers: { type: 'array', items: obj },
    serial: { type: 'integer', minimum: 1 },
    any_errors_fatal: bool,
    tags: strOrList,
    check_mode: bool,
  },
  required: ['hosts'],
  additionalProperties: false,
};

/** Schema of a task's keywords, without its one task key. */
export const taskKeywordSchema: SchemaObject = {
  type: 'object',
  properties: {
    name: str,
    when: { type: ['string', 'boolean'] },
    loop: { type: ['array', 'string'] },
    loop_control: {
      type: 'object',
      properties: { loop_var: str, label: str },
      additionalProperties: false,
    },
    register: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
    notify: strOrList,
    listen: strOrList,
    tags: strOrList,
    become: bool,
    become_user: str,
    become_method: method,
    ignore_errors: bool,
    no_log: bool,
    check_mode: bool,
    vars: obj,
    changed_when: { type: ['string', 'boolean'] },
    throttle: { type: 'integer', minimum: 1 },
  },
  additionalProperties: false,
};

/** Schema of a role entry written as a map. */
export const roleEntrySchema: SchemaObject = {
  type: 'object',
  properties: { role: str, vars: obj, tags: strOrList },
  required: ['role'],
  additionalProperties: false,
};

/** Names of the keywords a schema allows. */
export const keywordsOf = (schema: SchemaObject): string[] => Object.keys(schema.properties ?? {});

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** The closest candidate (Levenshtein ≤ 2, or one a prefix of the other), as `; did you mean 'x'?`, else ''. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const lw = word.toLowerCase();
  let best: [string, number] | undefined;
  for (const c of candidates) {
    const lc = c.toLowerCase();
    const d = lw.startsWith(lc) || lc.startsWith(lw) ? 1.5 : distance(lw, lc);
    if (d <= 2 && (!best || d < best[1])) best = [c, d];
  }
  return best ? `; did you mean '${best[0]}'?` : '';
}

/** `/a/b~1c` → `['a', 'b/c']` */
export const pointerPath = (pointer: string): string[] =>
  pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));

const describe = (v: unknown): string =>
  `${v === null ? 'null' : Array.isArray(v) ? 'list' : typeof v === 'object' ? 'map' : typeof v} ${JSON.stringify(v)}`;

function schemaAt(schema: SchemaObject, path: string[]): SchemaObject | undefined {
  let s: SchemaObject | undefined = schema;
  for (const p of path) s = /^\d+$/.test(p) ? s?.items : s?.properties?.[p];
  return s;
}

/** One ajv error as a sentence: "state: expected one of 'a', 'b', got string \"x\"". */
export function formatAjvError(e: ErrorObject, schema: SchemaObject, what = 'argument'): string {
  const path = pointerPath(e.instancePath);
  const name = path.length ? `${path.join('.')}: ` : '';
  const p = e.params as Record<string, unknown>;
  const got = 'data' in e ? `, got ${describe(e.data)}` : '';
  switch (e.keyword) {
    case 'type':
      return `${name}expected ${String(p.type).split(',').join(' or ')}${got}`;
    case 'enum':
      return `${name}expected one of ${(p.allowedValues as unknown[]).map((v) => `'${v}'`).join(', ')}${got}`;
    case 'required':
      return `${name}missing required ${what} '${p.missingProperty}'`;
    case 'additionalProperties': {
      const extra = String(p.additionalProperty);
      return `${name}unknown ${what} '${extra}'${didYouMean(extra, keywordsOf(schemaAt(schema, path) ?? {}))}`;
    }
    default:
      return `${name}${e.message ?? 'invalid'}`;
  }
}

const compiled = new WeakMap<SchemaObject, ValidateFunction>();

/** Validates a value; errors carry `data` (ajv `verbose`), so messages can show what was found. */
export function validate(schema: SchemaObject, value: unknown): ErrorObject[] {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  if (fn(value)) return [];
  return fn.errors ?? [];
}

/** The first error as an InputError at its path's position (the offending key for unknown keys). */
export function firstError(
  errors: ErrorObject[],
  schema: SchemaObject,
  locate: (path: string[], key?: string) => Position,
  prefix = '',
  what = 'argument',
): InputError | undefined {
  const e = errors[0];
  if (!e) return undefined;
  const path = pointerPath(e.instancePath);
  const key = e.keyword === 'additionalProperties' ? String(e.params.additionalProperty) : undefined;
  return new InputError(`${prefix}${formatAjvError(e, schema, what)}`, locate(path, key));
}
