import type { JSONSchemaType } from 'ajv';
import { ApplyError, InputError } from '../errors.js';
import { pgFacts } from '../facts/pg.js';
import { type Action, exec, writeFile } from '../model/actions.js';
import { HBA_CONN_TYPES, validateRule } from '../pg/hba.js';
import { ensureRule, type HbaChange, type HbaRuleSpec, specToRule } from '../pg/hba-edit.js';
import { pgTarget, psql } from '../pg/target.js';
import { LINE_PATTERNS } from '../playbook/schema.js';
import { Payload } from '../secret.js';
import { defineTask } from './define.js';
import { putBack, verifyHba } from './pg-conf-verify.js';

/**
 * Arguments of {@link hbaRule}: the pg_hba module's record ({@link HbaRuleSpec}, identified by type, database, user
 * and address), whether it is wanted, and the file. Their meaning is in the schema below (`run-playbook help hbaRule`).
 */
export interface HbaRuleArgs extends HbaRuleSpec {
  state?: 'present' | 'absent';
  path?: string;
}

const schema: JSONSchemaType<HbaRuleArgs> = {
  type: 'object',
  properties: {
    // one pg_hba.conf line: nothing that could end the record (hba-values.ts says why, with better messages)
    type: { type: 'string', enum: [...HBA_CONN_TYPES], description: 'the connection type' },
    database: {
      type: 'string',
      minLength: 1,
      pattern: LINE_PATTERNS.oneField,
      description: 'as written in the file: all, db1,db2, "my db", replication',
    },
    user: {
      type: 'string',
      minLength: 1,
      pattern: LINE_PATTERNS.oneField,
      description: 'as written in the file: all, u1,u2, +group',
    },
    address: {
      type: 'string',
      minLength: 1,
      nullable: true,
      pattern: LINE_PATTERNS.oneLine,
      description: 'CIDR, "ip mask", host name or keyword (samehost, samenet, all); not for local',
    },
    method: {
      type: 'string',
      minLength: 1,
      pattern: '^[a-z0-9-]+$',
      description: 'auth method: scram-sha-256, md5, peer, trust, reject…',
    },
    options: {
      type: 'object',
      required: [],
      propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
      additionalProperties: { type: 'string', pattern: LINE_PATTERNS.oneLineNoQuote },
      nullable: true,
      description: 'auth options as name: value (e.g. map: admins)',
    },
    state: {
      type: 'string',
      enum: ['present', 'absent'],
      nullable: true,
      default: 'present',
      description: 'absent removes every record with this identity',
    },
    path: {
      type: 'string',
      minLength: 1,
      nullable: true,
      description: "the file to edit (default: the server's hba_file)",
    },
  },
  required: ['type', 'database', 'user', 'method'],
  additionalProperties: false,
};

/** Checks the rule for the server's version before anything is written; problems are InputErrors. */
function validateFor(args: HbaRuleArgs, version: number): void {
  const rule = specToRule(args);
  // no cluster found (version 0): judge by the newest PostgreSQL
  const problems = validateRule(rule, version || Number.POSITIVE_INFINITY);
  if (problems.length > 0)
    throw new InputError(`hbaRule: ${problems.join('; ')}${version ? ` (PostgreSQL ${version})` : ''}`);
}

/** A rule that exists but is never reached is the classic pg_hba mistake: say so instead of reporting ok. */
function refuseShadowed(change: HbaChange, path: string): void {
  if (change.shadowedBy === undefined) return;
  throw new ApplyError(
    `${path}:${change.line}: the rule is shadowed by the earlier rule at line ${change.shadowedBy}, which matches the same connections first; remove or narrow that rule`,
  );
}

/**
 * One pg_hba.conf record present (with this method and options) or absent. A new record goes before the first
 * record that would match the same connections (pg_hba is first-match); nothing else in the file changes.
 * A running server is reloaded and its `pg_hba_file_rules` checked.
 */
export const hbaRule = defineTask<HbaRuleArgs>({
  name: 'hbaRule',
  description: 'one pg_hba.conf record present or absent, placed before any record that would shadow it',
  schema,
  async plan(ctx, args) {
    const t = pgTarget(ctx.vars);
    const facts = await pgFacts(ctx.facts, t);
    validateFor(args, facts.version);
    const path = args.path ?? facts.hbaFile;
    if (!path) throw new InputError('hbaRule: no path given and no server found to ask for its hba_file');
    const st = await ctx.facts.file(path, { user: t.osUser });
    if (!st.exists || st.content === null) throw new ApplyError(`${path}: no such file`);
    const state = args.state ?? 'present';
    const { text, change } = ensureRule(st.content, args, state, { file: path });
    if (state === 'present') refuseShadowed(change, path);
    if (change.kind === 'none')
      return {
        actions: [],
        reason: `${path}: rule ${state === 'absent' ? 'absent' : `at line ${change.line}`}`,
        data: { line: change.line },
      };
    const actions: Action[] = [writeFile({ path, before: st.content, after: text, user: t.osUser })];
    if (!facts.running)
      return { actions, data: { line: change.line }, reason: 'the server is not running: no reload' };
    actions.push(
      exec({
        summary: 'reload the server (pg_reload_conf)',
        cmd: psql(t),
        stdin: new Payload(['SELECT pg_reload_conf();\n']),
        showStdin: true,
        user: t.osUser,
      }),
    );
    return {
      actions,
      data: { line: change.line },
      verify: verifyHba(t, facts.version, path, { line: change.line }),
      undo: putBack(actions),
    };
  },
});
