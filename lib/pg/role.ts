import { InputError } from '../errors.js';
import { Payload, Secret } from '../secret.js';
import { md5Verifier, scramVerifier, verifierMatches } from './scram.js';
import { parseRows, sqlIdent, sqlLiteral } from './target.js';

/** The password verifier types PostgreSQL stores. */
export type PasswordEncryption = 'scram-sha-256' | 'md5';

/** A wanted role. Attributes left undefined are not managed (except `login`, which a new role gets by default). */
export interface RoleSpec {
  name: string;
  login?: boolean;
  replication?: boolean;
  superuser?: boolean;
  createdb?: boolean;
  createrole?: boolean;
  /** -1: no limit */
  connectionLimit?: number;
  password?: Secret;
  /** default: what the server's `password_encryption` says */
  passwordEncryption?: PasswordEncryption;
  /** a timestamp PostgreSQL accepts, or `infinity` */
  validUntil?: string;
  state?: 'present' | 'absent';
}

/** A role as `pg_authid` stores it. */
export interface RoleRow {
  superuser: boolean;
  createrole: boolean;
  createdb: boolean;
  login: boolean;
  replication: boolean;
  connectionLimit: number;
  /** the stored verifier; null when the role has no password */
  password: string | null;
  validUntil: string | null;
  /** whether the stored VALID UNTIL equals the wanted one (compared by the server, as timestamptz) */
  validUntilMatches: boolean;
}

/** What the role probe found: the server's `password_encryption` and the role, if it exists. */
export interface RoleProbe {
  encryption: string;
  role?: RoleRow;
}

/**
 * One query, as a superuser (pg_authid is not readable otherwise): the server's password_encryption and the
 * role's attributes. The wanted VALID UNTIL is compared by the server, so any spelling of a time is equal. The
 * stored verifier comes hex-encoded: the connection masks known secrets (our verifiers too) in all output.
 */
export function roleProbeSql(name: string, validUntil?: string): string {
  const cmp =
    validUntil === undefined
      ? 'true'
      : `r.rolvaliduntil is not distinct from ${sqlLiteral(validUntil)}::timestamptz`;
  return `select current_setting('password_encryption'), r.rolname is not null, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin, r.rolreplication, r.rolconnlimit, r.rolpassword is null, encode(convert_to(coalesce(r.rolpassword, ''), 'UTF8'), 'hex'), coalesce(r.rolvaliduntil::text, ''), ${cmp}
from (select 1) as one left join pg_catalog.pg_authid r on r.rolname = ${sqlLiteral(name)};\n`;
}

/** Parses the output of {@link roleProbeSql}. */
export function parseRoleProbe(out: string): RoleProbe {
  const [row] = parseRows(out);
  if (!row) throw new InputError('role probe returned no row');
  const [enc = '', exists, sup, crole, cdb, login, repl, limit, noPw, pw = '', until = '', untilOk] = row;
  if (exists !== 't') return { encryption: enc };
  return {
    encryption: enc,
    role: {
      superuser: sup === 't',
      createrole: crole === 't',
      createdb: cdb === 't',
      login: login === 't',
      replication: repl === 't',
      connectionLimit: Number(limit),
      password: noPw === 't' ? null : Buffer.from(pw, 'hex').toString('utf8'),
      validUntil: until === '' ? null : until,
      validUntilMatches: untilOk === 't',
    },
  };
}

/**
 * The verifier type to store: the one asked for, else the server's `password_encryption` (on 10–13 `on`
 * meant md5; only `scram-sha-256` selects SCRAM).
 */
export function wantedEncryption(spec: RoleSpec, serverSetting: string): PasswordEncryption {
  return spec.passwordEncryption ?? (serverSetting === 'scram-sha-256' ? 'scram-sha-256' : 'md5');
}

