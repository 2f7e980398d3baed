import { randomBytes } from 'node:crypto';
import { ConnectError } from '../errors.js';
import { splitBatch } from './batch.js';
import { type RawResult, redactResult } from './process.js';
import { Session, SessionLostError, SessionStartError } from './session.js';
import { batchScript } from './session-script.js';
import type { Become } from './types.js';

/** ssh's own complaint, without the noise of a fallback from a busy master. */
export function sshMessage(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim());
  const useful = lines.filter((l) => l && !/^mux_client|ControlSocket .* already exists/.test(l));
  return useful.join('\n') || 'ssh exited with 255 and no message';
}

/** How a host's sessions are started and how many may run at once per user. */
export interface SessionsOptions {
  host: string;
  /** the local argv that starts a session as this user (e.g. ssh … host 'exec sudo … sh -c LOOP') */
  argv: (become: Become | undefined) => string[];
  /** sessions per user; each is one channel on the master, counted by sshd's MaxSessions */
  perUser: number;
  /** seconds a new session may take to answer */
  startTimeoutSec?: number;
}

interface Slot {
  idle: Session[];
  count: number;
  waiting: (() => void)[];
  /** probes sent in this turn of the event loop, not yet on a session */
  batch: Queued[];
}

interface Queued {
  script: string;
  stdin: Buffer;
  deadlineSec?: number;
  resolve: (r: RawResult) => void;
  reject: (e: unknown) => void;
}

/**
 * A host's persistent sessions, one set per become user: a command waits for an idle session of its user,
 * or starts one while fewer than `perUser` exist. A session whose process ended is dropped; the next command
 * starts a new one (one reconnect), and a failed start is the host being unreachable.
 *
 * Probes (quick reads, `batch`) sent together are not each given a session: those of one user sent in the
 * same turn of the event loop share the idle sessions, or go as one batch to one session, run one after the
 * other. A new session costs more than a few probes do one after the other: a process forked here, and a
 * channel and a login shell on the host.
 */
export class Sessions {
  private readonly slots = new Map<string, Slot>();
  private readonly all = new Set<Session>();
  private closed = false;

  constructor(private readonly o: SessionsOptions) {}

  /**
   * Starts a first session (this also opens the ssh master): `become`'s, or the login user's when none is given
   * or when becoming fails (sudo asking a password is a task's failure later, not the host unreachable);
   * ConnectError when the host cannot be reached.
   */
  async open(become?: Become): Promise<void> {
    if (become) {
      try {
        this.release(become, await this.acquire(become));
        return;
      } catch (e) {
        if (!(e instanceof SessionStartError)) throw e;
      }
    }
    this.release(undefined, await this.acquire(undefined));
  }

  /**
   * Runs one script; a non-zero exit is a result, a lost or unreachable host a ConnectError. `batch`: a quick
   * read that may share a round trip with the others sent at the same moment (see the class).
   */
  run(
    script: string,
    stdin: Buffer,
    become: Become | undefined,
    deadlineSec?: number,
    batch = false,
  ): Promise<RawResult> {
    // a probe without a deadline runs alone: one batched behind it would lose its own
    if (!batch || deadlineSec === undefined) return this.runAlone(script, stdin, become, deadlineSec);
    return new Promise<RawResult>((resolve, reject) => {
      const slot = this.slot(become);
      slot.batch.push({ script, stdin, deadlineSec, resolve, reject });
      if (slot.batch.length === 1) setImmediate(() => this.flush(slot, become));
    });
  }

