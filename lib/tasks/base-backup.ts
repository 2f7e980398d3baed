import type { JSONSchemaType } from 'ajv';
import { ApplyError, InputError } from '../errors.js';
import { PG_FACTS, type PgFacts, pgFacts, pgFactsKey } from '../facts/pg.js';
import { backupTarget, sqlProbe } from '../facts/probes.js';
import { type Action, copyCluster, exec, makeDir, movePath, writeFile } from '../model/actions.js';
import { sh } from '../model/command.js';
import { lowLevelScript, lowLevelSendCmd, pgBasebackupCmd, pgpassLine, receiveCmd } from '../pg/backup.js';
import {
  asideName,
  COPY_MARKER,
  copyMarker,
  decideTarget,
  type PrimaryView,
  parseTargetState,
} from '../pg/backup-target.js';
import { binDirScript, type PgTarget, pgTarget } from '../pg/target.js';
import { nodeTls, SSL_MODES, type SslMode, sslConninfo } from '../pg/tls.js';
import { Payload, Secret } from '../secret.js';
import { defineTask, type PlanContext } from './define.js';
import { peerAddress, peerTarget } from './pg-peer.js';

/** Arguments of {@link baseBackup}; their meaning is in the schema below (`run-playbook help baseBackup`). */
export interface BaseBackupArgs {
  from: string;
  user?: string;
  password?: string | Secret;
  passfile?: string;
  dataDir?: string;
  method?: 'pg_basebackup' | 'lowlevel';
  replaceExisting?: boolean;
  checkpoint?: 'fast' | 'spread';
  applicationName?: string;
  sslmode?: SslMode;
  sslrootcert?: string;
}

const schema: JSONSchemaType<BaseBackupArgs> = {
  type: 'object',
  properties: {
    from: {
      type: 'string',
      minLength: 1,
      description: 'the primary: an inventory host name (its pg_* variables say how to reach it)',
    },
    user: {
      type: 'string',
      minLength: 1,
      nullable: true,
      description: 'replication role for pg_basebackup (lowlevel runs as the primary superuser instead)',
    },
    // a Secret object from a script, or a string from YAML
    password: {
      anyOf: [{ type: 'string' }, { type: 'object' }],
      description: "the role's password (secret): travels on stdin into a temporary 0600 passfile",
    } as unknown as JSONSchemaType<BaseBackupArgs>['properties']['password'],
    passfile: {
      type: 'string',
      minLength: 1,
      nullable: true,
      description: 'a passfile on the standby host, instead of a password',
    },
    dataDir: {
      type: 'string',
      minLength: 1,
      nullable: true,
      description: "the standby's data dir (default: this host's pg_data_dir)",
    },
    method: {
      type: 'string',
      enum: ['pg_basebackup', 'lowlevel'],
      nullable: true,
      default: 'pg_basebackup',
      description: 'lowlevel streams a tar between the hosts and works for every major 10-18',
    },
    replaceExisting: {
      type: 'boolean',
      nullable: true,
      default: false,
      description: 'move a running or foreign data dir aside (never deleted) instead of refusing',
    },
    checkpoint: {
      type: 'string',
      enum: ['fast', 'spread'],
      nullable: true,
      default: 'fast',
      description: 'the checkpoint at backup start',
    },
    applicationName: {
      type: 'string',
      minLength: 1,
      nullable: true,
      description: "application_name of the copy's replication connection (default: this host's name)",
    },
    sslmode: {
      type: 'string',
      enum: [...SSL_MODES],
      nullable: true,
      default: 'disable',
      description:
        "pg_basebackup's TLS: disable (libpq's default), require, verify-full (replication_sslmode)",
    },
    sslrootcert: {
      type: 'string',
      minLength: 1,
      nullable: true,
      description:
        'the CA certificate on this host for verify-full (default: <data dir>.root.crt, from tlsFiles)',
    },
  },
  required: ['from'],
  additionalProperties: false,
};

const asSecret = (p: string | Secret | undefined): Secret | undefined =>
  p === undefined ? undefined : p instanceof Secret ? p : new Secret(p);

