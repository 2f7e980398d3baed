import { type Become, becomeFromVars } from '../connection/index.js';
import { ConnectError, InputError, RunPlaybookError } from '../errors.js';
import { Facts } from '../facts/facts.js';
import { groupsMap } from '../inventory/index.js';
import { hostData } from '../model/host-data.js';
import type { TaskResult } from '../model/results.js';
import { evalCondition, renderString, renderValue } from '../model/template.js';
import { filterTags, type Play, type TaskNode } from '../playbook/index.js';
import { markSecret, redact } from '../secret.js';
import { executeTask, proberFor } from './execute.js';
import { signalName, throwIfStopped } from './interrupt.js';
import { count, type RunState } from './state.js';
import { validateArgs } from './validate.js';
import { mergeVars, resolveVars, withVars } from './vars.js';

/** All variables of a host for one task, by precedence, plus the magic ones; templated values render lazily. */
export function varsFor(
  rs: RunState,
  play: Play,
  task: TaskNode,
  host: string,
  hosts: string[],
): Record<string, unknown> {
  const render = (v: unknown, self: Record<string, unknown>) => renderValue(v, self);
  const groups = groupsMap(rs.inventory);
  const magic = (h: string) => ({
    inventory_hostname: h,
    groups,
    play_hosts: hosts,
    ansible_check_mode: rs.check,
  });
  const layers = (h: string, taskVars: Record<string, unknown>) => ({
    roleDefaults: play.roleDefaults,
    inventory: rs.inventoryVars(h),
    play: play.vars,
    roleVars: task.roleVars,
    task: taskVars,
    registered: rs.registered.get(h) ?? {},
    extra: rs.extraVars,
  });
  // hostvars.<h> is what host h sees in this play (without this task's vars), computed only when read
  const hostvars: Record<string, unknown> = {};
  for (const h of rs.inventory.hosts.keys()) {
    let cached: Record<string, unknown> | undefined;
    Object.defineProperty(hostvars, h, {
      enumerable: true,
      get: () => {
        cached ??= resolveVars(mergeVars(layers(h, {}), magic(h)), render);
        return cached;
      },
    });
  }
  return resolveVars(mergeVars(layers(host, task.vars), { ...magic(host), hostvars }), render);
}

/** Values of a task's secret arguments (dotted paths for nested ones) are masked in every output from now on. */
function markSecretArgs(names: readonly string[], args: unknown): void {
  for (const n of names) {
    let v: unknown = args;
    for (const part of n.split('.')) v = (v as Record<string, unknown> | null | undefined)?.[part];
    if (typeof v === 'string') markSecret(v);
  }
}

/** Arguments as the task receives them: `command: echo hi` is shorthand for `command: { cmd: echo hi }`. */
export function normaliseArgs(action: string, args: unknown): unknown {
  return action === 'command' && (typeof args === 'string' || Array.isArray(args)) ? { cmd: args } : args;
}

/** Whom a task runs as: its become settings over the play's, the user rendered with the host's vars. */
function taskBecome(play: Play, task: TaskNode, vars: Record<string, unknown>): Become | undefined {
  const becomeUser = task.becomeUser ?? play.becomeUser;
  return becomeFromVars(vars, {
    become: task.become ?? play.become,
    becomeUser: becomeUser === undefined ? undefined : String(renderString(becomeUser, vars, task.where)),
    becomeMethod: task.becomeMethod ?? play.becomeMethod,
  });
}

/**
 * Whom a host's first task of the run runs as, so its first session (the one that opens the ssh master) can be
 * that user's; undefined when it cannot be known before the task runs (a loop variable, a registered result).
 */
export function firstBecome(
  rs: RunState,
  plays: readonly Play[],
  hostsOf: readonly string[][],
  host: string,
): Become | undefined {
  const i = hostsOf.findIndex((hosts) => hosts.includes(host));
  const play = plays[i];
  const task = play && filterTags(play.tasks, rs.tags, rs.skipTags)[0];
  if (!play || !task) return undefined;
  try {
    return taskBecome(play, task, varsFor(rs, play, task, host, hostsOf[i] ?? []));
  } catch {
    return undefined;
  }
}

