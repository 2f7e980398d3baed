import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createConnections } from '../connection/index.js';
import { ExitCode, signalExitCode } from '../errors.js';
import { HostMemory, ReadFiles } from '../facts/facts.js';
import { hostVars, type Inventory, loadInventory, selectHosts } from '../inventory/index.js';
import type { EventSink } from '../model/events.js';
import { emptyStats, type HostStats } from '../model/results.js';
import { renderString } from '../model/template.js';
import { loadPlaybook, type Play } from '../playbook/index.js';
import type { AnyTask } from '../tasks/define.js';
import { firstBecome } from './host-task.js';
import { never, type RunSignals, signalName, whenAborted } from './interrupt.js';
import { runPlay } from './play.js';
import { pool } from './pool.js';
import { preflight } from './preflight.js';
import { seedLint } from './seed-lint.js';
import type { RunState } from './state.js';
import { markSecretVars, withHostDefaults } from './vars.js';

/** Options of {@link runPlaybook}; the CLI flags map onto these one to one, the CLI's signals onto `stop`/`cut`. */
export interface RunOptions extends RunSignals {
  /** inventory sources (`-i`, repeatable): files, directories or `h1,h2,` lists */
  inventory: string[];
  /** `--limit` host pattern */
  limit?: string;
  tags?: string[];
  skipTags?: string[];
  /** `-e` variables, highest precedence */
  extraVars?: Record<string, unknown>;
  /** plan only, change nothing (`--check`) */
  check?: boolean;
  /** parallel hosts per task (`--forks`, default 10) */
  forks?: number;
  /** receives every event (reporters) */
  onEvent?: EventSink;
  /** connection defaults under every host's variables (from ansible.cfg: ansible_user, key file, ssh args) */
  hostDefaults?: Record<string, unknown>;
}

/** What a run ends with. */
export interface RunSummary {
  stats: Record<string, HostStats>;
  exitCode: number;
}

/** The hosts of each play: its pattern ∩ --limit, in inventory order. Unknown names are input errors. */
export function playHosts(
  inv: Inventory,
  plays: readonly Play[],
  limit?: string,
  extraVars: Record<string, unknown> = {},
): string[][] {
  const limited = limit ? new Set(selectHosts(inv, limit)) : undefined;
  return plays.map((p) => {
    // `hosts: "{{ target }}"` takes its pattern from -e, as in Ansible
    const pattern = p.hosts.includes('{{') ? String(renderString(p.hosts, extraVars, p.hostsWhere)) : p.hosts;
    return selectHosts(inv, pattern, p.hostsWhere).filter((h) => !limited || limited.has(h));
  });
}

/**
 * Loads playbook and inventory and checks every template; throws InputError before any host is contacted. The
 * task registry (every task and the PostgreSQL code behind them) is imported only when a play has tasks.
 */
export async function prepareRun(file: string, opts: RunOptions) {
  let tasks: Readonly<Record<string, AnyTask>> = {};
  const loadTasks = async () => {
    tasks = (await import('../tasks/registry.js')).registry;
    return tasks;
  };
  const plays = await loadPlaybook(file, loadTasks);
  const inventory = await loadInventory(opts.inventory, { playbookDir: dirname(file) });
  const hostsOf = playHosts(inventory, plays, opts.limit, opts.extraVars);
  return { plays, inventory, hostsOf, tasks };
}

function exitCodeOf(rs: RunState): number {
  if (rs.stop.aborted) return signalExitCode(signalName(rs.stop));
  if (rs.internalFailure) return ExitCode.internal;
  if (rs.inputFailure) return ExitCode.invalidInput;
  if (rs.failed.size > 0) return ExitCode.taskFailed;
  if (rs.unreachable.size > 0) return ExitCode.unreachable;
  return ExitCode.ok;
}

/** `--detailed-exitcode`: a failure keeps its code; success is 6 when any host changed (or would, in check mode). */
export function detailedExitCode(summary: RunSummary): number {
  if (summary.exitCode !== ExitCode.ok) return summary.exitCode;
  return Object.values(summary.stats).some((s) => s.changed > 0) ? ExitCode.changed : ExitCode.ok;
}

/** The directory of the first inventory source that is a file or directory (else the working directory). */
function inventoryDir(sources: readonly string[]): string {
  for (const s of sources) {
    const st = statSync(s, { throwIfNoEntry: false });
    if (st) return st.isDirectory() ? resolve(s) : dirname(resolve(s));
  }
  return process.cwd();
}

