import type { JSONSchemaType } from 'ajv';
import { ApplyError, InputError } from '../errors.js';
import type { FileState } from '../facts/file.js';
import { PG_FACTS, type PgFacts, pgFacts } from '../facts/pg.js';
import { type Action, writeFile } from '../model/actions.js';
import { type ConfValue, removeSettings, setSettings } from '../pg/conf-edit.js';
import { pgpassUpToDate, pgpassWith } from '../pg/pgpass.js';
import {
  defaultPassfile,
  primaryConninfo,
  RECOVERY_TARGETS,
  recoveryConf,
  type StandbyWanted,
  standbySettings,
  usesRecoveryConf,
} from '../pg/standby-conf.js';
import { type PgTarget, pgTarget } from '../pg/target.js';
import { nodeTls, SSL_MODES, type SslMode } from '../pg/tls.js';
import { Secret } from '../secret.js';
import { defineTask, type PlanContext } from './define.js';

/** Arguments of {@link standby}; their meaning is in the schema below (`run-playbook help standby`). */
export interface StandbyArgs {
  dataDir?: string;
  primary: {
    host: string;
    port?: number;
    user: string;
    passfile?: string;
    password?: string | Secret;
    sslmode?: SslMode;
    sslrootcert?: string;
  };
  restoreCommand?: string;
  applicationName?: string;
  slot?: string;
  promoteTriggerFile?: string;
}

type PrimarySchema = JSONSchemaType<StandbyArgs['primary']>;
const optString = (description: string) =>
  ({ type: 'string', minLength: 1, nullable: true, description }) as const;

const schema: JSONSchemaType<StandbyArgs> = {
  type: 'object',
  properties: {
    dataDir: optString("the standby's data dir (default: this host's pg_data_dir)"),
    primary: {
      type: 'object',
      description: 'how the standby connects to the primary (primary_conninfo)',
      properties: {
        host: { type: 'string', minLength: 1, description: 'host name or address of the primary' },
        port: {
          type: 'integer',
          minimum: 1,
          maximum: 65535,
          nullable: true,
          default: 5432,
          description: "the primary's port",
        },
        user: { type: 'string', minLength: 1, description: 'the replication role' },
        passfile: optString(
          'a passfile on this host; with password, where the password is written (default: <data dir>.pgpass, one per cluster)',
        ),
        // a Secret object from a script, or a string from YAML
        password: {
          anyOf: [{ type: 'string' }, { type: 'object' }],
          description:
            'secret: written to the passfile (0600, owned by the server user), never into primary_conninfo',
        } as unknown as PrimarySchema['properties']['password'],
        sslmode: {
          type: 'string',
          enum: [...SSL_MODES],
          nullable: true,
          description:
            'TLS of the connection: disable (nothing added: libpq default), require, verify-full (replication_sslmode)',
        },
        sslrootcert: optString(
          'the CA certificate on this host for verify-full (default: <data dir>.root.crt)',
        ),
      },
      required: ['host', 'user'],
      additionalProperties: false,
    },
    restoreCommand: optString('restore_command, to fetch archived WAL the primary no longer has'),
    applicationName: optString("application_name the primary sees (default: this host's inventory name)"),
    slot: optString('primary_slot_name: the physical replication slot on the primary to stream from'),
    promoteTriggerFile: optString('trigger_file (up to 11) / promote_trigger_file (12-15); an error on 16+'),
  },
  required: ['primary'],
  additionalProperties: false,
};

/** The TLS part of the connection; nothing for disable, so a cluster without TLS keeps its primary_conninfo. */
function tlsConn(p: StandbyArgs['primary'], dataDir: string): { sslmode?: SslMode; sslrootcert?: string } {
  if (!p.sslmode || p.sslmode === 'disable') return {};
  return { sslmode: p.sslmode, sslrootcert: p.sslrootcert ?? nodeTls(dataDir).caFile };
}

/** A whole-file edit as the server user, when the text changes. */
async function edit(
  ctx: PlanContext,
  t: PgTarget,
  path: string,
  fn: (text: string) => string,
  mode?: string,
): Promise<Action[]> {
  const f = await ctx.facts.file(path, { user: t.osUser });
  const before = f.exists ? (f.content ?? '') : null;
  const after = fn(before ?? '');
  if (before !== null && after === before) return [];
  if (before === null && after === '' && mode === undefined) return [];
  return [writeFile({ path, before, after, user: t.osUser, ...(mode ? { mode } : {}) })];
}

/**
 * The passfile's line for this primary (host:port:user), other lines (a user's own ~/.pgpass) kept. Compared for
 * real (the password is tested, never revealed); written through the one file writer, content on stdin only.
 */
async function passfileActions(
  ctx: PlanContext,
  t: PgTarget,
  path: string,
  args: StandbyArgs,
  port: number,
): Promise<Action[]> {
  const pw = args.primary.password;
  if (pw === undefined) return [];
  const secret = pw instanceof Secret ? pw : new Secret(pw);
  const key = { host: args.primary.host, port, user: args.primary.user };
  const f = await ctx.facts.file(path, { user: t.osUser });
  const before = f.exists ? (f.content ?? '') : null;
  const attrs = f.mode === '0600' && f.owner === t.osUser;
  if (before !== null && attrs && pgpassUpToDate(before, key, secret)) return [];
  const after = pgpassWith(before ?? '', key, secret);
  return [writeFile({ path, before, after, mode: '0600', owner: t.osUser, user: t.osUser })];
}

