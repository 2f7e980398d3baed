import { ConnectError } from '../errors.js';
import type { Cmd } from '../model/command.js';
import { buildScript, displayCommand, needsBecome } from './become.js';
import { runProcess, spawnProcess, stdinBytes } from './process.js';
import { commandScript, KILL_AFTER_SEC, sessionCommand } from './session-script.js';
import { Sessions } from './sessions.js';
import type { Become, Connection, ExecOptions, ExecResult, Spawned } from './types.js';

/** How to reach one inventory host through OpenSSH. */
export interface SshConnectionOptions {
  /** the inventory name, which is also the `Host` alias in the per-run config */
  host: string;
  /** `ansible_user`; when unset, asked of `ssh -G` on open */
  user?: string;
  /** the per-run ssh config (`ssh -F`) */
  configFile?: string;
  /** this inventory host's own master socket: several hosts may share one address, so not `%C` */
  controlPath: string;
  /** other ssh flags from `ansible_ssh_common_args` / `ansible_ssh_extra_args` */
  flags?: readonly string[];
  connectTimeout?: number;
  /** persistent sessions per become user; each is a channel that sshd's MaxSessions (default 10) counts */
  maxSessions?: number;
  /** seconds the controller waits past a command's own timeout before it closes the session */
  graceSec?: number;
  /** seconds a new session (and so the first command) may take to answer; default 60 */
  startTimeoutSec?: number;
  /** how long the master outlives the run (see persist.ts: 60 s unless the ssh args say); undefined: closed at the end */
  persist?: string;
}

/** The ssh options every call uses; command-line `-o` beats any config file. */
export function sshArgs(o: SshConnectionOptions): string[] {
  return [
    ...(o.configFile ? ['-F', o.configFile] : []),
    '-T',
    ...['-o', 'BatchMode=yes', '-o', `ConnectTimeout=${o.connectTimeout ?? 10}`],
    ...['-o', 'ServerAliveInterval=15', '-o', 'ServerAliveCountMax=3'],
    ...[
      '-o',
      'ControlMaster=auto',
      '-o',
      `ControlPath=${o.controlPath}`,
      '-o',
      `ControlPersist=${o.persist ?? 60}`,
    ],
    ...(o.flags ?? []),
  ];
}

/**
 * Every ssh argv this transport runs, built here only: options, then `extra` (e.g. `-O exit`, `-G`), then `--`
 * so that an inventory name starting with `-` is a destination and never an option, then the destination, then
 * the remote command as one word (ssh joins its words and the remote shell parses them again, so it must be
 * one quoted string).
 */
export function sshArgv(o: SshConnectionOptions, extra: readonly string[], remote?: string): string[] {
  return ['ssh', ...sshArgs(o), ...extra, '--', o.host, ...(remote === undefined ? [] : [remote])];
}

/**
 * OpenSSH with a ControlMaster per inventory host. Commands run in persistent remote shells over the master
 * (see sessions.ts): a command costs a write and a read, not a new ssh process and a login shell. Streams
 * (copies) keep a channel of their own.
 */
export class SshConnection implements Connection {
  readonly host: string;
  onCommand?: (display: string) => void;
  private login: string | undefined;
  private opening: Promise<void> | undefined;
  private closed = false;
  private readonly sessions: Sessions;

  constructor(private readonly o: SshConnectionOptions) {
    this.host = o.host;
    this.login = o.user;
    this.sessions = new Sessions({
      host: o.host,
      argv: (become) => sshArgv(o, [], sessionCommand(become)),
      perUser: o.maxSessions ?? 4,
      startTimeoutSec: o.startTimeoutSec,
    });
  }

  /** The login user (from `ansible_user`, or `ssh -G` once opened). */
  get user(): string | undefined {
    return this.login;
  }

  /**
   * Opens the master with a first session, so a fan-out that follows shares it: the `become` user's when the
   * first commands run as that user (a login session nothing would use costs a session start), else the login
   * user's. Throws ConnectError.
   */
  open(become?: Become): Promise<void> {
    // after close() (the end of a run, or a signal) nothing may open a new master behind the run's back
    if (this.closed) return Promise.reject(new ConnectError(this.host, `${this.host}: connection closed`));
    this.opening ??= this.doOpen(become);
    return this.opening;
  }

  private async doOpen(become: Become | undefined): Promise<void> {
    const first = become && this.login !== undefined && needsBecome(become, this.login) ? become : undefined;
    const [, user] = await Promise.all([this.sessions.open(first), this.resolveUser()]);
    this.login ??= user;
  }

  /** `ssh -G` prints the resolved config without connecting; we need only the user. */
  private async resolveUser(): Promise<string | undefined> {
    if (this.login !== undefined) return this.login;
    const g = await runProcess(sshArgv(this.o, ['-G']), Buffer.alloc(0));
    return /^user (.+)$/m.exec(g.stdout)?.[1];
  }

  /** Runs the command on the host; a non-zero exit is returned, never thrown; ConnectError when unreachable. */
  async exec(cmd: Cmd, opts: ExecOptions = {}): Promise<ExecResult> {
    try {
      await this.open();
    } catch (e) {
      this.opening = undefined; // the next command tries again
      throw e;
    }
    this.onCommand?.(displayCommand(cmd.sh, opts.become, this.login));
    const become = needsBecome(opts.become, this.login) ? opts.become : undefined;
    const deadline =
      opts.timeoutSec !== undefined ? opts.timeoutSec + KILL_AFTER_SEC + (this.o.graceSec ?? 10) : undefined;
    return this.sessions.run(
      commandScript(cmd.sh, opts),
      stdinBytes(opts.stdin),
      become,
      deadline,
      opts.batch,
    );
  }

  /**
   * Starts the command with streamed stdin/stdout on a channel of its own (call after open()): a copy may run
   * for hours and must not hold a session other commands wait for.
   */
  spawn(cmd: Cmd, opts: ExecOptions = {}): Spawned {
    this.onCommand?.(displayCommand(cmd.sh, opts.become, this.login));
    const p = spawnProcess(sshArgv(this.o, [], buildScript(cmd.sh, opts, this.login)));
    if (opts.stdin !== undefined) p.stdin.end(stdinBytes(opts.stdin));
    // stderr stays raw: the copy reads data (the backup label) from it; messages are masked when shown
    return { stdout: p.stdout, stdin: p.stdin, done: p.done };
  }

  /** Ends the sessions and closes the master (`ssh -O exit`); otherwise it would linger for ControlPersist seconds. */
  async close(): Promise<void> {
    this.closed = true;
    await this.sessions.closeAll();
    if (this.opening === undefined) return;
    this.opening = undefined;
    if (this.o.persist) return; // kept for the next run, as asked; it exits after ControlPersist idle
    await runProcess(sshArgv(this.o, ['-O', 'exit']), Buffer.alloc(0));
  }
}
