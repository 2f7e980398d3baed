/**
 * The common templates rendered without handlebars: `text {{ a.b }} text`, and one helper call such as
 * `{{ gte pg_version 13 }}`, `{{ lookup groups standby_group }}` or `{{ and (ne mode 'off') x.changed }}`.
 * Loading handlebars, then parsing and compiling each distinct template with it, was most of a short run's CPU
 * (about 120 ms of a no-op replication run). Only plain shapes qualify: in each `{{ }}` one dotted name, a
 * literal, or a call of one of our helpers (or handlebars' `lookup`) whose arguments are names, literals
 * (`'text'`, `"text"`, numbers, `true`, `false`, `null`, `undefined`) or such calls in parentheses; no hash
 * arguments, block, `this`, `../`, `@data`, `~`, `[ ]` or escape. Whatever this path cannot render exactly as
 * handlebars would (a missing variable or a helper's fault, whose error needs handlebars' position; a
 * non-scalar inside text) it hands back, and handlebars renders it.
 */
import { HELPER_NAMES, HELPERS } from './template-helpers.js';

/** What one `{{ }}` holds: a variable path, a literal, or a helper call. */
export type SimpleExpr =
  | { kind: 'path'; path: string[]; lenient: boolean }
  | { kind: 'literal'; value: unknown }
  | { kind: 'call'; helper: string; args: SimpleExpr[] };

/** A template of literal text and expressions; `single`: one expression and only whitespace around it. */
export interface SimpleTemplate {
  parts: (string | SimpleExpr)[];
  single: boolean;
}

const NAME_PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const NUMBER = /^-?[0-9]+(?:\.[0-9]+)?$/;
const LITERALS = new Map<string, unknown>([
  ['true', true],
  ['false', false],
  ['null', null],
  ['undefined', undefined],
]);
const cache = new Map<string, SimpleTemplate | null>();

/** handlebars' own `lookup`: an own property, or nothing of a missing object; anything else is handed back. */
function lookup(obj: unknown, field: unknown): unknown {
  if (!obj) return obj;
  if (typeof obj !== 'object') throw new Error('handlebars decides');
  const v = (obj as Record<string, unknown>)[String(field)];
  if (Object.hasOwn(obj, String(field)) || v === undefined || v === null) return v;
  throw new Error('handlebars decides'); // an inherited property, which handlebars' prototype rules decide
}

/** The helpers a call may name: ours (not the internal `__` ones) and handlebars' `lookup`. */
const CALLS: Record<string, (...a: unknown[]) => unknown> = {
  ...Object.fromEntries(Object.entries(HELPERS).filter(([name]) => !name.startsWith('__'))),
  lookup,
};

/** The template's parts when it has a plain shape, else null (handlebars renders it). */
export function simpleTemplate(tpl: string): SimpleTemplate | null {
  const hit = cache.get(tpl);
  if (hit !== undefined) return hit;
  const parsed = parse(tpl);
  cache.set(tpl, parsed);
  return parsed;
}

function parse(tpl: string): SimpleTemplate | null {
  if (tpl.includes('\\') || tpl.includes('{{{')) return null;
  const parts: (string | SimpleExpr)[] = [];
  let at = 0;
  let exprs = 0;
  for (const m of tpl.matchAll(/\{\{([^{}]*)\}\}/g)) {
    const e = mustache(m[1] ?? '');
    if (!e) return null;
    parts.push(tpl.slice(at, m.index), e);
    exprs++;
    at = m.index + m[0].length;
  }
  parts.push(tpl.slice(at));
  const texts = parts.filter((p): p is string => typeof p === 'string');
  if (texts.some((t) => t.includes('{{') || t.includes('}}'))) return null;
  return { parts: parts.filter((p) => p !== ''), single: exprs === 1 && texts.every((t) => !t.trim()) };
}

/** Tokens of a mustache's content: parentheses, quoted strings (no escapes) and words; null on anything else. */
function tokenize(s: string): string[] | null {
  const out: string[] = [];
  const re = /\s*(\(|\)|'[^']*'|"[^"]*"|[^\s()'"]+)\s*/y;
  while (re.lastIndex < s.length) {
    const at = re.lastIndex;
    const m = re.exec(s);
    if (!m || re.lastIndex === at) return /^\s*$/.test(s.slice(at)) ? out : null;
    out.push(m[1] as string);
  }
  return out;
}

