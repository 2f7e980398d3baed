import type { Connection } from '../connection/types.js';
import type { HostMemory } from '../facts/facts.js';
import type { Inventory } from '../inventory/index.js';
import type { EventSink } from '../model/events.js';
import type { HostData } from '../model/host-data.js';
import { emptyStats, type HostStats, type TaskResult } from '../model/results.js';
import type { AnyTask } from '../tasks/define.js';

/** Everything a run keeps while it goes through plays, tasks and hosts. */
export interface RunState {
  inventory: Inventory;
  /** the task registry, loaded only when the playbook has tasks (an empty one does not pay for it) */
  tasks: Readonly<Record<string, AnyTask>>;
  check: boolean;
  forks: number;
  tags: string[];
  skipTags: string[];
  extraVars: Record<string, unknown>;
  emit: EventSink;
  conn(host: string): Connection;
  memory(host: string): HostMemory;
  /** inventory variables per host, merged once */
  inventoryVars(host: string): Record<string, unknown>;
  /** registered results per host: what hosts answered, so data, never templates */
  registered: Map<string, Record<string, HostData<Record<string, unknown>>>>;
  stats: Map<string, HostStats>;
  /** hosts out of the run: failed (for the rest of the play) or unreachable (for the rest of the run) */
  failed: Set<string>;
  unreachable: Set<string>;
  /** set when a failure came from invalid input found at run time (exit 3) or from a bug (exit 1) */
  inputFailure: boolean;
  internalFailure: boolean;
  /** aborted by a signal: no new task, loop item or action starts (see {@link RunSignals}) */
  stop: AbortSignal;
  /** aborted by a second signal: connections were closed under the commands in flight */
  cut: AbortSignal;
}

/** Counts a result in the PLAY RECAP the way Ansible does (changed also counts as ok). */
export function count(rs: RunState, host: string, r: TaskResult): void {
  let s = rs.stats.get(host);
  if (!s) {
    s = emptyStats();
    rs.stats.set(host, s);
  }
  if (r.ignored) s.ignored++;
  else if (r.status === 'changed') {
    s.ok++;
    s.changed++;
  } else s[r.status]++;
}

/** Whether a host still takes part in the play. */
export const alive = (rs: RunState, host: string): boolean =>
  !rs.failed.has(host) && !rs.unreachable.has(host);
