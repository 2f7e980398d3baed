/**
 * What may be written into a pg_hba.conf field. A record is one line of whitespace-separated fields and
 * PostgreSQL has no escape for `"` inside a quoted token, so a line break, a control character or a stray
 * quote in a value would let it end the record and write another one. Pure: a wanted record in, problems out.
 */
import type { HbaRuleSpec } from './hba-edit.js';

const CONTROL = /[\x00-\x1f\x7f]/;

/** One field: no control characters; outside double quotes no whitespace (that would start the next field). */
function fieldProblem(what: string, value: string): string | undefined {
  if (CONTROL.test(value))
    return `${what} contains a line break or control character: ${JSON.stringify(value)}`;
  let quoted = false;
  for (const c of value) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && /\s/.test(c))
      return `${what} contains whitespace outside double quotes: ${JSON.stringify(value)}`;
  }
  if (quoted) return `${what} has an unterminated double quote: ${JSON.stringify(value)}`;
  return undefined;
}

/** Every reason the wanted record cannot be written as one pg_hba.conf line (empty when it can). */
export function specProblems(spec: HbaRuleSpec): string[] {
  const out: (string | undefined)[] = [
    fieldProblem('database', spec.database),
    fieldProblem('user', spec.user),
    /^[a-z0-9-]+$/.test(spec.method)
      ? undefined
      : `invalid authentication method ${JSON.stringify(spec.method)}`,
  ];
  // an address may be `ip mask`: whitespace separates those two, the rule's own parser counts the parts
  if (spec.address !== undefined && CONTROL.test(spec.address))
    out.push(`address contains a line break or control character: ${JSON.stringify(spec.address)}`);
  for (const [k, v] of Object.entries(spec.options ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) out.push(`invalid option name ${JSON.stringify(k)}`);
    else if (v.includes('"') || CONTROL.test(v))
      out.push(`option ${k}: a value cannot contain a double quote or a line break: ${JSON.stringify(v)}`);
  }
  return out.filter((p): p is string => p !== undefined);
}
