import { userInfo } from 'node:os';
import type { Cmd } from '../model/command.js';
import { buildScript, displayCommand } from './become.js';
import { redactResult, runProcess, spawnProcess, stdinBytes } from './process.js';
import type { Connection, ExecOptions, ExecResult, Spawned } from './types.js';

/** `ansible_connection=local`: commands run here through `sh -c`, become with runuser/sudo/su. */
export class LocalConnection implements Connection {
  readonly user: string;
  onCommand?: (display: string) => void;

  constructor(readonly host: string) {
    this.user = userInfo().username;
  }

  /** Nothing to open for a local transport. */
  async open(): Promise<void> {}

  /** Runs the command; a non-zero exit is returned, never thrown. */
  async exec(cmd: Cmd, opts: ExecOptions = {}): Promise<ExecResult> {
    this.onCommand?.(displayCommand(cmd.sh, opts.become, this.user));
    const script = buildScript(cmd.sh, opts, this.user);
    const backstopSec = opts.timeoutSec !== undefined ? opts.timeoutSec + 15 : undefined;
    const r = await runProcess(['sh', '-c', script], stdinBytes(opts.stdin), { backstopSec });
    return redactResult(r);
  }

  /** Starts the command with streamed stdin/stdout (for copies between hosts). */
  spawn(cmd: Cmd, opts: ExecOptions = {}): Spawned {
    this.onCommand?.(displayCommand(cmd.sh, opts.become, this.user));
    const p = spawnProcess(['sh', '-c', buildScript(cmd.sh, opts, this.user)]);
    if (opts.stdin !== undefined) p.stdin.end(stdinBytes(opts.stdin));
    // stderr stays raw: the copy reads data (the backup label) from it; messages are masked when shown
    return { stdout: p.stdout, stdin: p.stdin, done: p.done };
  }

  /** Nothing to close. */
  async close(): Promise<void> {}
}
