import { $ } from 'zx';
import { ConnectError } from '../errors.js';
import type { Cmd } from '../model/command.js';
import { buildScript, displayCommand } from './become.js';
import { redactResult, runProcess, spawnProcess, stdinBytes } from './process.js';
import type { Connection, ExecOptions, ExecResult, Spawned } from './types.js';

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
  /** commands in flight on the master; sshd refuses sessions beyond its MaxSessions (default 10) */
  maxSessions?: number;
}

/** The ssh options every call uses; command-line `-o` beats any config file. */
export function sshArgs(o: SshConnectionOptions): string[] {
  return [
    ...(o.configFile ? ['-F', o.configFile] : []),
    '-T',
    ...['-o', 'BatchMode=yes', '-o', `ConnectTimeout=${o.connectTimeout ?? 10}`],
    ...['-o', 'ServerAliveInterval=15', '-o', 'ServerAliveCountMax=3'],
    ...['-o', 'ControlMaster=auto', '-o', `ControlPath=${o.controlPath}`, '-o', 'ControlPersist=60'],
    ...(o.flags ?? []),
  ];
}

/**
 * The whole ssh argv after `ssh`: the common options, then `extra` (`-G`, `-O exit`), then `--` so that an
 * inventory name starting with `-` is a destination and never an option, then the remote script if any.
 */
export function sshArgv(o: SshConnectionOptions, extra: readonly string[], script?: string): string[] {
  return [...sshArgs(o), ...extra, '--', o.host, ...(script === undefined ? [] : [script])];
}

/** ssh's own complaint, without the noise of a fallback from a busy master. */
function sshMessage(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim());
  const useful = lines.filter((l) => l && !/^mux_client|ControlSocket .* already exists/.test(l));
  return useful.join('\n') || 'ssh exited with 255 and no message';
}

/** OpenSSH with a ControlMaster per inventory host; the remote command is one POSIX-quoted string. */
export class SshConnection implements Connection {
  readonly host: string;
  onCommand?: (display: string) => void;
  private login: string | undefined;
  private opening: Promise<void> | undefined;
  private closed = false;
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly o: SshConnectionOptions) {
    this.host = o.host;
    this.login = o.user;
  }

  /** The login user (from `ansible_user`, or `ssh -G` once opened). */
  get user(): string | undefined {
    return this.login;
  }

  /** Opens the master with one `true`, so a fan-out that follows shares it. Throws ConnectError. */
  open(): Promise<void> {
    // after close() (the end of a run, or a signal) nothing may open a new master behind the run's back
    if (this.closed) return Promise.reject(new ConnectError(this.host, `${this.host}: connection closed`));
    this.opening ??= this.doOpen();
    return this.opening;
  }

  private async doOpen(): Promise<void> {
    const [r, user] = await Promise.all([this.ssh('true', Buffer.alloc(0)), this.resolveUser()]);
    if (r.exitCode !== 0) throw new ConnectError(this.host, `${this.host}: ${sshMessage(r.stderr)}`);
    this.login ??= user;
  }

  /** `ssh -G` prints the resolved config without connecting; we need only the user. */
  private async resolveUser(): Promise<string | undefined> {
    if (this.login !== undefined) return this.login;
    const g = await $({ quiet: true, nothrow: true })`ssh ${sshArgv(this.o, ['-G'])}`;
    return /^user (.+)$/m.exec(g.stdout)?.[1];
  }

  /** Runs the command on the host; a non-zero exit is returned, never thrown; ConnectError when unreachable. */
  async exec(cmd: Cmd, opts: ExecOptions = {}): Promise<ExecResult> {
    await this.open();
    this.onCommand?.(displayCommand(cmd.sh, opts.become, this.login));
    const script = buildScript(cmd.sh, opts, this.login);
    await this.acquire();
    try {
      const backstop = opts.timeoutSec !== undefined ? opts.timeoutSec + 15 : undefined;
      const r = await this.ssh(script, stdinBytes(opts.stdin), backstop);
      // our own ssh killed (by someone, or by the backstop): the command's fate on the host is unknown
      if (r.signal) throw new ConnectError(this.host, `${this.host}: ssh was killed by ${r.signal}`);
      if (r.exitCode === 255 && r.stdout === '' && !(await this.masterAlive())) {
        throw new ConnectError(this.host, `${this.host}: ${sshMessage(r.stderr)}`);
      }
      return redactResult({ code: r.exitCode ?? 255, stdout: r.stdout, stderr: r.stderr });
    } finally {
      this.release();
    }
  }

  /**
   * Starts the command with streamed stdin/stdout over the master (call after open()). A long copy holds one
   * session outside the MaxSessions queue: it is one extra session at most per copy.
   */
  spawn(cmd: Cmd, opts: ExecOptions = {}): Spawned {
    this.onCommand?.(displayCommand(cmd.sh, opts.become, this.login));
    const script = buildScript(cmd.sh, opts, this.login);
    const p = spawnProcess(['ssh', ...sshArgv(this.o, [], script)]);
    if (opts.stdin !== undefined) p.stdin.end(stdinBytes(opts.stdin));
    // stderr stays raw: the copy reads data (the backup label) from it; messages are masked when shown
    return { stdout: p.stdout, stdin: p.stdin, done: p.done };
  }

  /** Closes the master (`ssh -O exit`); otherwise it would linger for ControlPersist seconds. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.opening === undefined) return;
    this.opening = undefined;
    await $({ quiet: true, nothrow: true })`ssh ${sshArgv(this.o, ['-O', 'exit'])}`;
  }

  /** 255 is also a remote command's own exit code: a live master means the host answered. */
  private async masterAlive(): Promise<boolean> {
    const r = await $({ quiet: true, nothrow: true })`ssh ${sshArgv(this.o, ['-O', 'check'])}`;
    return r.exitCode === 0;
  }

  /**
   * ssh spawned directly (no local shell in between: zx's bash cost ~10 ms a command). The remote command is
   * one argument: ssh joins its words and the remote shell parses them again, so it must be one quoted string.
   */
  private async ssh(
    script: string,
    stdin: Buffer,
    backstopSec?: number,
  ): Promise<{ exitCode: number; stdout: string; stderr: string; signal?: NodeJS.Signals }> {
    const r = await runProcess(['ssh', ...sshArgv(this.o, [], script)], stdin, { backstopSec });
    return {
      exitCode: r.code,
      stdout: r.stdout,
      stderr: r.stderr,
      ...(r.signal ? { signal: r.signal } : {}),
    };
  }

  private async acquire(): Promise<void> {
    if (this.active < (this.o.maxSessions ?? 8)) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}