/** One `{{ … }}`: a bare name or literal, or a helper call (its outer parentheses allowed, as template.ts does). */
function mustache(content: string): SimpleExpr | null {
  let tokens = tokenize(content);
  if (!tokens || tokens.length === 0) return null;
  if (tokens.length === 1) {
    const word = tokens[0] as string;
    // a bare helper name calls the helper; `this` is the context: both are handlebars' to render
    if (HELPER_NAMES.has(word)) return null;
    return operand(word, false);
  }
  if (tokens[0] === '(' && tokens[tokens.length - 1] === ')' && closing(tokens, 0) === tokens.length - 1)
    tokens = tokens.slice(1, -1);
  const r = call(tokens, 0);
  return r && r.next === tokens.length ? r.expr : null;
}

/** Index of the `)` closing the `(` at `open`. */
function closing(tokens: string[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (tokens[i] === '(') depth++;
    else if (tokens[i] === ')' && --depth === 0) return i;
  }
  return -1;
}

/** `helper arg…` from tokens[i] up to the end or a `)`. */
function call(tokens: string[], i: number): { expr: SimpleExpr; next: number } | null {
  const helper = tokens[i];
  if (helper === undefined || !Object.hasOwn(CALLS, helper)) return null;
  const args: SimpleExpr[] = [];
  let k = i + 1;
  while (k < tokens.length && tokens[k] !== ')') {
    const t = tokens[k] as string;
    if (t === '(') {
      const inner = call(tokens, k + 1);
      if (!inner || tokens[inner.next] !== ')') return null;
      args.push(inner.expr);
      k = inner.next + 1;
      continue;
    }
    // template.ts's rewrite: `default`'s first argument is looked up leniently (missing is undefined)
    const e = operand(t, helper === 'default' && args.length === 0);
    if (!e) return null;
    args.push(e);
    k++;
  }
  return { expr: { kind: 'call', helper, args }, next: k };
}

function operand(t: string, lenient: boolean): SimpleExpr | null {
  if (/^'[^']*'$|^"[^"]*"$/.test(t)) return { kind: 'literal', value: t.slice(1, -1) };
  if (NUMBER.test(t)) return { kind: 'literal', value: Number(t) };
  if (LITERALS.has(t)) return { kind: 'literal', value: LITERALS.get(t) };
  if (!NAME_PATH.test(t) || t === 'this' || t.startsWith('this.')) return null;
  return { kind: 'path', path: t.split('.'), lenient };
}

const has = (o: unknown, k: string): boolean => o !== null && o !== undefined && Object.hasOwn(Object(o), k);
/** A value this path cannot produce as handlebars would: handlebars renders the template instead. */
const FALLBACK = Symbol('fallback');

function get(vars: unknown, path: readonly string[]): unknown {
  let cur = vars;
  for (const part of path) {
    if (!has(cur, part)) return FALLBACK;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function evaluate(e: SimpleExpr, vars: unknown): unknown {
  if (e.kind === 'literal') return e.value;
  if (e.kind === 'path') {
    const v = get(vars, e.path);
    return v === FALLBACK && e.lenient ? undefined : v;
  }
  const args: unknown[] = [];
  for (const a of e.args) {
    const v = evaluate(a, vars);
    if (v === FALLBACK) return FALLBACK;
    args.push(v);
  }
  try {
    // handlebars passes an options object last; ours read its `data.root` (the variables) and `loc`
    return (CALLS[e.helper] as (...a: unknown[]) => unknown)(...args, {
      name: e.helper,
      hash: {},
      data: { root: vars },
      loc: undefined,
    });
  } catch {
    return FALLBACK; // handlebars renders it again and reports the fault at its position
  }
}

/**
 * Renders a simple template as handlebars would (a single expression keeps its value's type; in text, a
 * string, number or boolean is written as it reads), or returns undefined for handlebars to render it.
 */
export function renderSimple(t: SimpleTemplate, vars: unknown): { value: unknown } | undefined {
  if (t.single) {
    const e = t.parts.find((p) => typeof p !== 'string') as SimpleExpr;
    const value = evaluate(e, vars);
    return value === FALLBACK ? undefined : { value };
  }
  let out = '';
  for (const p of t.parts) {
    if (typeof p === 'string') {
      out += p;
      continue;
    }
    const v = evaluate(p, vars);
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return undefined;
    out += String(v);
  }
  return { value: out };
}
