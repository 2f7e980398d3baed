/**
 * The pure decisions of a planned switchover: its gates (over what the servers answered), LSN arithmetic,
 * pg_controldata and timeline history parsing, whether a cleanly shut down old primary can follow the new one
 * without a rewind, and the inventory change to make afterwards. Strings and values in, values out.
 */
import type { NodeState } from './topology.js';

/** An LSN (`16/B374D848`) as a number of bytes; NaN when it is not one. */
export function lsnBytes(lsn: string): bigint | undefined {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn.trim());
  if (!m) return undefined;
  return (BigInt(`0x${m[1]}`) << 32n) + BigInt(`0x${m[2]}`);
}

/** What pg_controldata says about a stopped (or running) cluster. */
export interface ControlData {
  /** "Database cluster state": `shut down`, `shut down in recovery`, `in production`, … */
  state: string;
  /** "Latest checkpoint location" */
  checkpoint: string;
  /** "Latest checkpoint's TimeLineID" */
  timeline: number;
  systemId: string;
}

/** Parses `pg_controldata` output (run with LC_ALL=C). */
export function parseControlData(out: string): ControlData {
  const field = (name: string) => {
    const line = out.split('\n').find((l) => l.startsWith(`${name}:`));
    return line ? line.slice(name.length + 1).trim() : '';
  };
  return {
    state: field('Database cluster state'),
    checkpoint: field('Latest checkpoint location'),
    timeline: Number(field("Latest checkpoint's TimeLineID")) || 0,
    systemId: field('Database system identifier'),
  };
}

/** One line of a `<timeline>.history` file: the parent timeline and the LSN where the child forked off it. */
export interface HistoryEntry {
  parent: number;
  switchpoint: string;
}

/** Parses a timeline history file (`1\t0/3000060\tno recovery target specified`); comments skipped. */
export function parseHistory(text: string): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\s+([0-9A-Fa-f]+\/[0-9A-Fa-f]+)/.exec(line);
    if (m) out.push({ parent: Number(m[1]), switchpoint: m[2] as string });
  }
  return out;
}

/** The name of a timeline's history file: 8 upper-case hex digits + `.history`. */
export const historyFile = (timeline: number): string =>
  `${timeline.toString(16).toUpperCase().padStart(8, '0')}.history`;

/** Whether a cleanly shut down old primary can stream from the new primary as it is (no rewind), and why. */
export type FollowVerdict = { ok: true; reason: string } | { ok: false; reason: string };

/**
 * A cleanly shut down old primary follows the new primary without a rewind when its last WAL (the shutdown
 * checkpoint) lies on the new primary's history: the new timeline forked from the old one after that record.
 */
export function canFollow(
  old: ControlData,
  newTimeline: number,
  history: readonly HistoryEntry[],
): FollowVerdict {
  if (old.state !== 'shut down')
    return {
      ok: false,
      reason: `it was not shut down cleanly (pg_controldata: "${old.state || 'unknown'}"), so it may hold WAL the new primary never got`,
    };
  if (newTimeline <= old.timeline)
    return {
      ok: false,
      reason: `the new primary is on timeline ${newTimeline}, not after this node's timeline ${old.timeline}`,
    };
  const fork = history.find((h) => h.parent === old.timeline);
  if (!fork)
    return {
      ok: false,
      reason: `timeline ${old.timeline} is not in the new primary's history (${newTimeline})`,
    };
  const ckpt = lsnBytes(old.checkpoint);
  const at = lsnBytes(fork.switchpoint);
  if (ckpt === undefined || at === undefined)
    return { ok: false, reason: `unreadable LSNs (checkpoint ${old.checkpoint}, fork ${fork.switchpoint})` };
  if (at <= ckpt)
    return {
      ok: false,
      reason: `the new primary left timeline ${old.timeline} at ${fork.switchpoint}, before this node's shutdown checkpoint ${old.checkpoint}: the histories diverged`,
    };
  return {
    ok: true,
    reason: `its shutdown checkpoint ${old.checkpoint} (timeline ${old.timeline}) is on the new primary's history (forked at ${fork.switchpoint}): no rewind needed`,
  };
}

/** One gate of the switchover: which host it is about, whether it holds, and what was found or what to do. */
export interface Gate {
  host: string;
  ok: boolean;
  what: string;
}

