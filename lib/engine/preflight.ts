import { InputError } from '../errors.js';
import { renderString, renderValue } from '../model/template.js';
import type { Play, TaskNode } from '../playbook/index.js';
import { registry } from '../tasks/registry.js';
import { handlerNames } from './handlers.js';
import { normaliseArgs, varsFor } from './host-task.js';
import type { RunState } from './state.js';
import { unknownValue, withVars } from './vars.js';

function registeredNames(plays: readonly Play[]): string[] {
  return plays.flatMap((p) => [...p.tasks, ...p.handlers].flatMap((t) => (t.register ? [t.register] : [])));
}

function checkNotify(play: Play): void {
  const known = new Set(play.handlers.flatMap(handlerNames));
  for (const t of [...play.tasks, ...play.handlers]) {
    for (const n of t.notify) {
      if (!known.has(n)) throw new InputError(`notify: no handler named '${n}' in this play`, t.where);
    }
  }
}

function checkTask(task: TaskNode, vars: Record<string, unknown>): void {
  if (!registry[task.action]) throw new InputError(`unknown task '${task.action}'`, task.where);
  if (task.when !== undefined)
    renderString(task.when.includes('{{') ? task.when : `{{${task.when}}}`, vars, task.where);
  let items: unknown[] = [undefined];
  if (task.loop !== undefined) {
    const rendered = renderValue(task.loop, vars, task.where);
    items = Array.isArray(rendered) ? rendered : [unknownValue];
  }
  for (const item of items) {
    const v = task.loop === undefined ? vars : withVars(vars, { [task.loopVar]: item });
    normaliseArgs(
      task.action,
      renderValue(task.args, v, (p) => task.argWhere(p)),
    );
  }
}

/**
 * Renders every template of every task for every selected host before any host is contacted, so a missing
 * variable is an input error (exit 3) and not a failure halfway through a run. Values only known while running
 * (registered results) stand in as {@link unknownValue}.
 */
export function preflight(rs: RunState, plays: readonly Play[], hostsOf: readonly string[][]): void {
  const later: Record<string, unknown> = {};
  for (const name of registeredNames(plays)) later[name] = unknownValue;
  plays.forEach((play, i) => {
    checkNotify(play);
    const hosts = hostsOf[i] ?? [];
    for (const host of hosts) {
      for (const task of [...play.tasks, ...play.handlers]) {
        const own = varsFor(rs, play, task, host, hosts);
        const missing = Object.fromEntries(Object.entries(later).filter(([k]) => !Object.hasOwn(own, k)));
        const vars = withVars(own, missing);
        checkTask(task, vars);
      }
    }
  });
}
