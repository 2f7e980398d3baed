import { isDeepStrictEqual } from 'node:util';
import { InputError, type Position } from '../errors.js';
import { inventoryVarOrigin } from '../inventory/vars.js';
import { evalCondition, renderValue } from '../model/template.js';
import type { Play, TaskNode } from '../playbook/index.js';
import { handlerNames } from './handlers.js';
import { loopMessage, normaliseArgs, varsFor } from './host-task.js';
import { checkHostVars } from './host-vars-check.js';
import type { RunState } from './state.js';
import { validateArgs } from './validate.js';
import { withVars } from './vars.js';

/**
 * A stand-in for values only known while running (registered results, loop items over them): any property
 * exists and it renders as an empty string, like `unknownValue`; and reading it is recorded, so a check
 * whose outcome depended on it is not held against the input.
 */
function tracker(): { value: unknown; touched: () => boolean; reset: () => void } {
  let touched = false;
  const mark = () => {
    touched = true;
  };
  const value: unknown = new Proxy(() => undefined, {
    has: () => {
      mark();
      return true;
    },
    get: (_t, key) => {
      mark();
      return key === Symbol.toPrimitive || key === 'toString' ? () => '' : value;
    },
    getOwnPropertyDescriptor: () => {
      mark();
      return { configurable: true, enumerable: true, writable: true, value };
    },
    apply: () => {
      mark();
      return value;
    },
  });
  return { value, touched: () => touched, reset: () => (touched = false) };
}

type Unknown = ReturnType<typeof tracker>;

/** Whether a rendered value holds the unknown value itself (`{{ item }}` over unknown items reads no property). */
function holdsUnknown(v: unknown, u: Unknown, depth = 0): boolean {
  if (v === u.value) return true;
  if (depth > 20 || v === null || typeof v !== 'object') return false;
  return Object.values(v).some((x) => holdsUnknown(x, u, depth + 1));
}

/** A variable's value (rendered if it is a template), or the unknown value when it depends on a run. */
function readVar(vars: Record<string, unknown>, name: string, u: Unknown): unknown {
  u.reset();
  const v = vars[name];
  return u.touched() ? u.value : v;
}

function registeredNames(plays: readonly Play[]): string[] {
  return plays.flatMap((p) => [...p.tasks, ...p.handlers].flatMap((t) => (t.register ? [t.register] : [])));
}

function checkNotify(play: Play): void {
  const known = new Set(play.handlers.flatMap(handlerNames));
  for (const t of [...play.tasks, ...play.handlers]) {
    t.notify.forEach((n, i) => {
      if (known.has(n)) return;
      throw new InputError(`notify: no handler named '${n}' in this play`, t.keyWhere(['notify', i]));
    });
  }
}

/** The `when` of a task for this host: true, false, or undefined when it depends on what only a run knows. */
function whenOf(task: TaskNode, vars: Record<string, unknown>, u: Unknown): boolean | undefined {
  if (task.when === undefined) return true;
  u.reset();
  try {
    const v = evalCondition(task.when, vars, task.keyWhere(['when']));
    return u.touched() ? undefined : v;
  } catch (e) {
    // "expected a boolean" about a value that only a run knows is not (yet) an input error
    if (u.touched() && e instanceof InputError && /^when: expected a boolean/.test(e.detail))
      return undefined;
    throw e;
  }
}

/** The loop items for this host, or one unknown item when they depend on what only a run knows. */
function itemsOf(task: TaskNode, vars: Record<string, unknown>, u: Unknown): unknown[] {
  if (task.loop === undefined) return [undefined];
  u.reset();
  const rendered = renderValue(task.loop, vars, task.keyWhere(['loop']));
  if (u.touched()) return [u.value];
  if (!Array.isArray(rendered)) throw new InputError(loopMessage(rendered), task.keyWhere(['loop']));
  return rendered;
}

/** Renders the task's templates; checks what depends only on inventory, play vars and -e, as a run would. */
function checkTask(rs: RunState, task: TaskNode, vars: Record<string, unknown>, u: Unknown): void {
  const def = rs.tasks[task.action];
  if (!def) throw new InputError(`unknown task '${task.action}'`, task.where);
  const when = whenOf(task, vars, u);
  for (const item of itemsOf(task, vars, u)) {
    const v = task.loop === undefined ? vars : withVars(vars, { [task.loopVar]: item });
    u.reset();
    const args = normaliseArgs(
      task.action,
      renderValue(task.args, v, (p) => task.argWhere(p)),
    );
    // a task skipped here may carry arguments that only make sense when it runs
    if (when === true && !u.touched() && !holdsUnknown(args, u))
      validateArgs(def, args, (p) => task.argWhere(p) ?? task.where);
  }
}

/** Where the inventory set a host's variable, when the value the task sees is still the inventory's. */
function originIn(rs: RunState, host: string, vars: Record<string, unknown>) {
  return (name: string): Position | undefined => {
    const own = rs.inventoryVars(host);
    return Object.hasOwn(own, name) && isDeepStrictEqual(own[name], vars[name])
      ? inventoryVarOrigin(rs.inventory, host, name)
      : undefined;
  };
}

/**
 * Before any host is contacted: renders every template of every task for every selected host, so a missing
 * variable is an input error (exit 3) and not a failure halfway through a run; and what depends only on the
 * inventory, play vars and -e is checked as the run would check it: a `when` that is not a boolean, a `loop`
 * that is not a list, arguments against the task's schema. Values only known while running (registered
 * results) stand in as an unknown value; a check that reads one is left to the run.
 */
export function preflight(rs: RunState, plays: readonly Play[], hostsOf: readonly string[][]): void {
  const u = tracker();
  const later: Record<string, unknown> = {};
  for (const name of registeredNames(plays)) later[name] = u.value;
  plays.forEach((play, i) => {
    checkNotify(play);
    const hosts = hostsOf[i] ?? [];
    for (const host of hosts) {
      const nodes = [...play.tasks, ...play.handlers];
      if (nodes.length === 0) {
        // a play without tasks still connects: its host's own variables (inventory, -e) are checked
        const vars = withVars(rs.inventoryVars(host), rs.extraVars);
        const raw = (name: string) => (String(vars[name]).includes('{{') ? undefined : vars[name]);
        checkHostVars(host, raw, undefined, originIn(rs, host, vars));
      }
      nodes.forEach((task, j) => {
        const own = varsFor(rs, play, task, host, hosts);
        const missing = Object.fromEntries(Object.entries(later).filter(([k]) => !Object.hasOwn(own, k)));
        const vars = withVars(own, missing);
        if (j === 0) checkHostVars(host, (name) => readVar(vars, name, u), u.value, originIn(rs, host, vars));
        checkTask(rs, task, vars, u);
      });
    }
  });
}
