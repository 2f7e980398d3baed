/**
 * The target of a base backup: what its data dir holds (one probe), whether an earlier copy there finished, and
 * what to do before copying. A copy counts as complete only when its completion marker names this host, this
 * data dir and the primary's system identifier (written after the copy tool reported success), or when a server
 * has run on it as a standby; a data dir that is or was a primary since is never taken for a standby.
 */
import { ApplyError } from '../errors.js';
import { type Cmd, sh } from '../model/command.js';
import { binDirScript, type PgTarget } from './target.js';

/**
 * The completion marker, written into the data dir after a copy finished (pg_basebackup exited 0, or the
 * low-level copy's tar ended and pg_backup_stop's label was written). A data dir with the primary's system
 * identifier and no valid marker is an interrupted copy. Left out of our own copies; a copy of a data dir that
 * carries one (pg_basebackup from a promoted standby) names another host, so it does not count.
 */
export const COPY_MARKER = 'run-playbook.copied';

/** The marker's content for a copy of the system `sysid` into `dataDir` on `host`. */
export function copyMarker(host: string, dataDir: string, sysid: string): string {
  return [
    '# written by run-playbook after a complete base backup; a copy without this file did not finish',
    `host=${host}`,
    `data_directory=${dataDir}`,
    `system_identifier=${sysid}`,
    '',
  ].join('\n');
}

/** What the target data dir holds, as one probe reads it. */
export interface TargetState {
  dir: 'absent' | 'empty' | 'nonempty' | 'unreadable';
  systemIdentifier: string | null;
  /** pg_ctl status says a server runs in it */
  running: boolean;
  /** major version of the pg_basebackup on the standby host; 0 when missing */
  clientMajor: number;
  backupLabel: boolean;
  standbySignal: boolean;
  recoveryConf: boolean;
  /** content of {@link COPY_MARKER}, null when absent */
  marker: string | null;
  /** pg_controldata: "Database cluster state" ('in production', 'shut down in recovery', …), '' when unknown */
  clusterState: string;
  /** pg_controldata: the latest checkpoint's timeline, 0 when unknown */
  timeline: number;
  /** the newest `<timeline>.history` in pg_wal, 0 when none */
  historyTimeline: number;
}

/** One round trip, as the data dir owner: dir state, pg_control, pg_ctl status, client, files, marker, timeline. */
export function targetProbe(t: PgTarget, dataDir: string): Cmd {
  return sh`${binDirScript(t)}; d=${dataDir}; m=${COPY_MARKER}; export LC_ALL=C
if [ ! -e "$d" ]; then echo absent; elif [ ! -r "$d" ] || [ ! -x "$d" ]; then echo unreadable; elif [ -n "$(ls -A "$d")" ]; then echo nonempty; else echo empty; fi
if [ -r "$d/global/pg_control" ]; then od -An -t u8 -N8 "$d/global/pg_control" | tr -d ' '; else echo; fi
if "$B/pg_ctl" -D "$d" status >/dev/null 2>&1; then echo running; else echo stopped; fi
"$B/pg_basebackup" --version 2>/dev/null || echo
for f in backup_label standby.signal recovery.conf; do if [ -e "$d/$f" ]; then printf '1'; else printf '0'; fi; done; echo
echo "$(base64 -w0 "$d/$m" 2>/dev/null)"
c=$("$B/pg_controldata" -D "$d" 2>/dev/null)
echo "$(printf '%s\\n' "$c" | sed -n 's/^Database cluster state: *//p' | head -n 1)"
echo "$(printf '%s\\n' "$c" | sed -n "s/^Latest checkpoint's TimeLineID: *//p" | head -n 1)"
echo "$(ls "$d/pg_wal" 2>/dev/null | sed -n 's/^\\([0-9A-F]\\{8\\}\\)\\.history$/\\1/p' | sort | tail -n 1)"`;
}

/** Parses {@link targetProbe}'s output: one line per value, empty when unknown. */
export function parseTargetState(out: string): TargetState {
  const [dir = 'absent', sysid = '', running = '', client = '', flags = '000', marker = '', ...rest] =
    out.split('\n');
  const [state = '', tl = '', hist = ''] = rest;
  return {
    dir: (['absent', 'empty', 'nonempty', 'unreadable'].includes(dir)
      ? dir
      : 'unreadable') as TargetState['dir'],
    systemIdentifier: sysid.trim() || null,
    running: running.trim() === 'running',
    clientMajor: Number(/\(PostgreSQL\)\s+(\d+)/.exec(client)?.[1] ?? 0),
    backupLabel: flags[0] === '1',
    standbySignal: flags[1] === '1',
    recoveryConf: flags[2] === '1',
    marker: marker.trim() ? Buffer.from(marker.trim(), 'base64').toString('utf8') : null,
    clusterState: state.trim(),
    timeline: Number(tl.trim()) || 0,
    historyTimeline: Number.parseInt(hist.trim() || '0', 16) || 0,
  };
}

