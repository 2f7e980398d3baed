import { InputError } from '../errors.js';
import {
  type HbaConnType,
  type HbaLine,
  type HbaRule,
  type HbaToken,
  parseHba,
  tokenizeHbaLine,
  validateRule,
} from './hba.js';
import { specProblems } from './hba-values.js';
import { toNetwork } from './ip.js';

/** A wanted pg_hba.conf record. Lists are written as in the file (`db1,db2`, `"my db"`); `address` may carry a mask. */
export interface HbaRuleSpec {
  type: HbaConnType;
  database: string;
  user: string;
  address?: string;
  method: string;
  options?: Record<string, string>;
}

/** What {@link ensureRule} did. `line` is 1-based: in the new text for added/changed, in the old for removed. */
export interface HbaChange {
  kind: 'added' | 'changed' | 'removed' | 'none';
  line: number;
  before?: string;
  after?: string;
  /** the existing rule is never reached: an earlier record (at this line) matches the same connections first */
  shadowedBy?: number;
}

type RuleLine = Extract<HbaLine, { kind: 'rule' }>;

/** initdb's own layout: TYPE, DATABASE, USER, ADDRESS, METHOD start at these columns. */
const DEFAULT_COLUMNS = [0, 8, 24, 40, 64];
const KEYWORDS = new Set(['all', 'sameuser', 'samerole', 'samegroup', 'replication']);

/**
 * Makes one record present (with this method and options) or absent. A record is identified by
 * (type, database, user, address). A new record goes before the first record (or include) that could match
 * some of the same connections, since pg_hba is first-match; otherwise at the end. Nothing else is touched.
 */
export function ensureRule(
  text: string,
  spec: HbaRuleSpec,
  state: 'present' | 'absent',
  opts: { file?: string } = {},
): { text: string; change: HbaChange } {
  const file = opts.file ?? 'pg_hba.conf';
  const want = specToRule(spec, file);
  const lines = parseHba(text, file);
  const rules = lines.filter((l): l is RuleLine => l.kind === 'rule');
  const found = rules.filter((l) => sameIdentity(l.rule, want));
  if (state === 'absent') {
    const first = found[0];
    if (!first) return { text, change: { kind: 'none', line: 0 } };
    const kept = lines.filter((l) => !found.includes(l as RuleLine));
    return { text: join(kept, text), change: { kind: 'removed', line: first.line, before: first.raw } };
  }
  const existing = found[0];
  if (existing) return changeInPlace(lines, existing, want, text);
  const at = lines.find((l) => l.kind === 'include' || (l.kind === 'rule' && mayShadow(l.rule, want)));
  const before = rules.filter((l) => !at || l.line < at.line);
  const ref = at?.kind === 'rule' ? at : (before[before.length - 1] ?? rules[0]);
  const newLine = formatRule(want, ref ? columnsOf(ref) : DEFAULT_COLUMNS);
  const added = { kind: 'blank' as const, line: 0, endLine: 0, raw: newLine };
  if (!at) {
    const physical = text === '' ? 0 : text.replace(/\n$/, '').split('\n').length;
    const out = [...lines, added];
    return { text: join(out, text, true), change: { kind: 'added', line: physical + 1, after: newLine } };
  }
  const out = lines.flatMap((l) => (l === at ? [added, l] : [l]));
  return { text: join(out, text), change: { kind: 'added', line: at.line, after: newLine } };
}

