import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { SandboxNode, SandboxState } from '../../lib/sandbox/sandbox.js';

const run = promisify(execFile);

/** Runs SQL on a sandbox node as its server user, over the unix socket; returns unaligned tuples. */
export async function nodeSql(s: SandboxState, n: SandboxNode, sql: string): Promise<string> {
  const socket = n.vars.pg_socket_dir ?? '/var/run/postgresql';
  const argv = [
    '/usr/lib/postgresql/15/bin/psql',
    '-X',
    '-q',
    '-A',
    '-t',
    '-v',
    'ON_ERROR_STOP=1',
    '-h',
    socket,
    '-p',
    String(n.port),
    '-U',
    'postgres',
    '-d',
    'postgres',
    '-c',
    sql,
  ];
  const r =
    process.getuid?.() === 0
      ? await run('runuser', ['-u', s.osUser, '--', ...argv], { cwd: '/' })
      : await run(argv[0]!, argv.slice(1));
  return r.stdout.trim();
}

/** Polls until `fn` returns a truthy value (or the attempts run out); returns the last value. */
export async function eventually<T>(fn: () => Promise<T>, attempts = 50, delayMs = 200): Promise<T> {
  let last = await fn();
  for (let i = 0; i < attempts && !last; i++) {
    await new Promise((r) => setTimeout(r, delayMs));
    last = await fn();
  }
  return last;
}

/** The server log of a sandbox node (pg_ctl -l file, or Debian's). */
export function nodeLog(n: SandboxNode): string {
  return n.vars.pg_log_file ?? `/var/log/postgresql/postgresql-15-${n.cluster}.log`;
}