  /** Sends a turn's probes: one per idle session, the rest with them as batches; one batch when none is idle. */
  private flush(slot: Slot, become: Become | undefined): void {
    const queued = slot.batch;
    slot.batch = [];
    const groups = Math.max(1, Math.min(queued.length, slot.idle.filter((s) => s.alive).length));
    for (let g = 0; g < groups; g++) {
      const group = queued.filter((_, i) => i % groups === g);
      if (group.length === 1) {
        const q = group[0] as Queued;
        this.runAlone(q.script, q.stdin, become, q.deadlineSec).then(q.resolve, q.reject);
        continue;
      }
      const marker = `rpb${randomBytes(16).toString('hex')}`;
      const script = batchScript(
        marker,
        group.map((q) => ({ script: q.script, stdinBytes: q.stdin.length })),
      );
      const deadline = group.reduce((sum, q) => sum + (q.deadlineSec ?? 0), 0);
      this.runAlone(script, Buffer.concat(group.map((q) => q.stdin)), become, deadline).then(
        (r) => {
          for (const [i, res] of splitBatch(marker, r, group.length).entries()) group[i]?.resolve(res);
        },
        (e) => {
          for (const q of group) q.reject(e);
        },
      );
    }
  }

  private async runAlone(
    script: string,
    stdin: Buffer,
    become: Become | undefined,
    deadlineSec?: number,
  ): Promise<RawResult> {
    let s: Session;
    try {
      s = await this.acquire(become);
    } catch (e) {
      // sudo/su refusing (a password asked, no such user) is the command failing, not the host unreachable
      if (e instanceof SessionStartError && become && e.code !== 255)
        return redactResult({ code: e.code, stdout: '', stderr: e.stderr });
      throw e;
    }
    try {
      return redactResult(await s.run(script, stdin, deadlineSec));
    } catch (e) {
      if (!(e instanceof SessionLostError)) throw e;
      throw new ConnectError(
        this.o.host,
        `${this.o.host}: the connection was lost while a command ran: ${sshMessage(e.message)}`,
      );
    } finally {
      this.release(become, s);
    }
  }

  /** Ends every session and waits for their processes, so the master is idle when it is told to exit. */
  async closeAll(): Promise<void> {
    this.closed = true;
    const all = [...this.all];
    this.all.clear();
    this.slots.clear();
    await Promise.all(all.map((s) => s.close()));
  }

  private slot(become: Become | undefined): Slot {
    const key = become ? `${become.method}:${become.user}` : '';
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { idle: [], count: 0, waiting: [], batch: [] };
      this.slots.set(key, slot);
    }
    return slot;
  }

  private async acquire(become: Become | undefined): Promise<Session> {
    const slot = this.slot(become);
    for (;;) {
      const idle = slot.idle.pop();
      if (idle?.alive) return idle;
      if (idle) {
        this.drop(slot, idle);
        continue;
      }
      if (slot.count < this.o.perUser) return this.start(slot, become);
      await new Promise<void>((resolve) => slot.waiting.push(resolve));
    }
  }

  private async start(slot: Slot, become: Become | undefined): Promise<Session> {
    // a probe queued before the end of the run must not open a session after it
    if (this.closed) throw new ConnectError(this.o.host, `${this.o.host}: connection closed`);
    slot.count++;
    // spawning is synchronous and costs milliseconds (a fork of this process): commands that found an idle
    // session in the same tick (reads started together) are sent first, not after every new session's spawn
    await new Promise<void>((resolve) => setImmediate(resolve));
    const s = new Session(this.o.argv(become), this.o.startTimeoutSec);
    this.all.add(s);
    try {
      await s.ready;
      return s;
    } catch (e) {
      this.drop(slot, s);
      if (e instanceof SessionStartError && (e.code === 255 || !become))
        throw new ConnectError(this.o.host, `${this.o.host}: ${sshMessage(e.stderr)}`);
      throw e;
    }
  }

  private release(become: Become | undefined, s: Session): void {
    if (!this.all.has(s)) return; // closed meanwhile
    const slot = this.slot(become);
    if (s.alive) slot.idle.push(s);
    else this.drop(slot, s, false);
    slot.waiting.shift()?.();
  }

  private drop(slot: Slot, s: Session, wake = true): void {
    slot.count--;
    this.all.delete(s);
    if (wake) slot.waiting.shift()?.();
  }
}
