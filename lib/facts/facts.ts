import type { ExecOptions, ExecResult } from '../connection/types.js';
import { CommandError } from '../errors.js';
import type { Cmd } from '../model/command.js';
import { type FileState, parseFilesProbe } from './file.js';
import { filesProbe, type Probe } from './probes.js';

/** Runs a command on the host as the task's user. Given by the engine; {@link Facts} hands it only probes. */
export type Prober = (
  cmd: Cmd,
  opts?: Omit<ExecOptions, 'become'> & { user?: string },
) => Promise<ExecResult>;

/** How a probe runs: as another user (e.g. postgres), with a timeout. Its stdin is part of the probe. */
export type ProbeOptions = Omit<ExecOptions, 'become' | 'stdin'> & { user?: string };

/**
 * Files read during a run, by host, user and path, shared by the hosts' memories: a later task that reads the
 * same file (setConf after setConf, hbaRule after the preflight's pg_hba check) costs no round trip. Everything
 * is forgotten once any task applies anything on any host (a task may act on a peer). A write still refuses a
 * file that changed since it was read (apply.ts compares the planned `before`).
 */
export class ReadFiles {
  private readonly files = new Map<string, FileState>();

  get(host: string, user: string | undefined, path: string): FileState | undefined {
    return this.files.get(`${host}\0${user ?? ''}\0${path}`);
  }

  set(host: string, user: string | undefined, st: FileState): void {
    this.files.set(`${host}\0${user ?? ''}\0${st.path}`, st);
  }

  clear(): void {
    this.files.clear();
  }
}

/**
 * What one host run knows: a cache of probes (once per host per run), the files read (shared by the run's
 * hosts, see {@link ReadFiles}) and, in check mode, the overlay of planned file writes, so a later task plans
 * against the predicted content.
 */
export class HostMemory {
  readonly cache = new Map<string, Promise<unknown>>();
  readonly overlay = new Map<string, FileState>();

  constructor(readonly files: ReadFiles = new ReadFiles()) {}

  /** Forgets cached facts whose key starts with a prefix (all when omitted). */
  forget(prefix = ''): void {
    for (const k of this.cache.keys()) if (k.startsWith(prefix)) this.cache.delete(k);
  }
}

/** The read-only view of a host that a task's plan() gets. */
export class Facts {
  /** `asUser`: whom a probe that names no user runs as (the task's become user; none for the login user) */
  constructor(
    readonly host: string,
    private readonly probe: Prober,
    readonly memory: HostMemory,
    private readonly asUser?: string,
  ) {}

  /**
   * Runs a read-only probe (only lib/facts/probes.ts makes one, so a plan cannot run anything else); a non-zero
   * exit is returned, not thrown.
   */
  run(p: Probe, opts?: ProbeOptions): Promise<ExecResult> {
    return this.probe(p, p.stdin === undefined ? opts : { ...opts, stdin: p.stdin });
  }

  /** Runs a read-only probe and returns stdout; throws CommandError on a non-zero exit. */
  async read(p: Probe, opts?: ProbeOptions): Promise<string> {
    const r = await this.run(p, opts);
    if (r.code !== 0) throw new CommandError(this.host, p.sh, r.code, r.stderr);
    return r.stdout;
  }

  /** Caches a fact for the rest of the run (until {@link HostMemory.forget}). */
  memo<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let p = this.memory.cache.get(key) as Promise<T> | undefined;
    if (!p) {
      p = fn();
      this.memory.cache.set(key, p);
      p.catch(() => this.memory.cache.delete(key));
    }
    return p;
  }

  /** A file's state, as planned writes of this run predict it in check mode. */
  async file(path: string, opts?: { user?: string }): Promise<FileState> {
    const [st] = await this.files([path], opts);
    return st as FileState;
  }

  /**
   * Several files in one round trip (a planner that needs five files asks once). What was read is kept until
   * a task's actions are applied ({@link forgetFiles}), so a later `file()` of this or another task costs nothing.
   */
  async files(paths: readonly string[], opts?: { user?: string; real?: boolean }): Promise<FileState[]> {
    const read = this.memory.files;
    // kept by the user who read it: what root could read, postgres may not
    const user = opts?.user ?? this.asUser;
    // `real`: what the host holds, not what a check run's planned writes predict
    const overlay = opts?.real ? new Map<string, FileState>() : this.memory.overlay;
    const known = (p: string) => overlay.get(p) ?? read.get(this.host, user, p);
    const missing = [...new Set(paths.filter((p) => !known(p)))];
    if (missing.length > 0) {
      const states = parseFilesProbe(missing, await this.read(filesProbe(missing), { user: opts?.user }));
      for (const st of states) read.set(this.host, user, st);
      // what was just read is returned even if an apply elsewhere emptied the cache meanwhile
      const fresh = new Map(states.map((st) => [st.path, st]));
      return paths.map((p) => (overlay.get(p) ?? fresh.get(p) ?? known(p)) as FileState);
    }
    return paths.map((p) => known(p) as FileState);
  }

  /** Forgets the files read (on every host): applied actions have changed some. */
  forgetFiles(): void {
    this.memory.files.clear();
  }
}