/** The primary's current timeline (a target on a newer one was promoted): from its facts, else asked. */
async function primaryTimeline(ctx: PlanContext, from: string, pt: PgTarget, p: PgFacts): Promise<number> {
  if (p.timeline) return p.timeline;
  const sql = 'SELECT timeline_id FROM pg_control_checkpoint()';
  const r = await ctx.factsOf(from).run(sqlProbe(pt, sql), { user: pt.osUser });
  const tl = r.code === 0 ? Number(r.stdout.trim()) : 0;
  if (!tl) throw new ApplyError(`the primary ${from} does not answer: ${r.stderr.trim().split('\n').pop()}`);
  return tl;
}

/** The primary's data size for a copy's prediction (`~52 MB`). */
export async function primarySize(ctx: PlanContext, from: string, pt: PgTarget): Promise<string> {
  const sql = 'SELECT pg_size_pretty(sum(pg_database_size(oid))::bigint) FROM pg_database';
  const r = await ctx.factsOf(from).run(sqlProbe(pt, sql), { user: pt.osUser });
  return r.code === 0 ? `~${r.stdout.trim()}` : 'the data';
}

/** The copy itself (pg_basebackup or the low-level tar between the hosts); rejoin reuses it. */
export function copyAction(
  ctx: PlanContext,
  args: BaseBackupArgs,
  t: PgTarget,
  dataDir: string,
  p: PgFacts,
  size: string,
  clientMajor: number,
): Action {
  const from = args.from;
  const pt = peerTarget(ctx, from);
  const fast = (args.checkpoint ?? 'fast') === 'fast';
  const prediction = `would copy ${size} from ${from}:${p.dataDir} to ${dataDir}`;
  if ((args.method ?? 'pg_basebackup') === 'lowlevel') {
    return copyCluster({
      from,
      source: `${from}:${p.dataDir}`,
      targetDir: dataDir,
      send: {
        cmd: lowLevelSendCmd(pt),
        stdin: new Payload([lowLevelScript(p.version, p.dataDir, fast)]),
        user: pt.osUser,
      },
      receive: { cmd: receiveCmd(dataDir), user: t.osUser },
      prediction: `${prediction} (low-level backup: tar between the hosts, label written byte-exact)`,
    });
  }
  if (!args.user) throw new InputError(`baseBackup: method pg_basebackup needs 'user' (a replication role)`);
  if (clientMajor < p.version)
    throw new ApplyError(
      `pg_basebackup on ${ctx.host} is ${clientMajor || 'missing'}, the primary is ${p.version}: pg_basebackup refuses a newer server; use method: lowlevel`,
    );
  const password = asSecret(args.password);
  const addr = peerAddress(ctx, from);
  const cmd = pgBasebackupCmd(t, dataDir, {
    host: addr,
    port: pt.port,
    user: args.user,
    applicationName: args.applicationName ?? ctx.host,
    passfile: args.passfile,
    fromStdin: password !== undefined,
    fast,
    ssl: sslConninfo(args.sslmode ?? 'disable', args.sslrootcert ?? nodeTls(dataDir).caFile),
  });
  const stdin = password ? pgpassLine(addr, pt.port, args.user, password) : undefined;
  return exec({
    summary: `pg_basebackup from ${addr}:${pt.port} into ${dataDir}`,
    cmd,
    stdin,
    user: t.osUser,
    prediction,
    // a copy takes as long as the data needs: bounded by a day rather than the engine's 1 h for commands
    timeoutSec: 24 * 3600,
  });
}

/**
 * After a copy, the standby's data dir holds the primary's config files (those kept in the data dir), a
 * backup_label and a stopped cluster with the primary's version and system identifier: a check run plans later tasks against that.
 */
