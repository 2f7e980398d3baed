/** The actions of a rejoin (lib/tasks/rejoin.ts): stop, this host's slot, pg_rewind or a fresh copy, the check after. */
import { pgFacts } from '../facts/pg.js';
import { sqlProbe } from '../facts/probes.js';
import { type Action, exec, makeDir, movePath, writeFile } from '../model/actions.js';
import { sh } from '../model/command.js';
import { conninfoValue, pgpassLine } from '../pg/backup.js';
import { asideName, COPY_MARKER, copyMarker } from '../pg/backup-target.js';
import type { RejoinPath } from '../pg/rewind.js';
import { humanBytes, parseRewindOutput, rewindCmd } from '../pg/rewind-cmd.js';
import { slotName } from '../pg/slots.js';
import { binDirScript, type PgTarget, sqlLiteral } from '../pg/target.js';
import type { NodeState } from '../pg/topology.js';
import { Payload, Secret } from '../secret.js';
import { copyAction, predictCopy, primarySize } from './base-backup.js';
import type { Plan, PlanContext } from './define.js';
import { peerAddress, peerTarget } from './pg-peer.js';
import type { RejoinArgs } from './rejoin.js';

const asSecret = (p: string | Secret | undefined): Secret | undefined =>
  p === undefined ? undefined : p instanceof Secret ? p : new Secret(p);

/** The stop of a running target before it is rewound or moved aside: a fast shutdown, so it ends clean. */
function stopAction(t: PgTarget, dataDir: string): Action {
  const cmd = t.cluster
    ? sh`pg_ctlcluster -m fast ${t.cluster.version} ${t.cluster.name} stop`
    : sh`${binDirScript(t)}; "$B/pg_ctl" -D ${dataDir} -m fast -w stop`;
  return exec({
    summary: `stop the server in ${dataDir} (fast shutdown)`,
    cmd,
    user: t.osUser,
    prediction: `would stop the server running in ${dataDir}`,
  });
}

/** This host's slot on the primary, made over a replication connection (the role has the right). */
export async function slotActions(
  ctx: PlanContext,
  args: RejoinArgs,
  t: PgTarget,
  primary: string,
): Promise<Action[]> {
  const name = slotName(ctx.host);
  const pt = peerTarget(ctx, primary);
  const q = `select count(*) from pg_replication_slots where slot_name = ${sqlLiteral(name)}`;
  const r = await ctx.factsOf(primary).run(sqlProbe(pt, q), { user: pt.osUser });
  if (r.code === 0 && r.stdout.trim() !== '0') return [];
  const addr = peerAddress(ctx, primary);
  const password = asSecret(args.password);
  const conn = `host=${conninfoValue(addr)} port=${pt.port} user=${conninfoValue(args.user)} dbname=replication replication=true`;
  const pass = password
    ? sh`umask 077; pf=$(mktemp); trap 'rm -f "$pf"' EXIT; cat > "$pf"; export PGPASSFILE="$pf"; `
    : sh``;
  return [
    exec({
      summary: `replication slot ${name} on ${primary}`,
      cmd: sh`set -e; ${binDirScript(t)}; ${pass}"$B/psql" -X -q -w -d ${conn} -c ${`CREATE_REPLICATION_SLOT ${name} PHYSICAL RESERVE_WAL`}`,
      ...(password ? { stdin: pgpassLine(addr, pt.port, args.user, password) } : {}),
      user: t.osUser,
      prediction: `would create the physical slot ${name} on ${primary}`,
    }),
  ];
}

/** pg_rewind from the primary; its output is kept in `<data dir>.rewind.log` and read back to report the bytes. */
function rewindActions(
  ctx: PlanContext,
  args: RejoinArgs,
  t: PgTarget,
  dataDir: string,
  p: NodeState,
): Action[] {
  const pt = peerTarget(ctx, p.host);
  const addr = peerAddress(ctx, p.host);
  const user = args.sourceUser ?? pt.superuser;
  const password = asSecret(args.sourcePassword);
  const logFile = rewindLog(dataDir);
  const source = {
    host: addr,
    port: pt.port,
    user,
    fromStdin: password !== undefined,
    ...(args.sourcePassfile ? { passfile: args.sourcePassfile } : {}),
  };
  return [
    exec({
      summary: `CHECKPOINT on ${p.host}, then pg_rewind ${dataDir} from ${addr}:${pt.port} as ${user}`,
      cmd: rewindCmd(t, dataDir, p.version, source, { logFile, restoreTargetWal: !!args.restoreTargetWal }),
      ...(password ? { stdin: new Payload([...pgpassLine(addr, pt.port, user, password).parts]) } : {}),
      user: t.osUser,
      prediction: `would rewind ${dataDir} to ${p.host}'s timeline ${p.timeline} (pg_rewind copies the changed blocks and ${p.host}'s config files)`,
      timeoutSec: 24 * 3600,
    }),
  ];
}

