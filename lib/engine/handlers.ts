import type { Play, TaskNode } from '../playbook/index.js';
import { runOnHost } from './host-task.js';
import { pool } from './pool.js';
import { alive, type RunState } from './state.js';

/** Per host, the handler names (or `listen` topics) notified during a play. */
export type Notified = Map<string, Set<string>>;

/** Queues the task's `notify` names for a host whose result changed. */
export function notify(n: Notified, host: string, task: TaskNode): void {
  if (task.notify.length === 0) return;
  let set = n.get(host);
  if (!set) {
    set = new Set();
    n.set(host, set);
  }
  for (const name of task.notify) set.add(name);
}

/** What a handler answers to: its name (with or without the `role : ` prefix) and its `listen` topics. */
export function handlerNames(h: TaskNode): string[] {
  const prefix = h.role ? `${h.role} : ` : '';
  const bare = prefix && h.name.startsWith(prefix) ? [h.name.slice(prefix.length)] : [];
  return [h.name, ...bare, ...h.listen];
}

const wants = (h: TaskNode, names: Set<string> | undefined): boolean =>
  !!names && handlerNames(h).some((n) => names.has(n));

/** Runs notified handlers once per host at the end of the play, in definition order. */
export async function runHandlers(rs: RunState, play: Play, n: Notified, hosts: string[]): Promise<void> {
  for (const h of play.handlers) {
    if (rs.stop.aborted) return;
    const targets = hosts.filter((host) => alive(rs, host) && wants(h, n.get(host)));
    if (targets.length === 0) continue;
    rs.emit({ type: 'taskStart', name: h.name, handler: true, where: h.where });
    await pool(
      targets,
      rs.forks,
      async (host) => {
        const r = await runOnHost(rs, play, h, host, hosts);
        if (r.status === 'changed') notify(n, host, h);
      },
      rs.stop,
    );
  }
}
