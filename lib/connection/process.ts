import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { type Payload, redact, reveal } from '../secret.js';

/** Raw result of a local process, before redaction. */
export interface RawResult {
  code: number;
  stdout: string;
  stderr: string;
  /** set when the local process itself was killed by a signal (then `code` is 128 + its number) */
  signal?: NodeJS.Signals;
}

/** The bytes to put on stdin; the only place a Secret inside a Payload becomes plain. */
export function stdinBytes(stdin: Payload | string | Buffer | undefined): Buffer {
  if (stdin === undefined) return Buffer.alloc(0);
  return Buffer.isBuffer(stdin) ? stdin : Buffer.from(reveal(stdin));
}

/** Exit code as a shell reports it: 128+N for a signal. */
function exitCode(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
}

/**
 * Runs argv with stdin, collecting output. `backstopSec` kills the process locally only if the host-side
 * `timeout` failed to; stdin is always closed so a command that reads it never waits for us.
 */
export async function runProcess(
  argv: readonly string[],
  stdin: Buffer,
  opts: { cwd?: string; backstopSec?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<RawResult> {
  const p = spawnProcess(argv, opts);
  const out: Buffer[] = [];
  p.stdout.on('data', (b: Buffer) => out.push(b));
  p.stdin.end(stdin);
  // 'close' (which settles done) comes after stdout has ended, so every chunk is in
  const r = await p.done;
  return { ...r, stdout: Buffer.concat(out).toString('utf8') };
}

/**
 * Masks known secrets in a result's stderr, which ends up in error messages. stdout stays as the host sent
 * it: it is data (file contents, query rows) that planning compares byte for byte; reporters mask what they show.
 */
export function redactResult(r: RawResult): RawResult {
  return { code: r.code, stdout: r.stdout, stderr: redact(r.stderr) };
}

/** A local process with streamed stdin/stdout; stderr is collected. */
export interface StreamedProcess {
  stdout: Readable;
  stdin: Writable;
  done: Promise<RawResult>;
}

/** Spawns argv with piped stdin/stdout for streaming (see {@link runProcess} for the collecting variant). */
export function spawnProcess(
  argv: readonly string[],
  opts: { cwd?: string; backstopSec?: number; env?: NodeJS.ProcessEnv } = {},
): StreamedProcess {
  const [file, ...args] = argv;
  const child = spawn(file ?? 'false', args, {
    cwd: opts.cwd ?? '/',
    env: opts.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
    // its own process group: a terminal's Ctrl-C reaches the runner, which lets a write in flight finish,
    // instead of killing ssh (or sh) under it
    detached: true,
  });
  const err: Buffer[] = [];
  child.stderr.on('data', (b: Buffer) => err.push(b));
  // a reader that exits early (EPIPE) shows up in its exit code, not as an exception here
  child.stdin.on('error', () => undefined);
  const done = new Promise<RawResult>((resolve, reject) => {
    const timer =
      opts.backstopSec !== undefined
        ? setTimeout(() => child.kill('SIGKILL'), opts.backstopSec * 1000)
        : undefined;
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8');
      resolve({ code: exitCode(code, signal), stdout: '', stderr, ...(signal ? { signal } : {}) });
    });
  });
  return { stdout: child.stdout, stdin: child.stdin, done };
}
