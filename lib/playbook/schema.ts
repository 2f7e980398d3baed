import type { ErrorObject, SchemaObject, ValidateFunction } from 'ajv';
import { InputError, type Position } from '../errors.js';
import { validatorFor } from './precompiled.js';

// each keyword says what it does: editors show it (`run-playbook schema`)
const str = (description: string) => ({ type: 'string', description });
const bool = (description: string) => ({ type: 'boolean', description });
const strOrList = (description: string) => ({
  type: ['string', 'array'],
  items: { type: 'string' },
  description,
});
const obj = (description: string) => ({ type: 'object', description });
const method = {
  type: 'string',
  enum: ['sudo', 'su', 'runuser'],
  description: 'how to become become_user (default: ansible_become_method, else sudo)',
};
const becomeUser = str('the user to become (default: ansible_become_user, else root)');
const taskList = (description: string) => ({ type: 'array', items: { type: 'object' }, description });
const tags = strOrList('tags, for --tags and --skip-tags');

/** Schema of a play's keywords (task lists are checked task by task). */
export const playSchema: SchemaObject = {
  type: 'object',
  properties: {
    name: str('shown in the output'),
    hosts: strOrList('a host pattern: groups, hosts, a:b, a:&b, a:!b, globs'),
    vars: obj('variables of this play'),
    vars_files: strOrList('files of variables, relative to the playbook'),
    become: bool('run the tasks as another user (become_user)'),
    become_user: becomeUser,
    become_method: method,
    gather_facts: bool('accepted for Ansible playbooks; facts are read by the tasks that need them'),
    roles: {
      type: 'array',
      items: { type: ['string', 'object'] },
      description: 'roles from roles/<name>/, run before tasks',
    },
    pre_tasks: taskList('tasks run before the roles'),
    tasks: taskList('tasks run after the roles'),
    post_tasks: taskList('tasks run after tasks'),
    handlers: taskList('tasks run at the end of the play when notified'),
    serial: { type: 'integer', minimum: 1, description: 'run the play on this many hosts at a time' },
    any_errors_fatal: bool('a failure on one host stops the play on every host'),
    tags,
    check_mode: bool('true: the tasks only plan, also in a real run; false: they run, also under --check'),
  },
  required: ['hosts'],
  additionalProperties: false,
};

/** Schema of a task's keywords, without its one task key. */
export const taskKeywordSchema: SchemaObject = {
  type: 'object',
  properties: {
    name: str('shown in the output (default: the task key)'),
    when: { type: ['string', 'boolean'], description: 'run only when this expression is true' },
    loop: { type: ['array', 'string'], description: 'run once per item (a list, or a template giving one)' },
    loop_control: {
      type: 'object',
      properties: {
        loop_var: str('the name of the item variable (default item)'),
        label: str('what the output shows for each item'),
      },
      additionalProperties: false,
      description: 'how the loop names its item',
    },
    register: {
      type: 'string',
      pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
      description: "a variable to hold the task's result for later tasks",
    },
    notify: strOrList('handlers to run at the end of the play when this task changed something'),
    listen: strOrList('for handlers: topics this handler also answers to'),
    tags,
    become: bool('run this task as another user (become_user)'),
    become_user: becomeUser,
    become_method: method,
    ignore_errors: bool('a failure is reported but the host goes on'),
    no_log: bool("hide this task's result details (diffs, data, output) in the report"),
    check_mode: bool('true: the task only plans, also in a real run; false: it runs, also under --check'),
    vars: obj('variables of this task'),
    changed_when: {
      type: ['string', 'boolean'],
      description: 'an expression on the result that decides whether it reports changed',
    },
    throttle: { type: 'integer', minimum: 1, description: 'at most this many hosts run this task at once' },
  },
  additionalProperties: false,
};

/** Schema of a role entry written as a map. */
export const roleEntrySchema: SchemaObject = {
  type: 'object',
  properties: {
    role: str('the role name: roles/<name>/'),
    vars: obj('variables of this role'),
    tags,
  },
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

/** Patterns for values written into one line of a config file, and what a value that fails one contains. */
export const LINE_PATTERNS = {
  oneLine: '^[^\\x00-\\x1f\\x7f]*$',
  oneLineNoQuote: '^[^"\\x00-\\x1f\\x7f]*$',
  /** one field of a pg_hba record: whitespace only inside double quotes (`db1,"my db"`) */
  oneField: '^("[^"\\x00-\\x1f\\x7f]*"|[^\\s"\\x00-\\x1f\\x7f])+$',
} as const;

const PATTERN_WORDS: Record<string, string> = {
  [LINE_PATTERNS.oneLine]: 'a line break or control character',
  [LINE_PATTERNS.oneLineNoQuote]: 'a double quote, line break or control character',
  [LINE_PATTERNS.oneField]: 'whitespace outside double quotes, an unbalanced quote or a line break',
};

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
    case 'pattern': {
      const words = PATTERN_WORDS[String(p.pattern)];
      return words ? `${name}must not contain ${words}${got}` : `${name}${e.message ?? 'invalid'}${got}`;
    }
    case 'minLength':
      return p.limit === 1 ? `${name}must not be empty` : `${name}${e.message ?? 'invalid'}`;
    default:
      return `${name}${e.message ?? 'invalid'}`;
  }
}

const compiled = new WeakMap<SchemaObject, ValidateFunction>();

/** Validates a value; errors carry `data` (ajv `verbose`), so messages can show what was found. */
export function validate(schema: SchemaObject, value: unknown): ErrorObject[] {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = validatorFor('load', schema);
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
