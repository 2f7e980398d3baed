import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { ExecResult } from '../../lib/connection/types.js';
import { Facts, HostMemory, type Prober } from '../../lib/facts/facts.js';
import type { Action } from '../../lib/model/actions.js';
import type { Cmd } from '../../lib/model/command.js';
import { reveal } from '../../lib/secret.js';
import type { Plan, PlanContext } from '../../lib/tasks/define.js';

/** Runs `sh -c` on this machine; never throws for a non-zero exit. */
export function runLocal(cmd: Cmd, opts: { stdin?: string; cwd?: string } = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const stdin = opts.stdin === undefined ? 'ignore' : 'pipe';
    const p = spawn('sh', ['-c', cmd.sh], { cwd: opts.cwd ?? '/', stdio: [stdin, 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString('utf8');
    });
    p.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
    });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    // A command may exit without reading its stdin; that is not an error of the probe.
    p.stdin?.on('error', () => {});
    p.stdin?.end(opts.stdin);
  });
}

const prober: Prober = (cmd, opts) => {
  const stdin = opts?.stdin === undefined ? undefined : reveal(opts.stdin as string);
  return runLocal(cmd, { stdin, cwd: opts?.cwd });
};

/** Read-only facts of this machine, as the engine would give a task for a local host. */
export function localFacts(memory = new HostMemory()): Facts {
  return new Facts('local', prober, memory);
}

/** A PlanContext on this machine, for calling a task's plan() in specs. */
export function localContext(over: Partial<PlanContext> = {}): PlanContext {
  const facts = over.facts ?? localFacts();
  return {
    host: 'local',
    vars: {},
    check: false,
    facts,
    user: 'root',
    baseDirs: [],
    factsOf: () => facts,
    progress: () => {},
    ...over,
  };
}

async function chown(path: string, owner?: string, group?: string): Promise<void> {
  if (owner === undefined && group === undefined) return;
  const who = `${owner ?? ''}${group !== undefined ? `:${group}` : ''}`;
  const r = await runLocal({ sh: `chown '${who}' '${path}'` });
  if (r.code !== 0) throw new Error(r.stderr);
}

/** Applies a plan with plain fs calls: enough for plan → apply → plan specs (the real applier is the engine's). */
export async function applyPlanLocally(actions: readonly Action[]): Promise<void> {
  for (const a of actions) {
    if (a.kind === 'writeFile') {
      if (a.after === null) rmSync(a.path, { force: true });
      else writeFileSync(a.path, reveal(a.after));
      if (a.after !== null && a.mode !== undefined) chmodSync(a.path, Number.parseInt(a.mode, 8));
      if (a.after !== null) await chown(a.path, a.owner, a.group);
    } else if (a.kind === 'setAttrs') {
      if (a.after.mode !== undefined) chmodSync(a.path, Number.parseInt(a.after.mode, 8));
      await chown(a.path, a.after.owner, a.after.group);
    } else if (a.kind === 'makeDir') {
      mkdirSync(a.path, { recursive: true });
      if (a.mode !== undefined) chmodSync(a.path, Number.parseInt(a.mode, 8));
      await chown(a.path, a.owner, a.group);
    } else if (a.kind === 'movePath') {
      renameSync(a.from, a.to);
    } else if (a.kind === 'copyCluster') {
      throw new Error('copyCluster needs two hosts: use the engine');
    } else {
      const r = await runLocal(a.cmd, { stdin: a.stdin === undefined ? undefined : reveal(a.stdin) });
      if (r.code !== 0) throw new Error(`exec failed (${r.code}): ${a.cmd.sh}\n${r.stderr}`);
    }
  }
}

/** plan → apply → plan again: returns both plans; the contract is that the second has no actions. */
export async function converge<A>(
  task: { plan(ctx: PlanContext, args: A): Promise<Plan> },
  args: A,
  ctx: PlanContext = localContext(),
): Promise<{ first: Plan; second: Plan }> {
  const first = await task.plan(ctx, args);
  await applyPlanLocally(first.actions);
  // as the engine does after applying: what this plan read is stale now
  ctx.facts.forgetFiles();
  const second = await task.plan(ctx, args);
  return { first, second };
}