const rewindLog = (dataDir: string) => `${dataDir.replace(/\/+$/, '')}.rewind.log`;

/** The old dir moved aside (never deleted), then a fresh copy as baseBackup makes it, with its marker. */
async function copyActions(
  ctx: PlanContext,
  args: RejoinArgs,
  t: PgTarget,
  dataDir: string,
  primary: string,
  clientMajor: number,
): Promise<Action[]> {
  const pt = peerTarget(ctx, primary);
  const p = await pgFacts(ctx.factsOf(primary), pt);
  const method =
    args.copyMethod && args.copyMethod !== 'auto'
      ? args.copyMethod
      : clientMajor >= p.version
        ? 'pg_basebackup'
        : 'lowlevel';
  const bb = { from: primary, user: args.user, password: args.password, method, applicationName: ctx.host };
  const size = await primarySize(ctx, primary, pt);
  return [
    movePath({ from: dataDir, to: asideName(dataDir, new Date(), 'replaced'), user: t.osUser }),
    makeDir({ path: dataDir, mode: '0700', owner: t.osUser }),
    copyAction(ctx, bb, t, dataDir, p, size, clientMajor),
    writeFile({
      path: `${dataDir}/${COPY_MARKER}`,
      before: null,
      after: copyMarker(ctx.host, dataDir, p.systemIdentifier ?? ''),
      mode: '0600',
      user: t.osUser,
    }),
  ];
}

/** The actions of a path (none for a standby): stop, then pg_rewind or the old dir aside and a copy. */
export async function pathActions(
  ctx: PlanContext,
  args: RejoinArgs,
  t: PgTarget,
  dataDir: string,
  path: RejoinPath,
  p: NodeState,
  clientMajor: number,
): Promise<Action[]> {
  if (path.kind === 'standby') return [];
  const stop = path.stop ? [stopAction(t, dataDir)] : [];
  if (path.kind === 'rewind') return [...stop, ...rewindActions(ctx, args, t, dataDir, p)];
  return [...stop, ...(await copyActions(ctx, args, t, dataDir, p.host, clientMajor))];
}

/** After the apply: what pg_rewind did (its log), or where the old dir went. */
export function verifyPath(path: RejoinPath, p: NodeState, dataDir: string, user: string): Plan['verify'] {
  return async (c) => {
    if (path.kind !== 'rewind') {
      c.progress(
        `rejoin: copied afresh from ${p.host}; the old data dir was moved aside (${dataDir}.replaced-*)`,
      );
      return { path: path.kind };
    }
    const log = await c.facts.file(rewindLog(dataDir), { user });
    const o = parseRewindOutput(log.content ?? '');
    const what = o.noRewindRequired
      ? 'no rewind required'
      : `rewound ${humanBytes(o.bytes)} (${o.bytes} bytes)`;
    const at = o.divergedAt ? `, diverged at ${o.divergedAt} on timeline ${o.timeline}` : '';
    c.progress(`rejoin: pg_rewind from ${p.host}: ${what}${at}`);
    return { path: 'rewind', rewoundBytes: o.bytes, divergedAt: o.divergedAt ?? null };
  };
}

/**
 * Check mode: the host as a rewind or copy leaves it (the primary's config files, a backup_label, a stopped
 * server), and after a rewind its recovery signal file too, so the next tasks plan as they will run.
 */
export async function predictRejoin(
  ctx: PlanContext,
  path: RejoinPath,
  primary: string,
  t: PgTarget,
  dataDir: string,
): Promise<NonNullable<Plan['predicts']>> {
  const p = await pgFacts(ctx.factsOf(primary), peerTarget(ctx, primary));
  const out = await predictCopy(ctx, primary, p, t, dataDir);
  if (path.kind === 'rewind') {
    const name = p.version >= 12 ? 'standby.signal' : 'recovery.conf';
    const own = await ctx.facts.file(`${dataDir}/${name}`, { user: t.osUser });
    if (!own.exists)
      out.files.push({
        path: own.path,
        exists: true,
        isDir: false,
        content: '',
        mode: '0600',
        owner: t.osUser,
      });
  }
  return out;
}
