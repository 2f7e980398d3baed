import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Demux } from './demux.js';
import type { RawResult } from './process.js';
import { frame } from './session-script.js';

/** The session's process ended before it was ready: ssh's or sudo's exit code and complaint. */
export class SessionStartError extends Error {
  constructor(
    readonly code: number,
    readonly stderr: string,
  ) {
    super(stderr.trim() || `session ended with ${code} before it was ready`);
  }
}

/** The session's process ended while a command ran: whether that command ran is unknown. */
export class SessionLostError extends Error {}

interface Running {
  id: number;
  stdout?: Buffer;
  code?: number;
  stderr?: Buffer;
  resolve: (r: RawResult) => void;
  reject: (e: Error) => void;
  timer?: NodeJS.Timeout;
}

/** How much of ssh's stderr outside any command is kept for messages. */
const NOISE_MAX = 4096;

/**
 * One persistent remote `sh` (see session-script.ts) behind one local process, usually an ssh mux client.
 * Runs one command at a time; the caller queues. A process that ends makes the session dead for good.
 */
export class Session {
  readonly ready: Promise<void>;
  private readonly child: ChildProcess;
  private current: Running | undefined;
  private nextId = 1;
  private noise = '';
  private ended: { code: number } | undefined;
  private killed = false;

  /** `startTimeoutSec`: a remote side that accepts the channel but never starts the shell is given up on */
  constructor(argv: readonly string[], startTimeoutSec = 60) {
    const marker = `rpb${randomBytes(16).toString('hex')}`;
    const [file, ...args] = argv;
    this.child = spawn(file ?? 'false', args, {
      cwd: '/',
      stdio: ['pipe', 'pipe', 'pipe'],
      // its own process group: a terminal's Ctrl-C goes to the runner, which stops cleanly, not to the session
      detached: true,
    });
    this.child.stdin?.on('error', () => undefined); // a dead process shows up as 'close'
    let onReady: () => void = () => undefined;
    let onFail: (e: Error) => void = () => undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      onReady = resolve;
      onFail = reject;
    });
    this.ready.catch(() => undefined); // observed by whoever awaits it
    const m = Buffer.from(marker);
    const out = new Demux(m, (line, body) => (line === 'R' ? onReady() : this.onStdout(line, body)));
    const err = new Demux(
      m,
      (line, body) => this.onStderr(line, body),
      (b) => this.keepNoise(b),
    );
    this.child.stdout?.on('data', (b: Buffer) => out.push(b));
    this.child.stderr?.on('data', (b: Buffer) => err.push(b));
    this.child.stderr?.on('end', () => err.end());
    this.child.on('error', (e) => onFail(new SessionStartError(127, e.message)));
    this.child.on('close', (code) => {
      this.ended = { code: code ?? 255 };
      onFail(new SessionStartError(code ?? 255, this.noise));
      this.fail(new SessionLostError(this.noise.trim() || `exit ${code ?? 'by signal'}`));
    });
    this.child.stdin?.write(`${marker}\n`);
    const timer = setTimeout(() => {
      this.killed = true;
      this.child.kill('SIGKILL');
      onFail(new SessionStartError(255, `no answer from the remote shell within ${startTimeoutSec} s`));
    }, startTimeoutSec * 1000);
    this.ready.then(
      () => clearTimeout(timer),
      () => clearTimeout(timer),
    );
  }

  /** Whether the process still runs; a dead session is replaced, never reused. */
  get alive(): boolean {
    return this.ended === undefined && !this.killed;
  }

  /**
   * Runs one script with its stdin. `deadlineSec` bounds the wait: past it the session is killed and the
   * command is reported as timed out (exit 124), so a remote side that never answers cannot hang the run.
   */
  run(script: string, stdin: Buffer, deadlineSec?: number): Promise<RawResult> {
    if (this.current) return Promise.reject(new Error('session busy'));
    if (!this.alive) return Promise.reject(new SessionLostError(this.noise.trim() || 'session ended'));
    return new Promise<RawResult>((resolve, reject) => {
      const id = this.nextId++;
      const cur: Running = { id, resolve, reject };
      if (deadlineSec !== undefined)
        cur.timer = setTimeout(() => this.expire(cur, deadlineSec), deadlineSec * 1000);
      this.current = cur;
      this.child.stdin?.write(frame(id, script, stdin));
    });
  }

  /**
   * Ends the remote loop (EOF on its stdin) and, if that is not enough, the local process; resolves once it ended.
   * Waits for the process's exit, not for its pipes to close: a multiplexed ssh client hands its pipes to the
   * master, which keeps them open while the remote command runs; a command in flight fails at once.
   */
  async close(): Promise<void> {
    if (this.ended) return;
    this.killed = true;
    const exited =
      this.child.exitCode !== null || this.child.signalCode !== null
        ? Promise.resolve()
        : new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin?.end(); // an idle loop ends on EOF, and its channel closes cleanly
    const timer = setTimeout(() => this.child.kill('SIGTERM'), this.current ? 0 : 2000);
    await exited;
    clearTimeout(timer);
    this.letGo();
    this.fail(new SessionLostError('the connection was closed while the command ran'));
  }

  /**
   * Lets go of our ends of the process's pipes. A multiplexed ssh client hands them to its master, and a kept
   * master (ControlPersist) holds them while a command that was cut runs on: without this the runner could not
   * exit before that command ended.
   */
  private letGo(): void {
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) s?.destroy();
  }

  private expire(cur: Running, sec: number): void {
    if (this.current !== cur) return;
    this.current = undefined;
    this.killed = true;
    this.child.kill('SIGKILL');
    this.letGo();
    cur.resolve({
      code: 124,
      stdout: '',
      stderr: `no answer within ${sec} s (the remote timeout did not end the command); its session was closed`,
    });
  }

  private onStdout(line: string, body: Buffer): void {
    const m = /^E(\d+) (\d+)$/.exec(line);
    const cur = this.current;
    if (!m || !cur || Number(m[1]) !== cur.id) return;
    cur.stdout = body;
    cur.code = Number(m[2]);
    this.settle(cur);
  }

  private onStderr(line: string, body: Buffer): void {
    const cur = this.current;
    if (!line.startsWith('E') || !cur || Number(line.slice(1)) !== cur.id) return;
    cur.stderr = body;
    this.settle(cur);
  }

  private settle(cur: Running): void {
    if (cur.stdout === undefined || cur.stderr === undefined || cur.code === undefined) return;
    clearTimeout(cur.timer);
    this.current = undefined;
    cur.resolve({ code: cur.code, stdout: cur.stdout.toString('utf8'), stderr: cur.stderr.toString('utf8') });
  }

  private fail(e: Error): void {
    const cur = this.current;
    this.current = undefined;
    if (!cur) return;
    clearTimeout(cur.timer);
    cur.reject(e);
  }

  private keepNoise(b: Buffer): void {
    this.noise = (this.noise + b.toString('utf8')).slice(-NOISE_MAX);
  }
}
