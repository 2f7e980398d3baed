import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runProcess } from '../../lib/connection/process.js';

/** The project root. */
export const root = fileURLToPath(new URL('../..', import.meta.url));

/** Output of one CLI run. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI from source (through tsx), as a user would run `run-playbook …`. */
export function runCli(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CliRun> {
  const tsx = pathToFileURL(`${root}/node_modules/tsx/dist/loader.mjs`).href;
  return runProcess([process.execPath, '--import', tsx, `${root}/lib/cli.ts`, ...args], Buffer.alloc(0), {
    cwd: opts.cwd ?? root,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
  });
}

/** A CLI run in progress: its pid (the leader of its own process group), output so far, and its end. */
export interface LiveCli {
  pid: number;
  /** stdout and stderr so far */
  output(): string;
  /** resolves once the output matches (rejects when the CLI ends first) */
  waitFor(re: RegExp): Promise<void>;
  done: Promise<CliRun>;
}

/**
 * Starts the CLI from source in its own process group, so a spec can signal the process alone or the whole
 * group, as a terminal's Ctrl-C does.
 */
export function startCli(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): LiveCli {
  const tsx = pathToFileURL(`${root}/node_modules/tsx/dist/loader.mjs`).href;
  const child = spawn(process.execPath, ['--import', tsx, `${root}/lib/cli.ts`, ...args], {
    cwd: opts.cwd ?? root,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  let ended = false;
  const waiters: { re: RegExp; resolve: () => void; reject: (e: Error) => void }[] = [];
  const check = () => {
    for (const w of [...waiters])
      if (w.re.test(stdout + stderr)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
  };
  child.stdout.on('data', (b: Buffer) => {
    stdout += b.toString('utf8');
    check();
  });
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString('utf8');
    check();
  });
  const done = new Promise<CliRun>((resolve) =>
    child.on('close', (code, signal) => {
      ended = true;
      for (const w of waiters.splice(0)) w.reject(new Error(`CLI ended before ${w.re}:\n${stdout}${stderr}`));
      resolve({ code: code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0), stdout, stderr });
    }),
  );
  return {
    pid: child.pid as number,
    output: () => stdout + stderr,
    waitFor: (re) =>
      new Promise<void>((resolve, reject) => {
        if (re.test(stdout + stderr)) resolve();
        else if (ended) reject(new Error(`CLI ended before ${re}:\n${stdout}${stderr}`));
        else waiters.push({ re, resolve, reject });
      }),
    done,
  };
}

/**
 * changed= of each database host in a PLAY RECAP, in recap order: not the controller's `localhost`, whose play
 * makes the TLS CA (its tasks are skipped when TLS is off). Throws when the output holds no recap, so a check
 * on the result cannot pass on an output that has none.
 */
export function hostsChanged(out: string): number[] {
  const rows = [...out.matchAll(/^(\S+)\s+: ok=\d+\s+changed=(\d+)/gm)];
  if (rows.length === 0) throw new Error(`no PLAY RECAP in the output:\n${out}`);
  return rows.filter((m) => m[1] !== 'localhost').map((m) => Number(m[2]));
}
