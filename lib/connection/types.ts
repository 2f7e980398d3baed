import type { Readable, Writable } from 'node:stream';
import type { Cmd } from '../model/command.js';
import type { Payload } from '../secret.js';

/** How to become another user on the host. */
export interface Become {
  user: string;
  method: 'sudo' | 'su' | 'runuser';
}

/** Options of one remote command. */
export interface ExecOptions {
  /** stdin; may carry secrets, revealed only here */
  stdin?: Payload | string | Buffer;
  /** run as this user (undefined or same user: no wrapping) */
  become?: Become;
  /** enforced on the remote side with `timeout -k` */
  timeoutSec?: number;
  /** working directory on the host (default: / so any become user can read it) */
  cwd?: string;
  /**
   * A quick read-only probe: it may share one round trip with other probes of the same user sent at the same
   * moment, run one after the other on one session, instead of opening a session of its own
   */
  batch?: boolean;
}

/** Exit code and output of one remote command. stderr is already redacted of known secrets; stdout is raw data. */
export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A command running with its stdin and stdout as streams, e.g. one end of a copy between two hosts. */
export interface Spawned {
  stdout: Readable;
  stdin: Writable;
  /** resolves when the command has ended; `stdout` is empty (it was streamed); stderr is raw: mask it before showing */
  done: Promise<ExecResult>;
}

/** A transport to one host. `exec` never throws for a non-zero exit; it throws ConnectError when unreachable. */
export interface Connection {
  readonly host: string;
  /** The user commands run as before become. */
  readonly user: string | undefined;
  /**
   * Opens the transport (e.g. the ssh ControlMaster); idempotent. Throws ConnectError. `become`: the user the
   * first commands will run as, whose session may open the transport instead of the login user's.
   */
  open(become?: Become): Promise<void>;
  exec(cmd: Cmd, opts?: ExecOptions): Promise<ExecResult>;
  /**
   * Starts a command whose stdout is a stream; call after open(). With the `stdin` option it is written and
   * closed here (secrets revealed only here); without it, the caller writes to `stdin` and ends it.
   */
  spawn?(cmd: Cmd, opts?: ExecOptions): Spawned;
  close(): Promise<void>;
  /** Hook called with the display form of every command (secrets masked), for `-v`. */
  onCommand?: (display: string) => void;
}
