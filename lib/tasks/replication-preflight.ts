import type { JSONSchemaType } from 'ajv';
import { ApplyError, CommandError } from '../errors.js';
import type { Facts } from '../facts/facts.js';
import { pgFacts } from '../facts/pg.js';
import { backupTarget, sqlProbe, standbyHostProbe, tarProbe } from '../facts/probes.js';
import { parseTargetState } from '../pg/backup-target.js';
import type { CopyMethodWanted } from '../pg/copy-method.js';
import type { HostRuleType } from '../pg/preflight-check.js';
import {
  type Check,
  formatCheck,
  type PreflightWanted,
  preflightChecks,
  type StandbyFound,
} from '../pg/preflight-checks.js';
import { parsePrimaryProbe, parseStandbyProbe, primaryProbeSql } from '../pg/preflight-probe.js';
import { slotName } from '../pg/slots.js';
import { type SyncMode, syncChecks } from '../pg/sync-standbys.js';
import { pgTarget } from '../pg/target.js';
import { defineTask, type PlanContext } from './define.js';
import { checkInventoryPrimary } from './pg-inventory-primary.js';
import { peerAddress, peerVars } from './pg-peer.js';

/** Arguments of {@link replicationPreflight}. */
export interface ReplicationPreflightArgs {
  /** the primary's inventory name */
  primary: string;
  /** the standbys' inventory names */
  standbys: string[];
  /** the replication role, its pg_hba method and the verifier ensureUser stores */
  user: string;
  authMethod: string;
  passwordEncryption: 'scram-sha-256' | 'md5';
  connectionLimit?: number;
  /** what the playbook sets on the primary (else the current values count) */
  walLevel?: string;
  maxWalSenders?: number;
  maxReplicationSlots?: number;
  /** one physical slot per standby */
  slots: boolean;
  copyMethod: CopyMethodWanted;
  replaceExisting?: boolean;
  /** the type of the replication rule the playbook writes: hostssl over TLS, which also removes the host rule */
  hbaType?: HostRuleType;
  /** synchronous standbys (lib/pg/sync-standbys.ts): checked, warned about, set by the primary role */
  synchronousStandbys?: string[];
  synchronousMode?: SyncMode;
  synchronousCount?: number;
}

const str = (description: string) => ({ type: 'string', minLength: 1, description }) as const;

const schema: JSONSchemaType<ReplicationPreflightArgs> = {
  type: 'object',
  properties: {
    primary: str("the primary's inventory name"),
    standbys: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      description: "the standbys' inventory names",
    },
    user: str('the replication role'),
    authMethod: str('the pg_hba method of the replication rule the playbook writes (e.g. scram-sha-256)'),
    passwordEncryption: {
      type: 'string',
      enum: ['scram-sha-256', 'md5'],
      description: 'how ensureUser stores the replication password (the verifier the rule must accept)',
    },
    connectionLimit: {
      type: 'integer',
      minimum: -1,
      nullable: true,
      description: "the replication role's CONNECTION LIMIT (walsenders count against it on 10-12)",
    },
    walLevel: {
      type: 'string',
      minLength: 1,
      nullable: true,
      description: 'the wal_level the playbook sets on the primary (else the current value counts)',
    },
    maxWalSenders: {
      type: 'integer',
      minimum: 0,
      nullable: true,
      description: 'the max_wal_senders the playbook sets (else the current value counts)',
    },
    maxReplicationSlots: {
      type: 'integer',
      minimum: 0,
      nullable: true,
      description: 'the max_replication_slots the playbook sets (else the current value counts)',
    },
    slots: { type: 'boolean', description: 'one physical replication slot per standby' },
    copyMethod: {
      type: 'string',
      enum: ['auto', 'pg_basebackup', 'lowlevel'],
      description: 'how standbys are copied; auto: pg_basebackup when the client can copy from this server',
    },
    replaceExisting: {
      type: 'boolean',
      nullable: true,
      default: false,
      description: 'a standby data dir holding another cluster may be moved aside (never deleted)',
    },
    hbaType: {
      type: 'string',
      enum: ['host', 'hostssl', 'hostnossl', 'hostgssenc', 'hostnogssenc'],
      nullable: true,
      default: 'host',
      description:
        'the type of the replication rule the playbook writes (hostssl over TLS, which also removes the host rule)',
    },
    synchronousStandbys: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      nullable: true,
      description: 'the inventory hosts of synchronous_standby_names (empty: not set)',
    },
    synchronousMode: {
      type: 'string',
      enum: ['first', 'any', 'off'],
      nullable: true,
      default: 'first',
      description: 'FIRST n (priority), ANY n (quorum), or off (synchronous_standby_names emptied)',
    },
    synchronousCount: {
      type: 'integer',
      nullable: true,
      default: 1,
      description: 'n: how many synchronous standbys confirm each commit',
    },
  },
  required: ['primary', 'standbys', 'user', 'authMethod', 'passwordEncryption', 'slots', 'copyMethod'],
  additionalProperties: false,
};

const factsFor = (ctx: PlanContext, host: string): Facts =>
  host === ctx.host ? ctx.facts : ctx.factsOf(host);

async function readStandby(ctx: PlanContext, host: string): Promise<StandbyFound> {
  const t = pgTarget(peerVars(ctx, host));
  const dir = t.dataDir ?? '';
  const f = factsFor(ctx, host);
  const [target, probe] = await f.memo(`preflight:standby:${dir}`, () =>
    Promise.all([
      f.read(backupTarget(t, dir), { user: t.osUser }).then(parseTargetState),
      f.read(standbyHostProbe(t, dir), { user: t.osUser }).then(parseStandbyProbe),
    ]),
  );
  return { host, address: peerAddress(ctx, host), probe, target };
}

