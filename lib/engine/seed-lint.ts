import { formatPosition, InputError } from '../errors.js';
import type { RunEvent } from '../model/events.js';
import { evalCondition, renderValue } from '../model/template.js';
import { type LintTask, lintSeedValues } from '../pg/seed-lint.js';
import type { Play } from '../playbook/index.js';
import { normaliseArgs, varsFor } from './host-task.js';
import type { RunState } from './state.js';
import { unknownValue, withVars } from './vars.js';

function registeredNames(plays: readonly Play[]): string[] {
  return plays.flatMap((p) => [...p.tasks, ...p.handlers].flatMap((t) => (t.register ? [t.register] : [])));
}

/** A task whose condition is false already before the run (a value known only later counts as unknown). */
function skipped(when: string | undefined, vars: Record<string, unknown>): boolean {
  if (when === undefined) return false;
  try {
    return !evalCondition(when, vars);
  } catch {
    return false;
  }
}

/** Every task of every play as each of its hosts would run it, rendered with what is known before the run. */
function lintTasks(rs: RunState, plays: readonly Play[], hostsOf: readonly string[][]): LintTask[] {
  const later = Object.fromEntries(registeredNames(plays).map((n) => [n, unknownValue]));
  const out: LintTask[] = [];
  plays.forEach((play, i) => {
    const hosts = hostsOf[i] ?? [];
    for (const task of play.tasks)
      for (const host of hosts) {
        const vars = withVars(varsFor(rs, play, task, host, hosts), later);
        if (skipped(task.when, vars)) continue;
        const version = Number(vars.pg_version) || undefined;
        let items: unknown[] = [undefined];
        if (task.loop !== undefined) {
          const r = renderValue(task.loop, vars, task.where);
          items = Array.isArray(r) ? r : [];
        }
        for (const item of items) {
          const v = task.loop === undefined ? vars : withVars(vars, { [task.loopVar]: item });
          const args = normaliseArgs(task.action, renderValue(task.args, v));
          if (args && typeof args === 'object')
            out.push({
              host,
              action: task.action,
              args: args as Record<string, unknown>,
              where: task.where,
              version,
            });
        }
      }
  });
  return out;
}

/**
 * Looks for the old tutorials' values that break on today's PostgreSQL before any host is contacted: warnings
 * become warning events; a value the run cannot succeed with is an InputError (exit 3), naming its task.
 */
export function seedLint(
  rs: RunState,
  plays: readonly Play[],
  hostsOf: readonly string[][],
  emit: (e: RunEvent) => void,
): void {
  const findings = lintSeedValues(lintTasks(rs, plays, hostsOf));
  const error = findings.find((f) => f.error);
  if (error) throw new InputError(`${error.message} (host ${error.host})`, error.where);
  for (const f of findings)
    emit({
      type: 'warning',
      host: f.host,
      message: f.where ? `${formatPosition(f.where)}: ${f.message}` : f.message,
    });
}
