/**
 * The common template, `text {{ a.b }} text`, rendered without handlebars: parsing and compiling each distinct
 * template with handlebars cost a few milliseconds apiece (most of a short run's CPU once ajv was precompiled).
 * Only the plainest shape qualifies: each `{{ }}` holds one dotted name (no helper, literal, `this`, `~`, `[ ]`
 * or escape). Whatever this path cannot render exactly as handlebars would (a missing variable, whose error
 * needs handlebars' position, or a non-scalar inside text) it hands back, and handlebars renders it.
 */

/** A template of literal text and variable paths; `single`: one path and only whitespace around it. */
export interface SimpleTemplate {
  parts: (string | string[])[];
  single: boolean;
}

const NAME_PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;
// names handlebars reads as literals or the context, not as variables
const NOT_VARIABLES = new Set(['this', 'true', 'false', 'null', 'undefined']);
const cache = new Map<string, SimpleTemplate | null>();

/** The template's parts when it has the plain shape, else null; `helpers`: names a bare `{{name}}` would call. */
export function simpleTemplate(tpl: string, helpers: ReadonlySet<string>): SimpleTemplate | null {
  const hit = cache.get(tpl);
  if (hit !== undefined) return hit;
  const parsed = parse(tpl, helpers);
  cache.set(tpl, parsed);
  return parsed;
}

function parse(tpl: string, helpers: ReadonlySet<string>): SimpleTemplate | null {
  if (tpl.includes('\\') || tpl.includes('{{{')) return null;
  const parts: (string | string[])[] = [];
  let at = 0;
  let paths = 0;
  for (const m of tpl.matchAll(/\{\{([^{}]*)\}\}/g)) {
    const name = (m[1] ?? '').trim();
    if (!NAME_PATH.test(name)) return null;
    const path = name.split('.');
    const head = path[0] as string;
    if (NOT_VARIABLES.has(head) || (path.length === 1 && helpers.has(head))) return null;
    parts.push(tpl.slice(at, m.index), path);
    paths++;
    at = m.index + m[0].length;
  }
  parts.push(tpl.slice(at));
  const texts = parts.filter((p): p is string => typeof p === 'string');
  if (texts.some((t) => t.includes('{{') || t.includes('}}'))) return null;
  return { parts: parts.filter((p) => p !== ''), single: paths === 1 && texts.every((t) => !t.trim()) };
}

const has = (o: unknown, k: string): boolean => o !== null && o !== undefined && Object.hasOwn(Object(o), k);
const MISSING = Symbol('missing');

function get(vars: unknown, path: readonly string[]): unknown {
  let cur = vars;
  for (const part of path) {
    if (!has(cur, part)) return MISSING;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/**
 * Renders a simple template as handlebars would (a single path keeps its value's type; in text, a string,
 * number or boolean is written as it reads), or returns undefined for handlebars to render it.
 */
export function renderSimple(t: SimpleTemplate, vars: unknown): { value: unknown } | undefined {
  if (t.single) {
    const path = t.parts.find((p) => typeof p !== 'string') as string[];
    const value = get(vars, path);
    return value === MISSING ? undefined : { value };
  }
  let out = '';
  for (const p of t.parts) {
    if (typeof p === 'string') {
      out += p;
      continue;
    }
    const v = get(vars, p);
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return undefined;
    out += String(v);
  }
  return { value: out };
}
