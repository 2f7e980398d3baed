import { InputError } from '../errors.js';
import { addressProblem, isIp } from './ip.js';

/** Connection types of a pg_hba.conf record (`hostgssenc`/`hostnogssenc` need PostgreSQL 12+). */
export type HbaConnType = 'local' | 'host' | 'hostssl' | 'hostnossl' | 'hostgssenc' | 'hostnogssenc';

/** Every connection type, in the order the documentation lists them. */
export const HBA_CONN_TYPES: readonly HbaConnType[] = [
  'local',
  'host',
  'hostssl',
  'hostnossl',
  'hostgssenc',
  'hostnogssenc',
];

/** One list element as written: the text without quotes, and whether it was quoted (a quoted keyword is a name). */
export interface HbaToken {
  value: string;
  quoted: boolean;
}

/** The meaning of one record. `address` is as written (CIDR, IP, hostname or keyword); `mask` a separate netmask. */
export interface HbaRule {
  type: HbaConnType;
  database: HbaToken[];
  user: HbaToken[];
  address?: string;
  mask?: string;
  method: string;
  /** `key=value` options, values without quotes */
  options: Record<string, string>;
}

/** Where a field starts in a record's first physical line (0-based column), and the text of each field. */
export interface HbaField {
  start: number;
  end: number;
  tokens: HbaToken[];
}

/** One logical line of pg_hba.conf. `line`..`endLine` are 1-based physical lines; `raw` is their exact text. */
export type HbaLine =
  | { kind: 'blank' | 'comment'; line: number; endLine: number; raw: string }
  | {
      kind: 'include';
      line: number;
      endLine: number;
      raw: string;
      directive: 'include' | 'include_if_exists' | 'include_dir';
      path: string;
    }
  | { kind: 'rule'; line: number; endLine: number; raw: string; rule: HbaRule; fields: HbaField[] };

const INCLUDES = ['include', 'include_if_exists', 'include_dir'] as const;

/**
 * Splits one logical line into whitespace-separated fields; a field is a comma list of tokens (`a, b` is one
 * field, as in PostgreSQL's tokenizer). `#` outside quotes starts a comment.
 */
export function tokenizeHbaLine(text: string, where: { file: string; line: number }): HbaField[] {
  const fields: HbaField[] = [];
  let pos = 0;
  const skipSpace = () => {
    while (pos < text.length && /\s/.test(text[pos] ?? '')) pos++;
  };
  for (;;) {
    skipSpace();
    if (pos >= text.length || text[pos] === '#') return fields;
    const field: HbaField = { start: pos, end: pos, tokens: [] };
    let more = true;
    while (more) {
      skipSpace();
      const tokStart = pos;
      let value = '';
      let quoted = false;
      let inQuote = false;
      more = false;
      while (pos < text.length) {
        const c = text[pos] ?? '';
        if (!inQuote && (/\s/.test(c) || c === '#')) break;
        pos++;
        if (!inQuote && c === ',') {
          more = true;
          break;
        }
        if (c === '"') {
          inQuote = !inQuote;
          quoted = true;
        } else value += c;
      }
      if (inQuote)
        throw new InputError('unterminated quoted string in pg_hba.conf', { ...where, col: tokStart + 1 });
      field.tokens.push({ value, quoted });
    }
    field.end = pos;
    fields.push(field);
  }
}

/** Joins physical lines ending in a backslash (PostgreSQL's line continuation). */
function logicalLines(text: string): { line: number; endLine: number; raw: string; joined: string }[] {
  const phys = text.split('\n');
  if (phys[phys.length - 1] === '') phys.pop();
  const out: { line: number; endLine: number; raw: string; joined: string }[] = [];
  for (let i = 0; i < phys.length; i++) {
    const first = i;
    let joined = (phys[i] ?? '').replace(/\r$/, '');
    const raws = [phys[i] ?? ''];
    while (joined.endsWith('\\') && i + 1 < phys.length) {
      i++;
      joined = joined.slice(0, -1) + (phys[i] ?? '').replace(/\r$/, '');
      raws.push(phys[i] ?? '');
    }
    out.push({ line: first + 1, endLine: i + 1, raw: raws.join('\n'), joined });
  }
  return out;
}

