import { becomeFromVars, createConnections } from '../connection/index.js';
import type { Become, Connection } from '../connection/types.js';
import { InputError } from '../errors.js';
import { Facts, HostMemory } from '../facts/facts.js';
import { hostVars, loadInventory } from '../inventory/index.js';
import type { EventSink } from '../model/events.js';
import type { TaskResult } from '../model/results.js';
import type { Target, Task } from '../tasks/define.js';
import { executeTask, proberFor } from './execute.js';
import { validateArgs } from './validate.js';
import { markSecretVars } from './vars.js';

/** Options of {@link connect}. */
export interface ConnectOptions {
  /** inventory sources to read the host's variables from */
  inventory?: string[];
  /** connection variables (`ansible_host`, `ansible_user`, `ansible_connection`, …); override the inventory's */
  vars?: Record<string, unknown>;
  /** become this user for every task (like `become: true` + `become_user`) */
  becomeUser?: string;
  /** directories to look up template sources in */
  baseDirs?: string[];
  /** receives progress and command events */
  onEvent?: EventSink;
  /**
   * other hosts this one works with (e.g. the primary of a standby): their facts (`factsOf`), their variables
   * (`hostvars`) and their connection (copies) become available to the tasks, by the peer's name
   */
  peers?: Host[];
}

/** A host to run tasks on from a script: `await ensureLine(host, {...})`. */
export interface Host extends Target {
  readonly name: string;
  /** read-only facts of the host (as the become user), read afresh from each `facts` you take */
  readonly facts: Facts;
  close(): Promise<void>;
}

interface Runtime {
  conn: Connection;
  become: Become | undefined;
  vars: Record<string, unknown>;
}

/** What a peer needs of a Host, kept off its public shape. */
const runtimes = new WeakMap<Host, Runtime>();

function peerMap(peers: readonly Host[]): Map<string, Runtime> {
  const out = new Map<string, Runtime>();
  for (const p of peers) {
    const r = runtimes.get(p);
    if (!r) throw new InputError(`peer '${p.name}' was not made by connect()`);
    out.set(p.name, r);
  }
  return out;
}

/**
 * Connects to one host, by inventory name or ssh alias; `localhost` without variables runs locally.
 * Throws ConnectError when the host is unreachable.
 */
export async function connect(name: string, opts: ConnectOptions = {}): Promise<Host> {
  let vars: Record<string, unknown> = {};
  if (opts.inventory) {
    const inv = await loadInventory(opts.inventory);
    if (!inv.hosts.has(name)) throw new InputError(`host '${name}' is not in the inventory`);
    vars = hostVars(inv, name);
  } else if (name === 'localhost' && !opts.vars) vars = { ansible_connection: 'local' };
  vars = { ...vars, ...opts.vars };
  markSecretVars(vars);
  const peers = peerMap(opts.peers ?? []);
  const hostvars: Record<string, unknown> = { [name]: vars };
  for (const [n, p] of peers) hostvars[n] = p.vars;
  const taskVars = peers.size > 0 ? { ...vars, hostvars } : vars;
  const emit: EventSink = opts.onEvent ?? (() => {});
  const conns = await createConnections([{ name, vars }], {
    verbose: (host, display) => emit({ type: 'command', host, display }),
  });
  const conn = conns.get(name);
  await conn.open();
  const become = becomeFromVars(vars, opts.becomeUser ? { become: true, becomeUser: opts.becomeUser } : {});
  const runTask = async <A>(task: Task<A>, args: A, o?: { check?: boolean }): Promise<TaskResult> => {
    validateArgs(task, args, () => undefined);
    // each call is a run of its own: facts are gathered afresh and a check run's overlay is not kept
    return executeTask({ name, conn, memory: new HostMemory() }, task, args, {
      check: !!o?.check,
      become,
      vars: taskVars,
      baseDirs: opts.baseDirs ?? [process.cwd()],
      factsOf: (other) => {
        const p = peers.get(other);
        if (!p) throw new InputError(`facts of '${other}' need it in peers (or a playbook run)`);
        return new Facts(other, proberFor(p.conn, p.become), new HostMemory());
      },
      progress: (message) => emit({ type: 'progress', host: name, message }),
      peer: (other) => {
        const p = peers.get(other);
        if (!p) throw new InputError(`copying from '${other}' needs it in peers (or a playbook run)`);
        return p;
      },
    });
  };
  const host: Host = {
    name,
    get facts() {
      return new Facts(name, proberFor(conn, become), new HostMemory());
    },
    runTask,
    close: () => conns.closeAll(),
  };
  runtimes.set(host, { conn, become, vars });
  return host;
}
