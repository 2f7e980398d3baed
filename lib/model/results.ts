import type { Action } from './actions.js';

/** What happened to one task on one host. */
export type Status = 'ok' | 'changed' | 'skipped' | 'failed' | 'unreachable';

/** The outcome of one task on one host (one loop item). */
export interface TaskResult {
  status: Status;
  /** actions planned (check mode) or applied (real run) */
  actions: Action[];
  /** why nothing changed, or why skipped */
  reason?: string;
  /** error text when failed or unreachable (secrets already masked) */
  error?: string;
  /** values for `register:` and for later tasks */
  data?: Record<string, unknown>;
  /** a setting changed that takes effect only after a restart */
  restartRequired?: boolean;
  /** a setting changed that takes effect after a reload */
  reloadRequired?: boolean;
  /** the task's failure was ignored (`ignore_errors`) */
  ignored?: boolean;
  /** the loop item this result is for */
  item?: unknown;
  /** results of each loop item, for a looped task */
  results?: TaskResult[];
  /** the task ran in check mode */
  check?: boolean;
}

/** Per-host counters of the PLAY RECAP. */
export interface HostStats {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

export const emptyStats = (): HostStats => ({
  ok: 0,
  changed: 0,
  unreachable: 0,
  failed: 0,
  skipped: 0,
  rescued: 0,
  ignored: 0,
});