/** Parses pg_hba.conf text into lines (raw text kept per line). Throws InputError for a malformed record. */
export function parseHba(text: string, file: string): HbaLine[] {
  return logicalLines(text).map(({ line, endLine, raw, joined }) => {
    const where = { file, line };
    const fields = tokenizeHbaLine(joined, where);
    if (fields.length === 0) return { kind: /^\s*$/.test(joined) ? 'blank' : 'comment', line, endLine, raw };
    const first = fields[0]?.tokens[0];
    const directive = INCLUDES.find((d) => d === first?.value && !first.quoted);
    if (directive) {
      const path = fields[1]?.tokens[0]?.value;
      if (fields.length !== 2 || path === undefined)
        throw new InputError(`${directive} expects exactly one file name`, { ...where, col: 1 });
      return { kind: 'include', line, endLine, raw, directive, path };
    }
    return { kind: 'rule', line, endLine, raw, rule: ruleFromFields(fields, where), fields };
  });
}

/** Builds a rule from its fields; structural errors (missing fields, unknown type) are InputErrors. */
export function ruleFromFields(fields: HbaField[], where: { file: string; line: number }): HbaRule {
  const at = (i: number) => ({ ...where, col: (fields[i]?.start ?? 0) + 1 });
  const single = (i: number, what: string): string => {
    const f = fields[i];
    if (!f) throw new InputError(`end-of-line before ${what}`, at(fields.length - 1));
    if (f.tokens.length !== 1) throw new InputError(`multiple values in ${what} field`, at(i));
    return f.tokens[0]?.value ?? '';
  };
  const type = single(0, 'connection type') as HbaConnType;
  if (!HBA_CONN_TYPES.includes(type)) {
    throw new InputError(
      `invalid connection type "${type}"; expected one of ${HBA_CONN_TYPES.join(', ')}`,
      at(0),
    );
  }
  if (!fields[1]) throw new InputError('end-of-line before database specification', at(0));
  if (!fields[2]) throw new InputError('end-of-line before role specification', at(1));
  const rule: HbaRule = { type, database: fields[1].tokens, user: fields[2].tokens, method: '', options: {} };
  let i = 3;
  if (type !== 'local') {
    rule.address = single(i++, 'IP address');
    if (!rule.address.includes('/') && isIp(rule.address)) rule.mask = single(i++, 'IP mask');
  }
  rule.method = single(i++, 'authentication method');
  for (; i < fields.length; i++) {
    for (const t of fields[i]?.tokens ?? []) {
      const eq = t.value.indexOf('=');
      if (eq <= 0) throw new InputError(`authentication option not in name=value format: ${t.value}`, at(i));
      rule.options[t.value.slice(0, eq)] = t.value.slice(eq + 1);
    }
  }
  return rule;
}

/** Authentication methods and the first major version that knows each (`oauth`: 18). */
export const HBA_METHODS: Readonly<Record<string, number>> = Object.fromEntries([
  ...'trust reject md5 password gss sspi ident peer pam ldap radius cert bsd'.split(' ').map((m) => [m, 0]),
  ['scram-sha-256', 10],
  ['oauth', 18],
]);

/**
 * Semantic checks PostgreSQL makes when it loads a record, for a server of major version `ver`: known method,
 * valid CIDR/mask, no address on `local`, `hostgssenc` 12+. Returns the problems found (empty when valid).
 */
export function validateRule(rule: HbaRule, ver: number): string[] {
  const errors: string[] = [];
  const since = HBA_METHODS[rule.method];
  if (since === undefined) {
    errors.push(
      `invalid authentication method "${rule.method}"; expected one of ${methodsFor(ver).join(', ')}`,
    );
  } else if (since > ver)
    errors.push(`authentication method "${rule.method}" needs PostgreSQL ${since} or later`);
  if (rule.type.includes('gssenc') && ver < 12)
    errors.push(`connection type "${rule.type}" needs PostgreSQL 12`);
  if (rule.database.length === 0 || rule.user.length === 0) errors.push('empty database or user list');
  if (rule.type === 'local') {
    if (rule.address !== undefined) errors.push('"local" records take no address');
    return errors;
  }
  if (rule.address === undefined) return [...errors, `"${rule.type}" records need an address`];
  const bad = addressProblem(rule.address, rule.mask);
  if (bad) errors.push(bad);
  return errors;
}

function methodsFor(ver: number): string[] {
  return Object.entries(HBA_METHODS)
    .filter(([, v]) => v <= ver)
    .map(([k]) => k);
}