/** Whether the marker was written for this copy: this host, this data dir, this system. */
export function markerValid(marker: string | null, host: string, dataDir: string, sysid: string): boolean {
  if (marker === null) return false;
  const lines = new Set(marker.split('\n'));
  return [`host=${host}`, `data_directory=${dataDir}`, `system_identifier=${sysid}`].every((l) =>
    lines.has(l),
  );
}

/** The primary as the decision needs it. */
export interface PrimaryView {
  /** inventory name */
  name: string;
  systemIdentifier: string;
  /** its current timeline */
  timeline: number;
}

/** Who the target is and what the run allows. */
export interface TargetContext {
  host: string;
  dataDir: string;
  replaceExisting: boolean;
  /** pg_is_in_recovery() of the server running there, when one answers */
  inRecovery?: boolean;
}

/** What to do with the target before copying. */
export type TargetDecision =
  | { kind: 'same'; reason: string }
  | { kind: 'copy'; create: boolean; stop: boolean; moveAside: boolean; incomplete?: boolean };

/** Why a data dir of the primary's system is (or has been) a primary itself; undefined when it is not. */
export function promotedWhy(s: TargetState, p: PrimaryView, c: TargetContext): string | undefined {
  if (s.running && c.inRecovery === false)
    return 'a server runs there and is not in recovery (pg_is_in_recovery() = f)';
  if (s.running && c.inRecovery === undefined && s.clusterState === 'in production')
    return 'a server runs there as a primary (pg_control: in production)';
  const tl = Math.max(s.timeline, s.historyTimeline);
  if (tl > p.timeline)
    return `it is on timeline ${tl}, newer than ${p.name}'s ${p.timeline}: it was promoted`;
  if (s.running) return undefined;
  if (s.clusterState === 'shut down') return 'it was shut down as a primary (pg_control: shut down)';
  const configured = s.backupLabel || s.standbySignal || s.recoveryConf;
  if (!configured && markerValid(s.marker, c.host, c.dataDir, p.systemIdentifier))
    return 'its copy has run as a primary (no backup_label, standby.signal or recovery.conf any more)';
  return undefined;
}

/** Whether a copy of the primary's system is complete: its marker, or a server that has run on it as a standby. */
function copyComplete(s: TargetState, p: PrimaryView, c: TargetContext): boolean {
  if (s.running || markerValid(s.marker, c.host, c.dataDir, p.systemIdentifier)) return true;
  return s.clusterState === 'shut down in recovery' || s.clusterState === 'in archive recovery';
}

/** The error for a target that is a primary: names the host and what to do. */
export function promotedMessage(p: PrimaryView, c: TargetContext, why: string): string {
  return (
    `${c.host}: ${c.dataDir} is a primary (${why}); refusing to make it a standby of ${p.name}, nothing written. ` +
    `If ${c.host} is the primary now (after a failover), fix the inventory so that ${c.host} is the primary ` +
    `(the primary group, or primary_host); to make it a standby of ${p.name} again it must be rejoined ` +
    '(pg_rewind or a new copy), which run-playbook does not do yet'
  );
}

/**
 * A complete replica of the primary's system is left alone, and one that is or was a primary is refused; an
 * interrupted copy is moved aside (never deleted) and copied again; an empty or missing dir is filled; a running
 * server or a foreign cluster is refused unless `replaceExisting` (then stopped and moved aside, never deleted).
 */
export function decideTarget(s: TargetState, p: PrimaryView, c: TargetContext): TargetDecision {
  if (s.systemIdentifier !== null && s.systemIdentifier === p.systemIdentifier) {
    const why = promotedWhy(s, p, c);
    if (why) throw new ApplyError(promotedMessage(p, c, why));
    if (copyComplete(s, p, c))
      return {
        kind: 'same',
        reason: `${c.dataDir} already holds a copy of the primary (system identifier ${p.systemIdentifier})`,
      };
    return { kind: 'copy', create: true, stop: false, moveAside: true, incomplete: true };
  }
  if (s.dir === 'absent') return { kind: 'copy', create: true, stop: false, moveAside: false };
  if (s.dir === 'empty' && !s.running) return { kind: 'copy', create: false, stop: false, moveAside: false };
  if (!c.replaceExisting) {
    const what = s.running
      ? 'a server is running in it'
      : s.systemIdentifier
        ? `it holds another cluster (system identifier ${s.systemIdentifier}, the primary's is ${p.systemIdentifier})`
        : s.backupLabel
          ? 'it is not empty: it holds a backup_label but no global/pg_control (an interrupted copy?)'
          : 'it is not empty';
    throw new ApplyError(
      `refusing to copy into ${c.dataDir}: ${what}; set replaceExisting: true to move it aside`,
    );
  }
  return { kind: 'copy', create: true, stop: s.running, moveAside: true };
}

/** Where a data dir goes when moved aside: `<dir>.replaced-<UTC timestamp>` (or `.incomplete-…`). */
export function asideName(dataDir: string, now: Date, why: 'replaced' | 'incomplete' = 'replaced'): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  return `${dataDir.replace(/\/+$/, '')}.${why}-${stamp}`;
}