function changeInPlace(lines: HbaLine[], existing: RuleLine, want: HbaRule, text: string) {
  const shadow = lines.find((l) => l.kind === 'rule' && l.line < existing.line && mayShadow(l.rule, want));
  const shadowedBy = shadow ? { shadowedBy: shadow.line } : {};
  const r = existing.rule;
  if (r.method === want.method && sameOptions(r.options, want.options)) {
    return { text, change: { kind: 'none' as const, line: existing.line, ...shadowedBy } };
  }
  const methodIdx = 3 + (r.type === 'local' ? 0 : 1) + (r.mask !== undefined ? 1 : 0);
  const methodField = existing.fields[methodIdx];
  const lastField = existing.fields[existing.fields.length - 1];
  let after: string;
  if (existing.line === existing.endLine && methodField && lastField) {
    // keep everything up to the method column, and any trailing comment, exactly as written
    const tail = [want.method, formatOptions(want.options)].filter((s) => s !== '').join(' ');
    after = existing.raw.slice(0, methodField.start) + tail + existing.raw.slice(lastField.end);
  } else after = formatRule(want, columnsOf(existing));
  const out = lines.map((l) => (l === existing ? { ...l, raw: after } : l));
  return {
    text: join(out, text),
    change: { kind: 'changed' as const, line: existing.line, before: existing.raw, after, ...shadowedBy },
  };
}

function join(lines: HbaLine[], original: string, forceNewline = false): string {
  const body = lines.map((l) => l.raw).join('\n');
  return body + (original.endsWith('\n') || forceNewline || original === '' ? '\n' : '');
}

/** Turns a spec into a rule, validated as for the newest PostgreSQL; problems are InputErrors. */
export function specToRule(spec: HbaRuleSpec, file = 'pg_hba.conf'): HbaRule {
  const bad = specProblems(spec);
  if (bad.length > 0) throw new InputError(`hba rule: ${bad.join('; ')}`);
  const list = (s: string) => tokenizeHbaLine(s, { file, line: 0 })[0]?.tokens ?? [];
  const [address, mask, ...extra] = spec.address?.trim().split(/\s+/) ?? [];
  const rule: HbaRule = {
    type: spec.type,
    database: list(spec.database),
    user: list(spec.user),
    method: spec.method,
    options: { ...spec.options },
  };
  if (address !== undefined && address !== '') rule.address = address;
  if (mask !== undefined) rule.mask = mask;
  const errors = validateRule(rule, Number.POSITIVE_INFINITY);
  if (extra.length > 0) errors.push(`unexpected text after the mask in address "${spec.address}"`);
  if (errors.length > 0) throw new InputError(`hba rule: ${errors.join('; ')}`);
  return rule;
}

const tokenKey = (t: HbaToken) => (t.quoted ? `"${t.value}"` : t.value);
const sameList = (a: HbaToken[], b: HbaToken[]) =>
  a.map(tokenKey).sort().join('\0') === b.map(tokenKey).sort().join('\0');

function sameAddress(a: HbaRule, b: HbaRule): boolean {
  if (a.address === undefined || b.address === undefined) return a.address === b.address;
  const na = toNetwork(a.address, a.mask);
  const nb = toNetwork(b.address, b.mask);
  if (na && nb)
    return na.family === nb.family && na.bits === nb.bits && prefix(na, na.bits) === prefix(nb, nb.bits);
  return a.address.toLowerCase() === b.address.toLowerCase() && a.mask === b.mask;
}

/** True when two records are the same record in the sense of the hbaRule task. */
export function sameIdentity(a: HbaRule, b: HbaRule): boolean {
  return (
    a.type === b.type && sameList(a.database, b.database) && sameList(a.user, b.user) && sameAddress(a, b)
  );
}

function sameOptions(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a).sort();
  return ka.join('\0') === Object.keys(b).sort().join('\0') && ka.every((k) => a[k] === b[k]);
}

function typesOverlap(a: HbaConnType, b: HbaConnType): boolean {
  if (a === b) return true;
  if (a === 'local' || b === 'local') return false;
  if (a === 'host' || b === 'host') return true;
  const pair = [a, b].sort().join(' ');
  // an SSL connection is never GSS-encrypted, and each *no* type excludes its own
  return !['hostnossl hostssl', 'hostgssenc hostnogssenc', 'hostgssenc hostssl'].includes(pair);
}

const keyword = (t: HbaToken) => (!t.quoted && KEYWORDS.has(t.value) ? t.value : undefined);
const wildcard = (t: HbaToken) => !t.quoted && /^[@+/]/.test(t.value);