/** Runs a playbook against an inventory: plays in order, each task on its hosts in parallel. */
export async function runPlaybook(file: string, opts: RunOptions): Promise<RunSummary> {
  const { plays, inventory, hostsOf, tasks } = await prepareRun(file, opts);
  const extraVars = opts.extraVars ?? {};
  markSecretVars(extraVars);
  const invVars = new Map<string, Record<string, unknown>>();
  const invDir = inventoryDir(opts.inventory);
  const inventoryVars = (h: string): Record<string, unknown> => {
    const cached = invVars.get(h);
    if (cached) return cached;
    // Ansible's inventory_dir: where files kept beside the inventory live (e.g. the cluster's TLS CA)
    const v = { inventory_dir: invDir, ...hostVars(inventory, h) };
    markSecretVars(v);
    invVars.set(h, v);
    return v;
  };
  const emit: EventSink = opts.onEvent ?? (() => {});
  const stop = opts.stop ?? never;
  const cut = opts.cut ?? never;
  const untilStop = whenAborted(stop, () => {
    const sig = signalName(stop);
    emit({
      type: 'warning',
      message: `${sig}: stopping; no new task starts, tasks in flight finish (${sig} again cuts them)`,
    });
  });
  const involved = [...new Set(hostsOf.flat())];
  const read = new ReadFiles();
  const memories = new Map([...inventory.hosts.keys()].map((h) => [h, new HostMemory(read)]));
  const rsBase = {
    inventory,
    tasks,
    check: !!opts.check,
    forks: opts.forks ?? 10,
    tags: opts.tags ?? [],
    skipTags: opts.skipTags ?? [],
  };
  const draft: RunState = {
    ...rsBase,
    extraVars,
    emit,
    conn: () => {
      throw new Error('no connections during preflight');
    },
    memory: (h) => memories.get(h) ?? new HostMemory(read),
    inventoryVars,
    registered: new Map(),
    stats: new Map(),
    failed: new Set(),
    unreachable: new Set(),
    inputFailure: false,
    internalFailure: false,
    stop,
    cut,
  };
  preflight(draft, plays, hostsOf);
  seedLint(draft, plays, hostsOf, emit);
  emit({ type: 'playbookStart', file, check: draft.check });
  const conns = await createConnections(
    // every inventory host gets a (lazy) connection: a task may read a peer outside its play, e.g. the primary
    // and Ansible's implicit localhost when a play names it (e.g. the controller's TLS CA)
    [...new Set([...inventory.hosts.keys(), ...hostsOf.flat()])].map((name) => ({
      name,
      vars: withHostDefaults(opts.hostDefaults ?? {}, { ...inventoryVars(name), ...extraVars }),
      implicit: !inventory.hosts.has(name),
    })),
    { verbose: (host, display) => emit({ type: 'command', host, display }) },
  );
  const rs: RunState = { ...draft, conn: (h) => conns.get(h) };
  const untilCut = whenAborted(cut, () => {
    emit({
      type: 'warning',
      message: `${signalName(cut)} again: closing every connection; commands in flight are cut`,
    });
    void conns.closeAll();
  });
  // every play's hosts are opened at once (forks at a time), so a later play does not wait for its handshakes;
  // a failure stays in the connection for that play's own open to report
  const warm = pool([...new Set(hostsOf.flat())], rs.forks, (h) =>
    conns
      .get(h)
      .open(firstBecome(rs, plays, hostsOf, h))
      .catch(() => undefined),
  );
  try {
    for (const [i, play] of plays.entries()) {
      if (stop.aborted) break;
      await runPlay(rs, play, hostsOf[i] ?? []);
    }
  } finally {
    untilStop();
    untilCut();
    await warm; // a master that came up after closeAll would outlive the run
    await conns.closeAll();
  }
  if (stop.aborted)
    emit({
      type: 'warning',
      message: `interrupted by ${signalName(stop)}: the run ended early; run the playbook again to finish`,
    });
  const stats: Record<string, HostStats> = Object.fromEntries(
    involved.map((h) => [h, rs.stats.get(h) ?? emptyStats()]),
  );
  emit({ type: 'recap', stats });
  return { stats, exitCode: exitCodeOf(rs) };
}
