/**
 * ~/.pgpass editing (pure): one line `host:port:database:user:password` for one connection, every other line
 * kept as it is. libpq uses the first line that matches a connection, so a new line goes before an earlier one
 * that would match the same connection (a `*` wildcard), like a pg_hba rule before the rule that shadows it.
 */
import { Payload, type Secret } from '../secret.js';
import { pgpassEscape, pgpassLine } from './backup.js';

/** The connection a passfile line is for (a physical replication connection: database `replication`). */
export interface PgpassKey {
  host: string;
  port: number;
  user: string;
}

/** The fields of a line, unescaped; undefined for a comment, a blank or a line with too few fields. */
export function pgpassFields(line: string): string[] | undefined {
  if (line.startsWith('#') || line.trim() === '') return undefined;
  const fields: string[] = [];
  let cur = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (ch === '\\' && i + 1 < line.length) cur += line[++i];
    else if (ch === ':' && fields.length < 4) {
      fields.push(cur);
      cur = '';
    } else cur += ch;
  }
  fields.push(cur);
  return fields.length === 5 ? fields : undefined;
}

const isOurs = (f: string[], k: PgpassKey) =>
  f[0] === k.host && f[1] === String(k.port) && f[2] === '*' && f[3] === k.user;

// libpq's match: `*` matches anything; a replication connection asks for database "replication"
const matches = (f: string[], k: PgpassKey) =>
  [k.host, String(k.port), 'replication', k.user].every((want, i) => f[i] === '*' || f[i] === want);

/**
 * Where the key's line goes in a passfile's text: the text before and after it. The key's own line (if any) is
 * replaced in place unless an earlier line would match the connection first; then it moves before that line.
 */
export function placePgpassLine(text: string, k: PgpassKey): { head: string; tail: string } {
  const lines = text.split(/(?<=\n)/);
  const fields = lines.map((l) => pgpassFields(l.replace(/\r?\n$/, '')));
  const ours = fields.findIndex((f) => f !== undefined && isOurs(f, k));
  const first = fields.findIndex((f) => f !== undefined && matches(f, k));
  const rest = lines.filter((_, i) => i !== ours);
  // `first` is never after `ours` (ours matches too), so removing ours leaves `first` where it was
  const at = first >= 0 ? first : rest.length;
  const head = rest.slice(0, at).join('');
  return { head: head === '' || head.endsWith('\n') ? head : `${head}\n`, tail: rest.slice(at).join('') };
}

/** The passfile with the key's line set to the password; other lines unchanged. */
export function pgpassWith(text: string, k: PgpassKey, password: Secret): Payload {
  const { head, tail } = placePgpassLine(text, k);
  return new Payload([head, ...pgpassLine(k.host, k.port, k.user, password).parts, tail]);
}

/** Whether the passfile already holds exactly what {@link pgpassWith} would write (compared for real, unmasked). */
export function pgpassUpToDate(text: string, k: PgpassKey, password: Secret): boolean {
  const { head, tail } = placePgpassLine(text, k);
  const prefix = `${pgpassEscape(k.host)}:${k.port}:*:${pgpassEscape(k.user)}:`;
  return password.test((pw) => `${head}${prefix}${pgpassEscape(pw)}\n${tail}` === text);
}