async function confActions(
  ctx: PlanContext,
  t: PgTarget,
  version: number,
  configFile: string,
  w: StandbyWanted,
): Promise<Action[]> {
  const dir = t.dataDir ?? '';
  const own: Record<string, ConfValue> = usesRecoveryConf(version) ? {} : standbySettings(version, w);
  // after a copy the conf is the primary's: the port this host's server must use comes from pg_port
  if (ctx.vars.pg_port !== undefined) own.port = t.port;
  const out = await edit(ctx, t, configFile, (s) => {
    const set = setSettings(s, own, { file: configFile, version }).text;
    return usesRecoveryConf(version) ? set : removeSettings(set, RECOVERY_TARGETS, { file: configFile }).text;
  });
  if (usesRecoveryConf(version)) {
    out.push(...(await edit(ctx, t, `${dir}/recovery.conf`, () => recoveryConf(w), '0600')));
    return out;
  }
  // postgresql.auto.conf is read last: a primary_conninfo left there by `pg_basebackup -R` would win
  const names = [...Object.keys(own), ...RECOVERY_TARGETS];
  out.push(...(await edit(ctx, t, `${dir}/postgresql.auto.conf`, (s) => removeSettings(s, names).text)));
  const signal = await ctx.facts.file(`${dir}/standby.signal`, { user: t.osUser });
  if (!signal.exists)
    out.push(
      writeFile({ path: `${dir}/standby.signal`, before: null, after: '', mode: '0600', user: t.osUser }),
    );
  // 12+ refuses to start while a recovery.conf exists
  const stray = await ctx.facts.file(`${dir}/recovery.conf`, { user: t.osUser });
  if (stray.exists)
    out.push(writeFile({ path: stray.path, before: stray.content ?? '', after: null, user: t.osUser }));
  return out;
}

/**
 * Why this data dir is (or has been) a primary, never to be made a standby: a server that answers out of
 * recovery, or a stopped cluster with none of standby.signal, recovery.conf and a fresh copy's backup_label
 * (the server removes them when it is promoted or starts as a primary).
 */
function primaryWhy(f: PgFacts, marks: readonly FileState[]): string | undefined {
  if (f.running)
    return f.inRecovery ? undefined : 'the server answers and is not in recovery (pg_is_in_recovery() = f)';
  if (marks.some((m) => m.exists)) return undefined;
  return 'it has run as a primary: no standby.signal, recovery.conf or backup_label';
}

/** Version-aware standby configuration: recovery.conf (≤ 11) or standby.signal + settings (≥ 12). */
export const standby = defineTask<StandbyArgs>({
  name: 'standby',
  description:
    'configure a data dir as a streaming standby of a primary (version-aware, passfile, no inline password)',
  schema,
  secretArgs: ['primary.password'],
  async plan(ctx, args) {
    const t = pgTarget(ctx.vars, args.dataDir ? { dataDir: args.dataDir } : {});
    if (!t.dataDir) throw new InputError('standby: no data dir (set dataDir or pg_data_dir)');
    const f = await pgFacts(ctx.facts, t);
    if (f.version === 0) {
      if (ctx.check)
        return {
          actions: [],
          reason: `no cluster in ${t.dataDir} yet (a base backup would make one): nothing to plan against`,
        };
      throw new InputError(`standby: ${t.dataDir} holds no cluster (no PG_VERSION)`);
    }
    const port = args.primary.port ?? 5432;
    const passfile =
      args.primary.passfile ?? (args.primary.password !== undefined ? defaultPassfile(t.dataDir) : undefined);
    const w: StandbyWanted = {
      conn: {
        host: args.primary.host,
        port,
        user: args.primary.user,
        applicationName: args.applicationName ?? ctx.host,
        passfile,
        ...tlsConn(args.primary, t.dataDir),
      },
      restoreCommand: args.restoreCommand,
      slot: args.slot,
      promoteTriggerFile: args.promoteTriggerFile,
    };
    const configFile = f.configFile || `${t.dataDir}/postgresql.conf`;
    // every file the plan looks at, in one round trip
    const names = ['postgresql.auto.conf', 'standby.signal', 'recovery.conf', 'backup_label'].map(
      (n) => `${t.dataDir}/${n}`,
    );
    const read = await ctx.facts.files([configFile, ...names, ...(passfile ? [passfile] : [])], {
      user: t.osUser,
    });
    const why = primaryWhy(f, read.slice(2, 5));
    if (why)
      throw new ApplyError(
        `${ctx.host}: ${t.dataDir} is a primary (${why}); refusing to make it a standby of ${args.primary.host}:${port}, nothing written. If ${ctx.host} is the primary now (after a failover), fix the inventory so that ${ctx.host} is the primary; to make it a standby again it must be rejoined (pg_rewind or a new copy), which run-playbook does not do yet`,
      );
    const actions = [
      ...(passfile ? await passfileActions(ctx, t, passfile, args, port) : []),
      ...(await confActions(ctx, t, f.version, configFile, w)),
    ];
    const data = { version: f.version, primaryConninfo: primaryConninfo(w.conn) };
    if (actions.length === 0)
      return { actions, reason: `${t.dataDir} is a standby of ${args.primary.host}:${port}`, data };
    return { actions, data, restartRequired: true, invalidates: [PG_FACTS] };
  },
});
