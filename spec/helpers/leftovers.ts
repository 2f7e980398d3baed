import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { persistDir, persistSocketName } from '../../lib/connection/persist.js';
import { runProcess } from '../../lib/connection/process.js';
import { hostSsh } from '../../lib/connection/ssh-config.js';
import type { SshdHandle } from '../../lib/sandbox/sshd.js';
import { eventually } from './sandbox.js';

/** The run's private directories (`rpb-*`: ssh config and master sockets) left in a temp dir. */
export function rpbDirs(tmp: string): string[] {
  return existsSync(tmp) ? readdirSync(tmp).filter((f) => f.startsWith('rpb-')) : [];
}

/** ssh processes (masters above all) whose command line names a path under `tmp` (their ControlPath). */
export function sshProcessesUnder(tmp: string): { pid: number; args: string }[] {
  const ps = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return ps.split('\n').flatMap((l) => {
    const m = /^\s*(\d+) (ssh\b.*)$/.exec(l);
    return m?.[1] && m[2]?.includes(tmp) ? [{ pid: Number(m[1]), args: m[2] }] : [];
  });
}

/** SIGKILLs processes found by {@link sshProcessesUnder}; one that ended meanwhile is fine. */
export function killAll(procs: readonly { pid: number }[]): void {
  for (const p of procs) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  }
}

/**
 * ssh clients (not masters) whose command line names a path under `dir`: a run leaves none, while the masters it
 * keeps (ControlPersist, the default) stay for the next run.
 */
export async function sshClientsLeft(dir: string): Promise<string[]> {
  const clients = () => sshProcessesUnder(dir).filter((p) => !/\[mux\]$/.test(p.args));
  await eventually(async () => clients().length === 0);
  return clients().map((p) => p.args);
}

/** The kept master socket of an inventory host whose variables are `vars`, for runs with this HOME. */
export function keptMasterSocket(home: string, host: string, vars: Record<string, string>): string {
  return join(persistDir(home), persistSocketName(host, hostSsh(vars, host)));
}

/** Tells every master kept under this HOME to exit (a spec's teardown: they would idle out after 60 s). */
export async function exitKeptMasters(home: string): Promise<void> {
  const dir = persistDir(home);
  if (!existsSync(dir)) return;
  await Promise.all(
    readdirSync(dir).map((s) =>
      runProcess(['ssh', '-O', 'exit', '-o', `ControlPath=${join(dir, s)}`, 'x'], Buffer.alloc(0)),
    ),
  );
}

/** Temp files of the atomic writer (`.run-playbook.*`) left in a directory. */
export function writerTempFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.startsWith('.run-playbook.'));
}

/** An INI host line reaching the spec's sshd, as root. */
export function sshHostLine(name: string, sshd: SshdHandle): string {
  const vars = Object.entries(sshd.hostVars())
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' ');
  return `${name} ${vars}`;
}