function databasesOverlap(e: HbaToken, n: HbaToken): boolean {
  if (wildcard(e) || wildcard(n)) return true;
  const ek = keyword(e);
  const nk = keyword(n);
  // `all` does not match replication connections; only the `replication` keyword does
  if (ek === 'replication' || nk === 'replication') return ek === nk;
  return ek !== undefined || nk !== undefined || e.value === n.value;
}

function usersOverlap(e: HbaToken, n: HbaToken): boolean {
  if (wildcard(e) || wildcard(n)) return true;
  if (keyword(e) === 'all' || keyword(n) === 'all') return true;
  return e.value === n.value;
}

const prefix = (n: { family: 4 | 6; addr: bigint }, bits: number) =>
  n.addr >> BigInt((n.family === 4 ? 32 : 128) - bits);

function addressesOverlap(a: HbaRule, b: HbaRule): boolean {
  if (a.address === undefined || b.address === undefined) return true;
  const na = toNetwork(a.address, a.mask);
  const nb = toNetwork(b.address, b.mask);
  // all, samehost, samenet and host names may match any address
  if (!na || !nb) return true;
  const bits = Math.min(na.bits, nb.bits);
  return na.family === nb.family && prefix(na, bits) === prefix(nb, bits);
}

/** True when `existing`, placed earlier, could match some connection that `wanted` is meant to match. */
export function mayShadow(existing: HbaRule, wanted: HbaRule): boolean {
  const any = <T>(xs: T[], ys: T[], f: (x: T, y: T) => boolean) => xs.some((x) => ys.some((y) => f(x, y)));
  return (
    typesOverlap(existing.type, wanted.type) &&
    any(existing.database, wanted.database, databasesOverlap) &&
    any(existing.user, wanted.user, usersOverlap) &&
    addressesOverlap(existing, wanted)
  );
}

/** Start columns of TYPE, DATABASE, USER, ADDRESS, METHOD in an existing record. */
function columnsOf(l: RuleLine): number[] {
  if (l.line !== l.endLine) return DEFAULT_COLUMNS;
  // a file written with single spaces is not aligned: keep it compact
  if (l.fields.every((x, i) => i === 0 || x.start === (l.fields[i - 1]?.end ?? 0) + 1))
    return [0, 0, 0, 0, 0];
  const f = l.fields.map((x) => x.start);
  const [t = 0, d = 8, u = 24] = f;
  if (l.rule.type !== 'local') return [t, d, u, f[3] ?? 40, f[l.rule.mask !== undefined ? 5 : 4] ?? 64];
  const m = f[3] ?? 64;
  const addr = u + (u - d);
  return [t, d, u, Math.min(addr, m), m];
}

const quoteToken = (t: HbaToken) => (t.quoted ? `"${t.value}"` : t.value);

function formatOptions(o: Record<string, string>): string {
  return Object.entries(o)
    .map(([k, v]) => (/^[^\s#,"]*$/.test(v) ? `${k}=${v}` : `${k}="${v}"`))
    .join(' ');
}

/** Formats a record aligned to the given columns where the fields fit (at least one space between fields). */
export function formatRule(r: HbaRule, cols: number[] = DEFAULT_COLUMNS): string {
  const addr =
    r.address === undefined ? undefined : [r.address, r.mask].filter((x) => x !== undefined).join(' ');
  const slots: [string | undefined, number][] = [
    [r.type, cols[0] ?? 0],
    [r.database.map(quoteToken).join(','), cols[1] ?? 0],
    [r.user.map(quoteToken).join(','), cols[2] ?? 0],
    [addr, cols[3] ?? 0],
    [r.method, cols[4] ?? 0],
    [formatOptions(r.options) || undefined, 0],
  ];
  let out = '';
  for (const [text, col] of slots) {
    if (text === undefined) continue;
    if (out !== '') out += out.length < col ? ' '.repeat(col - out.length) : ' ';
    out += text;
  }
  return out;
}
