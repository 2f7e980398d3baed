import type { RunEvent } from '../model/events.js';
import type { HostStats, Status, TaskResult } from '../model/results.js';
import { redact } from '../secret.js';
import { CENSORED } from './console.js';
import { renderAction } from './diff.js';

/** One host's outcome of one task. `changes` are the rendered actions, as `--diff` shows them. */
export interface JsonHostResult {
  status: Status;
  reason?: string;
  error?: string;
  changes: string[];
  data?: Record<string, unknown>;
  ignored?: boolean;
  restartRequired?: boolean;
  /** set instead of reason/error/changes/data for a `no_log` task */
  censored?: string;
  /** per loop item, for a looped task */
  items?: (JsonHostResult & { item: unknown })[];
}

/** One task (or handler) of a play. */
export interface JsonTask {
  name: string;
  handler: boolean;
  hosts: Record<string, JsonHostResult>;
}

/** One play. */
export interface JsonPlay {
  name: string;
  hosts: string[];
  tasks: JsonTask[];
}

/** The whole run, machine-readable (`--json`). Secrets are masked. */
export interface JsonReport {
  playbook: string;
  check: boolean;
  plays: JsonPlay[];
  stats: Record<string, HostStats>;
  warnings: string[];
}

/** Masks known secrets in every string of a value; Secrets themselves serialise as *** via toJSON. */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map(redactDeep) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)])) as T;
  }
  return value;
}

function hostResult(r: TaskResult, noLog: boolean): JsonHostResult {
  if (noLog)
    return { status: r.status, changes: [], censored: CENSORED, ...(r.ignored ? { ignored: true } : {}) };
  const out: JsonHostResult = { status: r.status, changes: r.actions.map(renderAction) };
  if (r.reason !== undefined) out.reason = redact(r.reason);
  if (r.error !== undefined) out.error = redact(r.error);
  if (r.data !== undefined) out.data = redactDeep(r.data);
  if (r.ignored) out.ignored = true;
  if (r.restartRequired) out.restartRequired = true;
  if (r.results && r.results.length > 0) {
    out.items = r.results.map((i) => ({ item: redactDeep(i.item), ...hostResult(i, false) }));
  }
  return out;
}

/** A reporter that collects the run into one {@link JsonReport}, read with `result()` at the end. */
export function jsonReporter(): { onEvent(e: RunEvent): void; result(): JsonReport } {
  const report: JsonReport = { playbook: '', check: false, plays: [], stats: {}, warnings: [] };
  // Results that arrive outside a play or task (a script calling tasks directly) still get a home.
  const currentPlay = (): JsonPlay => {
    const last = report.plays.at(-1);
    if (last) return last;
    const play: JsonPlay = { name: '', hosts: [], tasks: [] };
    report.plays.push(play);
    return play;
  };
  const currentTask = (name: string): JsonTask => {
    const play = currentPlay();
    const last = play.tasks.at(-1);
    if (last) return last;
    const task: JsonTask = { name, handler: false, hosts: {} };
    play.tasks.push(task);
    return task;
  };
  return {
    onEvent(e: RunEvent): void {
      if (e.type === 'playbookStart') Object.assign(report, { playbook: e.file, check: e.check });
      else if (e.type === 'playStart') report.plays.push({ name: e.name, hosts: [...e.hosts], tasks: [] });
      else if (e.type === 'taskStart')
        currentPlay().tasks.push({ name: e.name, handler: e.handler, hosts: {} });
      else if (e.type === 'hostResult') currentTask(e.task).hosts[e.host] = hostResult(e.result, e.noLog);
      else if (e.type === 'warning')
        report.warnings.push(redact(e.host ? `${e.host}: ${e.message}` : e.message));
      else if (e.type === 'recap') report.stats = structuredClone(e.stats);
    },
    result(): JsonReport {
      // A round trip through JSON applies Secret.toJSON (and any class's toJSON) and leaves plain data a
      // caller can keep; masking after it reaches strings that were inside class instances too.
      return redactDeep(JSON.parse(JSON.stringify(report)) as JsonReport);
    },
  };
}
