import type { Become, Connection } from '../connection/types.js';
import { ApplyError } from '../errors.js';
import { Facts, type HostMemory, type Prober } from '../facts/facts.js';
import { type Action, shownContent } from '../model/actions.js';
import type { TaskResult } from '../model/results.js';
import type { AnyTask, Plan, PlanContext } from '../tasks/define.js';
import { type ApplyTarget, applyActions } from './apply.js';
import { throwIfStopped } from './interrupt.js';
import { PROBE_TIMEOUT_SEC } from './limits.js';

/** One host during a run: its transport and what the run knows of it. */
export interface HostRuntime {
  name: string;
  conn: Connection;
  memory: HostMemory;
}

/** How one task runs on one host. */
export interface ExecuteOptions {
  check: boolean;
  become: Become | undefined;
  vars: Record<string, unknown>;
  baseDirs: readonly string[];
  factsOf: (host: string) => Facts;
  progress: (message: string) => void;
  /** connection of another inventory host, for actions that copy from it */
  peer?: ApplyTarget['peer'];
  /** aborted by a signal: a plan made is not applied, and no further action starts */
  stop?: AbortSignal;
}

/** Read-only probes run as the task's user; a probe may ask for another user (e.g. postgres). */
export function proberFor(conn: Connection, become: Become | undefined): Prober {
  return (cmd, opts = {}) => {
    const { user, ...rest } = opts;
    const as = user ? { user, method: become?.method ?? 'sudo' } : become;
    return conn.exec(cmd, {
      ...rest,
      timeoutSec: rest.timeoutSec ?? PROBE_TIMEOUT_SEC,
      become: as,
      batch: true,
    });
  };
}

/** Records planned effects in the check-mode overlay, so later tasks plan against the predicted files. */
function predict(memory: HostMemory, actions: readonly Action[]): void {
  for (const a of actions) {
    if (a.kind === 'writeFile') {
      const old = memory.overlay.get(a.path);
      memory.overlay.set(a.path, {
        path: a.path,
        exists: a.after !== null,
        isDir: false,
        content: shownContent(a),
        mode: a.mode ?? old?.mode,
        owner: a.owner ?? old?.owner,
        group: a.group ?? old?.group,
      });
    } else if (a.kind === 'makeDir') {
      memory.overlay.set(a.path, { path: a.path, exists: true, isDir: true, content: null, mode: a.mode });
    }
  }
}

/** Builds the read-only context a task plans with. */
export function planContext(h: HostRuntime, o: ExecuteOptions): PlanContext {
  return {
    host: h.name,
    vars: o.vars,
    check: o.check,
    facts: new Facts(h.name, proberFor(h.conn, o.become), h.memory, o.become?.user),
    user: o.become?.user ?? h.conn.user,
    baseDirs: o.baseDirs,
    factsOf: o.factsOf,
    progress: o.progress,
  };
}

/** Checks the outcome; when the check fails, applies the plan's `undo` and fails saying it was put back. */
async function verifyOrUndo(plan: Plan, ctx: PlanContext, target: ApplyTarget) {
  try {
    return await plan.verify?.(ctx);
  } catch (e) {
    if (!(e instanceof ApplyError) || !plan.undo?.length) throw e;
    const what = plan.undo.map((a) => ('path' in a ? a.path : a.kind)).join(', ');
    try {
      await applyActions(target, plan.undo);
    } catch (u) {
      throw new ApplyError(`${e.message}\nputting back ${what} failed too: ${(u as Error).message}`);
    } finally {
      ctx.facts.forgetFiles();
    }
    throw new ApplyError(`${e.message}\nthe previous ${what} was put back`);
  }
}

/** Plans a task against the live host, then applies the plan (real run) or records it (check mode). */
export async function executeTask(
  h: HostRuntime,
  task: AnyTask,
  args: unknown,
  o: ExecuteOptions,
): Promise<TaskResult> {
  const ctx = planContext(h, o);
  const plan = await task.plan(ctx, args);
  const base = {
    actions: plan.actions,
    reason: plan.reason,
    restartRequired: plan.restartRequired,
    reloadRequired: plan.reloadRequired,
  };
  const quiet = plan.data?.reportChanged === false;
  const status = plan.actions.length > 0 && !quiet ? 'changed' : 'ok';
  if (o.check) {
    predict(h.memory, plan.actions);
    for (const f of plan.predicts?.files ?? []) h.memory.overlay.set(f.path, f);
    for (const [k, v] of Object.entries(plan.predicts?.facts ?? {}))
      h.memory.cache.set(k, Promise.resolve(v));
    return { ...base, status, check: true, data: { ...plan.data, changed: status === 'changed' } };
  }
  throwIfStopped(o.stop, 'planned, nothing applied');
  const target = { conn: h.conn, become: o.become, peer: o.peer, progress: o.progress, stop: o.stop };
  let out: Awaited<ReturnType<typeof applyActions>>;
  try {
    out = await applyActions(target, plan.actions);
  } finally {
    // what was read stays true when nothing was applied (a no-op task keeps the run's facts and files); after
    // an apply, even one that failed halfway (a later task may run: ignore_errors), it may not
    if (plan.actions.length > 0) {
      for (const prefix of plan.invalidates ?? []) h.memory.forget(prefix);
      ctx.facts.forgetFiles();
    }
  }
  const verified = plan.verify ? await verifyOrUndo(plan, ctx, target) : undefined;
  const data: Record<string, unknown> = { ...plan.data, ...verified, changed: status === 'changed' };
  if (out)
    Object.assign(
      data,
      { rc: out.code, stdout: out.stdout, stderr: out.stderr },
      plan.parseOutput?.(out.stdout),
    );
  return { ...base, status, data };
}
