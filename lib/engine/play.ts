import { ConnectError } from '../errors.js';
import type { Play } from '../playbook/index.js';
import { filterTags } from '../playbook/index.js';
import { redact } from '../secret.js';
import { type Notified, notify, runHandlers } from './handlers.js';
import { runOnHost } from './host-task.js';
import { pool } from './pool.js';
import { alive, count, type RunState } from './state.js';

/** Opens each host's transport before fanning out (one ssh master per host); unreachable hosts leave the run. */
async function openAll(rs: RunState, hosts: string[]): Promise<void> {
  await pool(
    hosts,
    rs.forks,
    async (host) => {
      try {
        await rs.conn(host).open();
      } catch (e) {
        if (!(e instanceof ConnectError)) throw e;
        rs.unreachable.add(host);
        const result = { status: 'unreachable' as const, actions: [], error: redact(e.message) };
        count(rs, host, result);
        rs.emit({ type: 'hostResult', host, task: 'connect', result, noLog: false });
      }
    },
    rs.stop,
  );
}

async function runBatch(rs: RunState, play: Play, hosts: string[]): Promise<void> {
  await openAll(rs, hosts);
  const notified: Notified = new Map();
  for (const task of filterTags(play.tasks, rs.tags, rs.skipTags)) {
    const active = hosts.filter((h) => alive(rs, h));
    if (active.length === 0 || rs.stop.aborted) break;
    rs.emit({ type: 'taskStart', name: task.name, handler: false, where: task.where });
    await pool(
      active,
      Math.min(rs.forks, task.throttle ?? rs.forks),
      async (host) => {
        const r = await runOnHost(rs, play, task, host, hosts);
        if (r.status === 'changed') notify(notified, host, task);
      },
      rs.stop,
    );
    if (play.anyErrorsFatal && active.some((h) => rs.failed.has(h))) {
      for (const h of active) rs.failed.add(h);
      break;
    }
  }
  await runHandlers(rs, play, notified, hosts);
}

/** Runs one play over its hosts, in batches of `serial` when set. */
export async function runPlay(rs: RunState, play: Play, hosts: string[]): Promise<void> {
  const live = hosts.filter((h) => alive(rs, h));
  rs.emit({ type: 'playStart', name: play.name, hosts: live, where: play.where });
  if (live.length === 0) {
    rs.emit({ type: 'noHosts', play: play.name });
    return;
  }
  const size = play.serial && play.serial > 0 ? play.serial : live.length;
  // a failed host stays out of the rest of the run, as in Ansible
  for (let i = 0; i < live.length && !rs.stop.aborted; i += size)
    await runBatch(rs, play, live.slice(i, i + size));
}
