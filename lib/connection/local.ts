import { userInfo } from 'node:os';
import type { Cmd } from '../model/command.js';
import { buildScript, displayCommand } from './become.js';
import { redactResult, runProcess, stdinBytes } from './process.js';
import type { Connection, ExecOptions, ExecResult } from './types.js';

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

  /** Nothing to close. */
  async close(): Promise<void> {}
}
