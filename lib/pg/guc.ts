/**
 * Parameter values as PostgreSQL reads them (guc.c: parse_bool, parse_int, parse_real, enum lookup), so that
 * `on` equals `true`, `16MB` equals `16384kB`, and a rerun that finds the same value changes nothing.
 */
import { type GucContext, type GucFact, type GucType, type GucUnit, gucFact } from './guc-table.js';

/** The facts of one parameter as they are on one major version. */
export interface GucAt {
  name: string;
  type: GucType;
  context: GucContext;
  unit?: GucUnit;
  enumValues?: readonly string[];
  aliases?: Readonly<Record<string, string>>;
  list?: boolean;
}

/** The table's facts of `name` on major `ver`, or undefined when unknown to the table or absent on `ver`. */
export function gucAt(name: string, ver: number): GucAt | undefined {
  const f = gucFact(name);
  if (!f || f.notGuc || (f.addedIn !== undefined && ver < f.addedIn)) return undefined;
  if (f.removedIn !== undefined && ver >= f.removedIn) return undefined;
  const at: GucAt = {
    name: f.name,
    type: f.typeBefore && ver < f.typeBefore.until ? f.typeBefore.type : f.type,
    context: f.contextBefore && ver < f.contextBefore.until ? f.contextBefore.context : f.context,
  };
  if (f.unit) at.unit = f.unit;
  if (f.enumValues) at.enumValues = f.enumValues;
  if (f.aliases && (f.aliasesUntil === undefined || ver < f.aliasesUntil)) at.aliases = f.aliases;
  if (f.list) at.list = true;
  return at;
}

/** Whether a parameter may be set on major `ver`; when not, a message that says why and what to use. */
export function checkKnown(name: string, ver: number): { ok: true } | { ok: false; message: string } {
  const f = gucFact(name);
  if (!f) return { ok: true };
  return whyAbsent(f, ver) ?? { ok: true };
}

function whyAbsent(f: GucFact, ver: number): { ok: false; message: string } | undefined {
  const n = f.name;
  if (f.notGuc)
    return {
      ok: false,
      message: `${n} is not a server parameter (it belonged in recovery.conf up to PostgreSQL 11); ${f.notGuc}`,
    };
  if (f.addedIn !== undefined && ver < f.addedIn) {
    const where = f.recoveryConf ? `; on PostgreSQL ${ver} it belongs in recovery.conf` : '';
    return { ok: false, message: `${n} does not exist on PostgreSQL ${ver} (added in ${f.addedIn}${where})` };
  }
  if (f.removedIn !== undefined && ver >= f.removedIn) {
    const use = f.replacedBy ? `; use ${f.replacedBy}` : '';
    return {
      ok: false,
      message: `${n} does not exist on PostgreSQL ${ver} (removed in ${f.removedIn}${use})`,
    };
  }
  if (f.context === 'internal')
    return { ok: false, message: `${n} is read-only: it is fixed when the cluster is created (initdb)` };
  return undefined;
}

/** What makes a changed value take effect. */
export type Activation = 'restart' | 'reload' | 'new-sessions' | 'read-only' | 'unknown';

/**
 * How a change of `name` in postgresql.conf takes effect on major `ver`: `restart` (postmaster context),
 * `reload` (sighup, superuser, user), `new-sessions` (backend, superuser-backend: a reload, but only sessions
 * started afterwards see it), `read-only` (internal), `unknown` (not in the table: ask pg_settings.context).
 */
export function restartOrReload(name: string, ver: number): Activation {
  const at = gucAt(name, ver);
  if (!at) return 'unknown';
  const byContext: Record<GucContext, Activation> = {
    postmaster: 'restart',
    sighup: 'reload',
    superuser: 'reload',
    user: 'reload',
    backend: 'new-sessions',
    'superuser-backend': 'new-sessions',
    internal: 'read-only',
  };
  return byContext[at.context];
}

/** PostgreSQL's parse_bool: on/off, true/false, yes/no, 1/0 and unique prefixes (`t`, `of`; not `o`). */
export function parseBool(value: string): boolean | undefined {
  const v = value.toLowerCase();
  if (v === '') return undefined;
  const prefixOf = (word: string, min = 1) => v.length >= min && word.startsWith(v);
  if (prefixOf('true') || prefixOf('yes') || prefixOf('on', 2) || v === '1') return true;
  if (prefixOf('false') || prefixOf('no') || prefixOf('off', 2) || v === '0') return false;
  return undefined;
}

// Each family from the largest unit down, in its smallest unit; PostgreSQL's conversion tables have this order.
const MEMORY: readonly [string, number, number][] = [
  ['TB', 2 ** 40, 10],
  ['GB', 2 ** 30, 10],
  ['MB', 2 ** 20, 10],
  ['kB', 2 ** 10, 10],
  ['B', 1, 11],
];
const TIME: readonly [string, number, number][] = [
  ['d', 86_400_000_000, 10],
  ['h', 3_600_000_000, 10],
  ['min', 60_000_000, 10],
  ['s', 1_000_000, 10],
  ['ms', 1000, 10],
  ['us', 1, 12],
];
const BASE: Readonly<Record<GucUnit, number>> = {
  B: 1,
  kB: 1024,
  MB: 2 ** 20,
  '8kB': 8192,
  ms: 1000,
  s: 1e6,
  min: 6e7,
};