/** The primary's side, read once per run (every host's preflight shares it). */
function readPrimary(ctx: PlanContext, host: string, user: string) {
  const f = factsFor(ctx, host);
  return f.memo(`preflight:primary:${user}`, () => probePrimary(ctx, f, host, user));
}

async function probePrimary(ctx: PlanContext, f: Facts, host: string, user: string) {
  const t = pgTarget(peerVars(ctx, host));
  // all only read, sent together so that they go in one batch: the probe's answer is looked at only once the
  // facts say the server is a running primary; tar is what the primary's side of a copy needs
  const [facts, r, tar] = await Promise.all([
    pgFacts(f, t),
    f.run(sqlProbe(t, primaryProbeSql(user)), { user: t.osUser }),
    f.read(tarProbe(), { user: t.osUser }).then((out) => out.trim() === 'tar'),
  ]);
  if (!facts.running || !facts.systemIdentifier)
    throw new ApplyError(
      `preflight: the primary ${host} does not answer: ${facts.downReason ?? 'not running'}`,
    );
  if (facts.inRecovery)
    throw new ApplyError(
      `preflight: ${host} of the primary group is in recovery (a standby) and no other node answers as the primary: promote one (playbooks/promote.yml) and make it the primary in the inventory`,
    );
  if (r.code !== 0) throw new CommandError(host, 'preflight probe of the primary', r.code, r.stderr);
  const hba = await f.file(facts.hbaFile, { user: t.osUser });
  return {
    probe: parsePrimaryProbe(r.stdout),
    sysid: facts.systemIdentifier,
    hba,
    tar,
    hbaFile: facts.hbaFile,
  };
}

/** The checks this host reports: its own, and the primary's too when the primary is not in this run. */
function mine(ctx: PlanContext, checks: Check[], primary: string): Check[] {
  const playHosts = (ctx.vars.play_hosts as string[] | undefined) ?? [];
  return checks.filter((c) => c.host === ctx.host || (c.host === primary && !playHosts.includes(primary)));
}

/**
 * Everything that can be checked before the first write, on the primary and every standby, in one pass that
 * writes nothing: wal_level, walsenders and slots for all standbys, the replication login against pg_hba and
 * the stored verifier, major versions, the copy method (decided here, from the versions found), free disk,
 * the standby's data dir. Each host fails on its own failed checks, naming what was found and what to set.
 */
export const replicationPreflight = defineTask<ReplicationPreflightArgs>({
  name: 'replicationPreflight',
  description: 'check primary and standbys before any change; decide the copy method (writes nothing)',
  schema,
  async plan(ctx, args) {
    // every read at once (none writes); a failure is reported in this order, the most telling first: the
    // inventory naming the wrong primary explains a primary that is in recovery
    const [inventory, primary, found] = await Promise.allSettled([
      checkInventoryPrimary(ctx, args.primary, args.standbys),
      readPrimary(ctx, args.primary, args.user),
      Promise.all(args.standbys.map((h) => readStandby(ctx, h))),
    ]);
    if (inventory.status === 'rejected') throw inventory.reason;
    if (primary.status === 'rejected') throw primary.reason;
    if (found.status === 'rejected') throw found.reason;
    const [p, standbys] = [primary.value, found.value];
    const wanted: PreflightWanted = {
      user: args.user,
      authMethod: args.authMethod,
      passwordEncryption: args.passwordEncryption,
      connectionLimit: args.connectionLimit,
      walLevel: args.walLevel,
      maxWalSenders: args.maxWalSenders,
      maxSlots: args.maxReplicationSlots,
      slots: args.slots,
      copyMethod: args.copyMethod,
      replaceExisting: !!args.replaceExisting,
      hbaType: args.hbaType ?? 'host',
    };
    const { checks, methods } = preflightChecks({
      primaryHost: args.primary,
      primary: p.probe,
      primarySysid: p.sysid,
      primaryTar: p.tar,
      hbaText: p.hba.content ?? '',
      hbaFile: p.hbaFile,
      standbys,
      wanted,
    });
    checks.push(
      ...syncChecks(args.primary, args.standbys, {
        mode: args.synchronousMode ?? 'first',
        count: args.synchronousCount ?? 1,
        names: args.synchronousStandbys ?? [],
      }),
    );
    const own = mine(ctx, checks, args.primary);
    for (const c of own) ctx.progress(formatCheck(c));
    const failed = own.filter((c) => !c.ok);
    if (failed.length > 0)
      throw new ApplyError(
        `preflight failed, nothing was changed:\n${failed.map((c) => `  ${c.host}: ${formatCheck(c)}`).join('\n')}`,
      );
    const isStandby = args.standbys.includes(ctx.host);
    const data = {
      primaryVersion: p.probe.version,
      backupMethod: methods[ctx.host] ?? (args.copyMethod === 'auto' ? 'lowlevel' : args.copyMethod),
      slot: isStandby && args.slots ? slotName(ctx.host) : null,
      // a real boolean for `when:` (`-e pg_replication_slots=false` is the string "false", coerced by the schema)
      slots: args.slots,
      checks: own,
    };
    return { actions: [], reason: `${own.length} preflight check(s) passed`, data };
  },
});
