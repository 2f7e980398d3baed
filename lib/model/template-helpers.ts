import { createRequire } from 'node:module';
import type Handlebars from 'handlebars';
import { type SyncMode, SyncStandbysError, synchronousStandbyNames } from '../pg/sync-standbys.js';
import { shq } from './command.js';

type Loc = hbs.AST.SourceLocation | undefined;

/** A failure inside a template, located within the template text (1-based line, 0-based column). */
export class TemplateFault extends Error {
  constructor(
    message: string,
    readonly loc: Loc,
  ) {
    super(message);
  }
}

const args = (a: unknown[]): unknown[] => a.slice(0, -1); // handlebars passes its options object last
const opts = (a: unknown[]) =>
  a[a.length - 1] as Handlebars.HelperOptions & { loc?: Loc; data: { root: unknown } };
const has = (o: unknown, k: string): boolean => o !== null && o !== undefined && Object.hasOwn(Object(o), k);

/**
 * Strict lookup of a path from a base value. Handlebars' own `strict` misses helper arguments, and names the
 * wrong part (`"addr" not defined in undefined`), so every variable reference is rewritten to call this.
 */
function lookup(
  base: unknown,
  partsJson: string,
  skip: number,
  original: string,
  ...rest: unknown[]
): unknown {
  const lenient = rest.length > 1 && rest[0] === true;
  let cur = base;
  for (const part of (JSON.parse(partsJson) as string[]).slice(skip)) {
    if (!has(cur, part)) {
      if (lenient) return undefined;
      throw new TemplateFault(`undefined variable '${original}'`, opts(rest).loc);
    }
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function hostvar(host: unknown, key: unknown, ...rest: unknown[]): unknown {
  const o = opts(rest);
  const hostvars = (o.data.root as Record<string, unknown> | undefined)?.hostvars as Record<string, unknown>;
  const hv = has(hostvars, String(host)) ? (hostvars[String(host)] as Record<string, unknown>) : undefined;
  if (!hv) throw new TemplateFault(`hostvar: unknown host '${String(host)}'`, o.loc);
  if (!has(hv, String(key)))
    throw new TemplateFault(`hostvar: host '${host}' has no variable '${key}'`, o.loc);
  return hv[String(key)];
}

/** `{{ env 'NAME' }}`: an environment variable of the controller; unset is an error, as a missing variable is. */
function env(name: unknown, ...rest: unknown[]): string {
  const v = process.env[String(name)];
  if (v === undefined)
    throw new TemplateFault(`environment variable '${String(name)}' is not set`, opts(rest).loc);
  return v;
}

function size(v: unknown): number {
  if (typeof v === 'string' || Array.isArray(v)) return v.length;
  return v && typeof v === 'object' ? Object.keys(v).length : 0;
}

function includes(coll: unknown, item: unknown): boolean {
  if (Array.isArray(coll)) return coll.includes(item);
  if (typeof coll === 'string') return coll.includes(String(item));
  return typeof item === 'string' && has(coll, item);
}

/**
 * `{{ synchronousStandbyNames mode count hosts [primary] }}`: the synchronous_standby_names of inventory hosts,
 * without the primary's own name.
 */
function syncNames(mode: unknown, count: unknown, names: unknown, ...rest: unknown[]): string {
  const primary = rest.length > 1 ? String(rest[0]) : undefined;
  try {
    return synchronousStandbyNames({
      mode: mode as SyncMode,
      count: count as number,
      names: names as string[],
      primary,
    });
  } catch (e) {
    if (e instanceof SyncStandbysError) throw new TemplateFault(e.message, opts(rest).loc);
    throw e;
  }
}

/** Our helpers by name, as registered with handlebars (`__get`, `__id` and `__cap` are the rewrite's own). */
export const HELPERS: Readonly<Record<string, (...a: unknown[]) => unknown>> = {
  __get: lookup as (...a: unknown[]) => unknown,
  __id: (v) => v,
  _: (v) => v,
  __cap: (v, o) => {
    (o as { data: { capture: { value: unknown } } }).data.capture.value = v;
    return '';
  },
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
  gt: (a, b) => (a as number) > (b as number),
  gte: (a, b) => (a as number) >= (b as number),
  lt: (a, b) => (a as number) < (b as number),
  lte: (a, b) => (a as number) <= (b as number),
  and: (...a) => args(a).every(Boolean),
  or: (...a) => args(a).some(Boolean),
  not: (v) => !v,
  default: (v, d) => (v === undefined || v === null ? d : v),
  json: (v) => JSON.stringify(v),
  quote: (v) => shq(String(v)),
  join: (...a) => (Array.isArray(a[0]) ? a[0].join(a.length > 2 ? String(a[1]) : ',') : a[0]),
  includes,
  length: size,
  lower: (v) => String(v).toLowerCase(),
  upper: (v) => String(v).toUpperCase(),
  hostvar,
  env,
  ternary: (c, a, b) => (c ? a : b),
  synchronousStandbyNames: syncNames,
};
/** Names a bare `{{name}}` calls as a helper: ours and handlebars' own. */
export const HELPER_NAMES: ReadonlySet<string> = new Set([
  ...Object.keys(HELPERS),
  ...['blockHelperMissing', 'each', 'helperMissing', 'if', 'log', 'lookup', 'unless', 'with'],
]);

let hbEnv: typeof Handlebars | undefined;

/**
 * The one handlebars environment: strict lookups and the helpers above. Loaded on first use (handlebars costs
 * ~35 ms of start-up; a run whose playbook has no template never pays it).
 */
export function hb(): typeof Handlebars {
  if (hbEnv) return hbEnv;
  const h = (createRequire(import.meta.url)('handlebars') as typeof Handlebars).create();
  for (const [name, fn] of Object.entries(HELPERS)) h.registerHelper(name, fn as Handlebars.HelperDelegate);
  hbEnv = h;
  return h;
}