/** IEEE round-half-even, as C's rint() does in the default rounding mode. */
function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** convert_to_base_unit: a number with a unit → the parameter's base unit, rounding as PostgreSQL does. */
function toBaseUnit(n: number, unit: string, base: GucUnit, ver: number): number | undefined {
  const family = base === 'ms' || base === 's' || base === 'min' ? TIME : MEMORY;
  const units = family.filter(([, , since]) => ver >= since);
  const i = units.findIndex(([u]) => u === unit);
  const entry = units[i];
  if (!entry) return undefined;
  const scale = BASE[base];
  let v = (n * entry[1]) / scale;
  const next = units[i + 1];
  // a fractional value ("30.1GB") is rounded to a whole number of the next smaller unit first
  if (next) v = (rint((v * scale) / next[1]) * next[1]) / scale;
  return v;
}

/** parse_int / parse_real: a number (hex/octal for ints, fractions from 12), then an optional unit. */
function parseNumber(
  value: string,
  type: 'integer' | 'real',
  unit: GucUnit | undefined,
  ver: number,
): number | undefined {
  const m = /^\s*([-+]?(?:0x[0-9a-f]+|\d*\.?\d*(?:e[-+]?\d+)?))\s*([^\s]*)\s*$/i.exec(value);
  if (!m || m[1] === undefined || !/\d/.test(m[1])) return undefined;
  const num = m[1];
  let n: number;
  if (/^[-+]?0x/i.test(num)) n = Number.parseInt(num, 16);
  else if (type === 'integer' && /^[-+]?0[0-7]+$/.test(num)) n = Number.parseInt(num, 8);
  else if (type === 'integer' && /[.e]/i.test(num) && ver < 12) return undefined;
  else n = Number(num);
  if (!Number.isFinite(n)) return undefined;
  if (m[2]) {
    if (!unit) return undefined;
    const b = toBaseUnit(n, m[2], unit, ver);
    if (b === undefined) return undefined;
    n = b;
  }
  return type === 'integer' ? rint(n) : n;
}

/** A value as text, the way it is written in postgresql.conf (booleans as on/off). */
export function valueText(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  return String(value);
}

/** The canonical form of a value for a known parameter, or undefined when PostgreSQL would reject it. */
function canonical(at: GucAt, text: string, ver: number): string | undefined {
  switch (at.type) {
    case 'bool': {
      const b = parseBool(text);
      return b === undefined ? undefined : b ? 'on' : 'off';
    }
    case 'integer':
    case 'real': {
      const n = parseNumber(text, at.type, at.unit, ver);
      return n === undefined ? undefined : String(n);
    }
    case 'enum': {
      const v = text.toLowerCase();
      if (at.enumValues?.includes(v)) return v;
      return at.aliases?.[v];
    }
    case 'string':
      return at.list
        ? text
            .split(',')
            .map((s) => s.trim())
            .join(',')
        : text;
  }
}

/**
 * A value normalised by facts the server itself reports (pg_settings' vartype, unit, enumvals), for parameters
 * the table does not know; undefined when PostgreSQL would reject the value.
 */
export function normalizeAs(at: GucAt, value: string | number | boolean, ver: number): string | undefined {
  return canonical(at, valueText(value), ver);
}

/**
 * A value as PostgreSQL normalises it on major `ver`: booleans → `on`/`off`; integers → a plain number in the
 * parameter's base unit (shared_buffers `16MB` → `2048`, work_mem `16MB` → `16384`, checkpoint_timeout `1min`
 * → `60`); enums → lowercase canonical (`hot_standby` → `replica`); lists → elements trimmed, joined by `,`.
 * Values PostgreSQL would reject, and parameters unknown to the table, come back as written.
 */
export function normalizeValue(name: string, value: string | number | boolean, ver: number): string {
  const text = valueText(value);
  const at = gucAt(name, ver);
  return (at && canonical(at, text, ver)) ?? text;
}

/** Whether two values of `name` mean the same to PostgreSQL `ver` (e.g. `on`/`true`, `16MB`/`16384kB`). */
export function sameValue(
  name: string,
  a: string | number | boolean,
  b: string | number | boolean,
  ver: number,
): boolean {
  return normalizeValue(name, a, ver) === normalizeValue(name, b, ver);
}

/** Why PostgreSQL `ver` would reject `value` for `name`, or undefined when it is acceptable or unknown to the table. */
export function validateValue(
  name: string,
  value: string | number | boolean,
  ver: number,
): string | undefined {
  const at = gucAt(name, ver);
  if (!at || canonical(at, valueText(value), ver) !== undefined) return undefined;
  const text = valueText(value);
  if (at.type === 'bool') return `parameter "${at.name}" requires a Boolean value, not "${text}"`;
  if (at.type === 'enum') {
    return `invalid value for parameter "${at.name}": "${text}" (expected one of ${at.enumValues?.join(', ')})`;
  }
  const units = at.unit ? ` with an optional unit (base unit ${at.unit})` : '';
  return `invalid value for parameter "${at.name}": "${text}" (expected a number${units})`;
}
