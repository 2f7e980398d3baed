import type { JSONSchemaType } from 'ajv';
import { ApplyError, CommandError, InputError } from '../errors.js';
import { pgFacts } from '../facts/pg.js';
import { sqlProbe } from '../facts/probes.js';
import { exec } from '../model/actions.js';
import { parseRoleProbe, planRole, type RoleSpec, roleProbeSql } from '../pg/role.js';
import { pgTarget, psql } from '../pg/target.js';
import { type Payload, Secret } from '../secret.js';
import { defineTask } from './define.js';

/** Arguments of {@link ensureUser}: the wanted role; the password may be given as plain text (it is hashed here). */
export interface EnsureUserArgs extends Omit<RoleSpec, 'password'> {
  password?: string | Secret;
}

/** An optional role attribute: undefined leaves it as it is. */
const attr = (description: string) => ({ type: 'boolean', nullable: true, description }) as const;

const schema: JSONSchemaType<EnsureUserArgs> = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 63, description: 'the role name' },
    login: attr('LOGIN (a new role gets it unless false)'),
    replication: attr('REPLICATION (unset: left as it is)'),
    superuser: attr('SUPERUSER (unset: left as it is)'),
    createdb: attr('CREATEDB (unset: left as it is)'),
    createrole: attr('CREATEROLE (unset: left as it is)'),
    connectionLimit: {
      type: 'integer',
      minimum: -1,
      nullable: true,
      description: 'CONNECTION LIMIT; -1: no limit (unset: left as it is)',
    },
    // a Secret object from a script (no enumerable properties), or a non-empty string from YAML
    password: {
      anyOf: [
        { type: 'string', minLength: 1 },
        { type: 'object', maxProperties: 0 },
      ],
      description: 'secret: hashed on the controller, only the verifier reaches the host',
    } as unknown as JSONSchemaType<EnsureUserArgs>['properties']['password'],
    passwordEncryption: {
      type: 'string',
      enum: ['scram-sha-256', 'md5'],
      nullable: true,
      description: "how the password is hashed (default: what the server's password_encryption says)",
    },
    state: {
      type: 'string',
      enum: ['present', 'absent'],
      nullable: true,
      default: 'present',
      description: 'absent drops the role',
    },
    validUntil: {
      type: 'string',
      minLength: 1,
      nullable: true,
      description: 'VALID UNTIL: a timestamp PostgreSQL accepts, or infinity',
    },
  },
  required: ['name'],
  additionalProperties: false,
};

/**
 * The password as a Secret. An empty value (`password: ~`, an unset variable rendered as "", an empty
 * environment variable) or a mapping ("[object Object]") would replace a working password: InputError.
 */
function passwordOf(p: unknown): Secret | undefined {
  if (p === undefined) return undefined;
  if (p instanceof Secret && p.test((v) => v.length > 0)) return p;
  if (typeof p === 'string' && p !== '') return new Secret(p);
  const got = p instanceof Secret || p === '' ? 'an empty value' : p === null ? 'null' : `a ${typeof p}`;
  throw new InputError(
    `ensureUser: password must be a non-empty string, got ${got}; the role is left as it is`,
  );
}

/**
 * A PostgreSQL role with the given attributes and password (or absent). The password is hashed here
 * (SCRAM-SHA-256, or md5 when asked or when the server's password_encryption says so); the verifier goes to psql
 * on stdin with statement logging off for that session, never in argv. A rerun with the same password is `ok`:
 * the stored verifier is recomputed with its own salt and iteration count.
 */
export const ensureUser = defineTask<EnsureUserArgs>({
  name: 'ensureUser',
  description: 'a PostgreSQL role with attributes and a password hashed on the controller (or absent)',
  schema,
  secretArgs: ['password'],
  async plan(ctx, args) {
    const password = passwordOf(args.password);
    const t = pgTarget(ctx.vars);
    const facts = await pgFacts(ctx.facts, t);
    if (!facts.running)
      throw new ApplyError(`ensureUser needs a running server: ${facts.downReason ?? 'it does not answer'}`);
    if (facts.inRecovery)
      throw new ApplyError(
        'ensureUser: the server is a standby (in recovery); roles are managed on the primary',
      );
    const spec = { ...args, password };
    const cmd = psql(t);
    const r = await ctx.facts.run(sqlProbe(t, roleProbeSql(args.name, args.validUntil)), { user: t.osUser });
    if (r.code !== 0) throw new CommandError(ctx.host, `read role ${args.name}`, r.code, r.stderr);
    const planned = planRole(spec, parseRoleProbe(r.stdout));
    if (!planned)
      return {
        actions: [],
        reason: `role ${args.name} is ${args.state === 'absent' ? 'absent' : 'as wanted'}`,
      };
    const stdin: Payload = planned.sql;
    return { actions: [exec({ summary: planned.summary, cmd, stdin, showStdin: true, user: t.osUser })] };
  },
});