/** True when the stored verifier is of the wanted type and belongs to the password. */
export function passwordUpToDate(stored: string | null, spec: RoleSpec, enc: PasswordEncryption): boolean {
  if (stored === null || spec.password === undefined) return false;
  const isScram = stored.startsWith('SCRAM-SHA-256$');
  if (isScram !== (enc === 'scram-sha-256')) return false;
  return spec.password.test((pw) => verifierMatches(stored, pw, spec.name));
}

/** The verifier for the password, computed here so the plain password never leaves the controller. */
export function verifierOf(spec: RoleSpec, enc: PasswordEncryption): Secret | undefined {
  return spec.password?.map((pw) => (enc === 'md5' ? md5Verifier(pw, spec.name) : scramVerifier(pw)));
}

const FLAGS = [
  ['superuser', 'SUPERUSER'],
  ['createdb', 'CREATEDB'],
  ['createrole', 'CREATEROLE'],
  ['login', 'LOGIN'],
  ['replication', 'REPLICATION'],
] as const;

/** The role options (as SQL words) that differ between the wanted role and the stored one (all given ones for a new role). */
export function roleOptions(
  spec: RoleSpec,
  role: RoleRow | undefined,
  enc: PasswordEncryption,
): (string | Secret)[] {
  const out: (string | Secret)[] = [];
  const want = { ...spec, login: spec.login ?? (role ? undefined : true) };
  for (const [key, word] of FLAGS) {
    const v = want[key];
    if (v !== undefined && (!role || role[key] !== v)) out.push(v ? word : `NO${word}`);
  }
  const limit = spec.connectionLimit;
  // -1 (no limit) is what a new role gets anyway: saying it would only add noise to the plan
  if (limit !== undefined && (role ? role.connectionLimit !== limit : limit !== -1))
    out.push(`CONNECTION LIMIT ${limit}`);
  if (spec.validUntil !== undefined && !role?.validUntilMatches)
    out.push(`VALID UNTIL ${sqlLiteral(spec.validUntil)}`);
  const verifier = verifierOf(spec, enc);
  if (verifier && !passwordUpToDate(role?.password ?? null, spec, enc)) out.push(verifier);
  return out;
}

/** What a role change is: the statement (a payload, the verifier masked) and a one-line summary. */
export interface RolePlan {
  summary: string;
  sql: Payload;
}

/**
 * Plans CREATE ROLE / ALTER ROLE / DROP ROLE with only the differing attributes; undefined when the role is as
 * wanted. A statement carrying a verifier first turns statement logging off for the session (superuser), so
 * not even the verifier reaches the server log, also not when the statement fails.
 */
export function planRole(spec: RoleSpec, probe: RoleProbe): RolePlan | undefined {
  const { role } = probe;
  const ident = sqlIdent(spec.name);
  if (spec.state === 'absent') {
    return role ? { summary: `DROP ROLE ${ident}`, sql: new Payload([`DROP ROLE ${ident};\n`]) } : undefined;
  }
  const enc = wantedEncryption(spec, probe.encryption);
  const opts = roleOptions(spec, role, enc);
  if (role && opts.length === 0) return undefined;
  const verb = role ? 'ALTER' : 'CREATE';
  const parts: (string | Secret)[] = [];
  if (opts.some((o) => o instanceof Secret))
    parts.push(
      "SET log_statement = 'none';\nSET log_min_duration_statement = -1;\nSET log_min_error_statement = 'panic';\n",
    );
  parts.push(`${verb} ROLE ${ident}`);
  // a verifier holds only base64, `$`, `:` and hex digits: quoting it needs no escapes
  for (const o of opts) parts.push(...(o instanceof Secret ? [" PASSWORD '", o, "'"] : [` ${o}`]));
  parts.push(';\n');
  const words = opts.map((o) => (o instanceof Secret ? "PASSWORD '***'" : o));
  return { summary: `${verb} ROLE ${ident} ${words.join(' ')}`.trimEnd(), sql: new Payload(parts) };
}