async function once(
  rs: RunState,
  play: Play,
  task: TaskNode,
  host: string,
  vars: Record<string, unknown>,
): Promise<TaskResult> {
  if (task.when !== undefined && !evalCondition(task.when, vars, task.keyWhere(['when']))) {
    return { status: 'skipped', actions: [], reason: `condition is false: ${task.when}` };
  }
  const def = rs.tasks[task.action];
  if (!def) throw new InputError(`unknown task '${task.action}'`, task.where);
  throwIfStopped(rs.stop, 'not started');
  const args = normaliseArgs(
    task.action,
    renderValue(task.args, vars, (p) => task.argWhere(p)),
  );
  validateArgs(def, args, (p) => task.argWhere(p) ?? task.where);
  markSecretArgs(def.secretArgs, args);
  const become = taskBecome(play, task, vars);
  // another host (a primary) is reached as its own inventory says, with this task's become on or off
  const peerBecome = (other: string) =>
    becomeFromVars(rs.inventoryVars(other), { become: task.become ?? play.become });
  return executeTask({ name: host, conn: rs.conn(host), memory: rs.memory(host) }, def, args, {
    check: task.checkMode ?? rs.check,
    become,
    vars,
    baseDirs: task.baseDirs,
    factsOf: (other: string): Facts => {
      if (!rs.inventory.hosts.has(other)) throw new InputError(`unknown host '${other}'`, task.where);
      const as = peerBecome(other);
      return new Facts(other, proberFor(rs.conn(other), as), rs.memory(other), as?.user);
    },
    progress: (message) => rs.emit({ type: 'progress', host, message }),
    stop: rs.stop,
    peer: (other: string) => ({ conn: rs.conn(other), become: peerBecome(other) }),
  });
}

function aggregate(results: TaskResult[]): TaskResult {
  const pick = (s: TaskResult['status']) => results.some((r) => r.status === s && !r.ignored);
  const status = pick('failed')
    ? 'failed'
    : pick('changed')
      ? 'changed'
      : results.every((r) => r.status === 'skipped')
        ? 'skipped'
        : 'ok';
  return {
    status,
    actions: results.flatMap((r) => r.actions),
    results,
    data: { results: results.map((r) => r.data ?? {}) },
  };
}

function failure(rs: RunState, e: unknown): TaskResult {
  // a second signal closed the connection under the command: the host did not go away, the run did
  if (rs.cut.aborted && e instanceof ConnectError)
    return { status: 'failed', actions: [], error: `cut by ${signalName(rs.cut)}: ${redact(e.message)}` };
  if (e instanceof ConnectError) return { status: 'unreachable', actions: [], error: redact(e.message) };
  if (e instanceof InputError) rs.inputFailure = true;
  else if (!(e instanceof RunPlaybookError)) rs.internalFailure = true;
  const msg = e instanceof Error ? e.message : String(e);
  return { status: 'failed', actions: [], error: redact(msg) };
}

/** What a `loop:` that is not a list rendered to, for its error (its type only: it may hold a secret). */
export function loopMessage(items: unknown): string {
  return `loop: expected a list, got ${items === null ? 'null' : `a ${typeof items}`}`;
}

async function withLoop(
  rs: RunState,
  play: Play,
  task: TaskNode,
  host: string,
  vars: Record<string, unknown>,
): Promise<TaskResult> {
  if (task.loop === undefined) return once(rs, play, task, host, vars);
  const items = renderValue(task.loop, vars, task.keyWhere(['loop']));
  if (!Array.isArray(items)) throw new InputError(loopMessage(items), task.keyWhere(['loop']));
  const results: TaskResult[] = [];
  for (const item of items) {
    let r: TaskResult;
    try {
      r = await once(rs, play, task, host, withVars(vars, { [task.loopVar]: item }));
    } catch (e) {
      r = failure(rs, e);
    }
    results.push({ ...r, item });
    if (r.status === 'failed' || r.status === 'unreachable') break;
  }
  return aggregate(results);
}

/** Runs one task on one host: when, loop, render, validate, plan, apply; records, registers, notifies. */
export async function runOnHost(
  rs: RunState,
  play: Play,
  task: TaskNode,
  host: string,
  hosts: string[],
): Promise<TaskResult> {
  const vars = varsFor(rs, play, task, host, hosts);
  let r: TaskResult;
  try {
    r = await withLoop(rs, play, task, host, vars);
    if (r.status === 'changed' || r.status === 'ok') r = applyChangedWhen(task, r, vars);
  } catch (e) {
    r = failure(rs, e);
  }
  if (r.status === 'failed' && task.ignoreErrors) r = { ...r, ignored: true };
  if (task.register) {
    // what the host answered is data from now on: never rendered as a template
    const reg = hostData({
      ...r.data,
      changed: r.status === 'changed',
      failed: r.status === 'failed',
      skipped: r.status === 'skipped',
    });
    rs.registered.set(host, { ...rs.registered.get(host), [task.register]: reg });
  }
  if (r.status === 'unreachable') rs.unreachable.add(host);
  else if (r.status === 'failed' && !r.ignored) rs.failed.add(host);
  count(rs, host, r);
  rs.emit({ type: 'hostResult', host, task: task.name, result: r, noLog: task.noLog });
  return r;
}

function applyChangedWhen(task: TaskNode, r: TaskResult, vars: Record<string, unknown>): TaskResult {
  if (task.changedWhen === undefined) return r;
  const data = r.data ?? {};
  const where = task.keyWhere(['changed_when']);
  const changed = evalCondition(task.changedWhen, withVars(vars, { ...data, result: data }), where);
  return { ...r, status: changed ? 'changed' : 'ok' };
}