export async function predictCopy(ctx: PlanContext, from: string, p: PgFacts, t: PgTarget, dataDir: string) {
  const own = await pgFacts(ctx.facts, t);
  const inData = p.configFile.startsWith(`${p.dataDir}/`);
  const names = [
    'postgresql.auto.conf',
    ...(inData ? ['postgresql.conf', 'pg_hba.conf', 'pg_ident.conf'] : []),
  ];
  const user = peerTarget(ctx, from).osUser;
  const read = (n: string) => ctx.factsOf(from).file(`${p.dataDir}/${n}`, { user });
  const files = await Promise.all(names.map(async (n) => ({ ...(await read(n)), path: `${dataDir}/${n}` })));
  // the copy brings a backup_label (its content is known only after the copy): the standby task plans on it
  const label = '(prediction) the backup label of this copy\n';
  files.push({ path: `${dataDir}/backup_label`, exists: true, isDir: false, content: label, mode: '0600' });
  const predicted: PgFacts = {
    ...own,
    running: false,
    version: p.version,
    inRecovery: false,
    systemIdentifier: p.systemIdentifier,
  };
  return { files, facts: { [pgFactsKey(t)]: predicted } };
}

/** Clones a primary into this host's data dir (pg_basebackup or the low-level API); no-op for a replica of it. */
export const baseBackup = defineTask<BaseBackupArgs>({
  name: 'baseBackup',
  description: 'clone a primary into the standby data dir (pg_basebackup or low-level backup + copy)',
  schema,
  secretArgs: ['password'],
  async plan(ctx, args) {
    const t = pgTarget(ctx.vars, args.dataDir ? { dataDir: args.dataDir } : {});
    const dataDir = t.dataDir;
    if (!dataDir) throw new InputError('baseBackup: no data dir (set dataDir or pg_data_dir)');
    const pt = peerTarget(ctx, args.from);
    const p = await pgFacts(ctx.factsOf(args.from), pt);
    if (!p.running || !p.systemIdentifier)
      throw new ApplyError(`the primary ${args.from} does not answer: ${p.downReason ?? 'not running'}`);
    // this host's own facts are read beside the target's state (only reads): the tasks after this one need them
    const [probe, timeline, ownFacts] = await Promise.all([
      ctx.facts.read(backupTarget(t, dataDir), { user: t.osUser }),
      primaryTimeline(ctx, args.from, pt, p),
      pgFacts(ctx.facts, t),
    ]);
    const state = parseTargetState(probe);
    const primary: PrimaryView = { name: args.from, systemIdentifier: p.systemIdentifier, timeline };
    // a server running there says itself whether it is in recovery
    const own = state.running ? ownFacts : undefined;
    const d = decideTarget(state, primary, {
      host: ctx.host,
      dataDir,
      replaceExisting: !!args.replaceExisting,
      ...(own?.running ? { inRecovery: own.inRecovery } : {}),
    });
    if (d.kind === 'same') return { actions: [], reason: d.reason };
    const actions: Action[] = [];
    if (d.stop)
      actions.push(
        exec({
          summary: `stop the server in ${dataDir}`,
          cmd: sh`${binDirScript(t)}; "$B/pg_ctl" -D ${dataDir} -m fast -w stop`,
          user: t.osUser,
          prediction: `would stop the server running in ${dataDir}`,
        }),
      );
    if (d.moveAside) {
      const to = asideName(dataDir, new Date(), d.incomplete ? 'incomplete' : 'replaced');
      actions.push(movePath({ from: dataDir, to, user: t.osUser }));
    }
    if (d.create) actions.push(makeDir({ path: dataDir, mode: '0700', owner: t.osUser }));
    // both only read: the primary's size for the copy's summary, and (check mode) what the copy would bring
    const [size, predicts] = await Promise.all([
      primarySize(ctx, args.from, pt),
      ctx.check ? predictCopy(ctx, args.from, p, t, dataDir) : undefined,
    ]);
    actions.push(copyAction(ctx, args, t, dataDir, p, size, state.clientMajor));
    // written only once the copy succeeded: without it, a rerun knows the copy did not finish
    actions.push(
      writeFile({
        path: `${dataDir}/${COPY_MARKER}`,
        before: null,
        after: copyMarker(ctx.host, dataDir, p.systemIdentifier),
        mode: '0600',
        user: t.osUser,
      }),
    );
    const reason = d.incomplete
      ? `${dataDir} holds an interrupted copy (no ${COPY_MARKER}): moved aside, never deleted, and copied again`
      : undefined;
    return {
      actions,
      invalidates: [PG_FACTS],
      predicts,
      data: { systemIdentifier: p.systemIdentifier },
      ...(reason ? { reason } : {}),
    };
  },
});