/** The candidate as the current primary sees it in pg_stat_replication (absent when not connected). */
export interface ReplicationRow {
  state: string;
  /** bytes between the primary's current LSN and the standby's replay LSN; undefined when unknown */
  lagBytes?: number;
}

/** The old primary's WAL archive: archive_mode, `.ready` files waiting, and whether the archiver is failing. */
export interface ArchiveState {
  mode: string;
  ready: number;
  failing: boolean;
  lastFailedWal: string;
}

/** Everything the gates look at, read before any change. */
export interface GateInput {
  nodes: readonly NodeState[];
  primary: NodeState;
  newPrimary: string;
  candidate?: ReplicationRow;
  archive?: ArchiveState;
  maxLagBytes: number;
  maxArchiveReady: number;
}

/** The gates of a switchover from `primary` to `newPrimary` (the caller checked that `primary` is the only one). */
export function switchoverGates(i: GateInput): Gate[] {
  const gates: Gate[] = [];
  const p = i.primary;
  for (const n of i.nodes) {
    if (n.down) {
      gates.push({
        host: n.host,
        ok: false,
        what: `no server answers (${n.error ?? 'down'}): start it, or rejoin it (playbooks/rejoin.yml) if it was a primary`,
      });
      continue;
    }
    const same = n.systemId === p.systemId && n.version === p.version;
    gates.push({
      host: n.host,
      ok: same,
      what: same
        ? `reachable, PostgreSQL ${n.version}, ${n === p ? 'the primary' : 'in recovery'}`
        : `not a copy of ${p.host}'s cluster (system ${n.systemId}, PostgreSQL ${n.version}; ${p.host}: ${p.systemId}, ${p.version})`,
    });
  }
  if (p.host === i.newPrimary) return gates;
  const c = i.candidate;
  const streams = c?.state === 'streaming';
  gates.push({
    host: i.newPrimary,
    ok: streams,
    what: streams
      ? `streams from ${p.host}`
      : `does not stream from ${p.host} (${c ? `state ${c.state}` : 'not in its pg_stat_replication'}): fix its replication first (replication.yml)`,
  });
  if (streams) {
    const lag = c?.lagBytes;
    const under = lag !== undefined && lag <= i.maxLagBytes;
    gates.push({
      host: i.newPrimary,
      ok: under,
      what: under
        ? `replay lag ${lag} bytes ≤ ${i.maxLagBytes}`
        : `replay lag ${lag ?? 'unknown'} bytes over the bound ${i.maxLagBytes} (switchover_max_lag_bytes): wait until it catches up`,
    });
  }
  gates.push(archiveGate(p.host, i.archive, i.maxArchiveReady));
  return gates;
}

function archiveGate(host: string, a: ArchiveState | undefined, max: number): Gate {
  if (!a) return { host, ok: false, what: 'the archiver state could not be read' };
  if (a.mode === 'off') return { host, ok: true, what: 'archive_mode is off: no archive backlog' };
  if (a.failing)
    return {
      host,
      ok: false,
      what: `archive_command fails (last failed: ${a.lastFailedWal || '?'}): fix archiving first, or the new timeline would start with a hole in the archive`,
    };
  if (a.ready > max)
    return {
      host,
      ok: false,
      what: `${a.ready} WAL file(s) wait to be archived (over switchover_max_archive_ready ${max}): wait until the archiver catches up`,
    };
  return { host, ok: true, what: `archive has no backlog (${a.ready} .ready file(s))` };
}

/** The groups of the inventory, for the change to suggest. */
export interface InventoryGroups {
  primaryGroup: string;
  standbyGroup: string;
}

/**
 * The inventory change after a switchover or failover, or undefined when the inventory's primary is the
 * running one: "db2 is the primary now (timeline 2): move db2 to [primary] and db1 to [standby]".
 */
export function inventoryChange(
  running: { host: string; timeline: number },
  inventoryPrimary: string,
  g: InventoryGroups,
): string | undefined {
  if (running.host === inventoryPrimary) return undefined;
  return `${running.host} is the primary now (timeline ${running.timeline}): move ${running.host} to [${g.primaryGroup}] and ${inventoryPrimary} to [${g.standbyGroup}]`;
}
