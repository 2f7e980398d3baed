import { createHash } from 'node:crypto';
import type { Become, Connection, ExecResult } from '../connection/types.js';
import { ApplyError, CommandError } from '../errors.js';
import type { Action, Exec, FileAttrs, MakeDir, MovePath, SetAttrs, WriteFile } from '../model/actions.js';
import { type Cmd, raw, sh } from '../model/command.js';
import { byteLength, Payload } from '../secret.js';
import { runCopy } from './copy.js';
import { throwIfStopped } from './interrupt.js';
import { COMMAND_TIMEOUT_SEC, FILE_TIMEOUT_SEC } from './limits.js';

/** Where actions are applied: one host, as one user. */
export interface ApplyTarget {
  conn: Connection;
  become: Become | undefined;
  /** another inventory host, for actions that copy from it (copyCluster) */
  peer?: (host: string) => { conn: Connection; become: Become | undefined };
  /** progress of a long action (bytes copied) */
  progress?: (message: string) => void;
  /** aborted by a signal: the action in flight finishes, the next one does not start */
  stop?: AbortSignal;
}

const CHANGED_SINCE_PLAN = 99;

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

function attrCmds(file: Cmd, a: FileAttrs): Cmd {
  const parts: string[] = [];
  if (a.mode) parts.push(sh`chmod ${a.mode} ${file}`.sh);
  if (a.owner) parts.push(sh`chown ${a.owner} ${file}`.sh);
  if (a.group) parts.push(sh`chgrp ${a.group} ${file}`.sh);
  return { sh: parts.join('; ') || ':' };
}

/**
 * Traps that remove the temp file however the shell ends: `EXIT` alone does not run when a signal kills it
 * (the host-side `timeout`, a dropped session's hang-up, or SIGPIPE when the session is gone and the shell
 * writes its complaint to stderr), and `exit` inside a trap runs the `EXIT` trap.
 */
const TEMP_TRAPS = `t=; trap 'rm -f "$t"' EXIT; trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 141' PIPE; trap 'exit 143' TERM`;

/**
 * One round trip: refuse if the file changed since planning (sha256 of `before`), write a temp file in the same
 * directory (mktemp makes it 0600, so secrets are never world-readable), check that every byte arrived (a cut
 * session ends stdin early, and `cat` cannot tell), copy mode and owner from the old file, apply the requested
 * attributes, optionally keep a backup, then rename into place. On any failure or signal the temp file goes.
 * Stdin is {@link writeFileStdin}: the expected hash and byte count on the first line (neither is for argv:
 * they describe a file that may be secret), then the content.
 */
export function writeFileCmd(a: WriteFile, stamp: string): Cmd {
  const guard = sh`p=${a.path}; IFS=' ' read -r want bytes; if [ -e "$p" ]; then have=$(sha256sum < "$p" | cut -d' ' -f1); else have=absent; fi; [ "$have" = "$want" ] || { echo "$p changed since it was planned" >&2; exit ${CHANGED_SINCE_PLAN}; }`;
  const backup = a.backup && a.before !== null ? sh`cp -p "$p" ${`${a.path}.${stamp}~`}; ` : sh``;
  if (a.after === null) return sh`set -eu; ${guard}; ${backup}rm -f "$p"`;
  const tmp = { sh: '"$t"' };
  const defaults = a.before === null && !a.mode ? sh`chmod 0644 "$t"; ` : sh``;
  // with a mode given, the old file's is never copied: a secret never sits in a wider-open temp file
  const keepMode = a.mode ? sh`` : sh`chmod --reference="$p" "$t"; `;
  const complete = sh`n=$(wc -c < "$t"); [ $n -eq "$bytes" ] || { echo "$p: only $n of $bytes bytes arrived; not written" >&2; exit 1; }`;
  return sh`set -eu; ${guard}; ${raw(TEMP_TRAPS)}; t=$(mktemp "$(dirname "$p")/.run-playbook.XXXXXX"); cat > "$t"; ${complete}; if [ -e "$p" ]; then ${keepMode}chown --reference="$p" "$t" 2>/dev/null || true; fi; ${defaults}${attrCmds(tmp, a)}; ${backup}mv -f "$t" "$p"; trap - EXIT`;
}

/** What {@link writeFileCmd} reads: the sha256 of `before` (or `absent`) and the content's byte count, then it. */
export function writeFileStdin(a: WriteFile): Payload {
  const want = a.before === null ? 'absent' : sha256(a.before);
  const content = new Payload(
    a.after === null ? [] : typeof a.after === 'string' ? [a.after] : a.after.parts,
  );
  return new Payload([`${want} ${byteLength(content)}\n`, ...content.parts]);
}

const setAttrsCmd = (a: SetAttrs): Cmd => attrCmds(sh`${a.path}`, a.after);

const makeDirCmd = (a: MakeDir): Cmd => sh`set -eu; mkdir -p ${a.path}; ${attrCmds(sh`${a.path}`, a)}`;

const movePathCmd = (a: MovePath): Cmd =>
  sh`set -eu; if [ -e ${a.to} ]; then echo ${`${a.to} already exists; not moving ${a.from}`} >&2; exit 1; fi; mv ${a.from} ${a.to}`;

async function run(
  t: ApplyTarget,
  cmd: Cmd,
  opts: { stdin?: Exec['stdin'] | string; timeoutSec?: number; user?: string },
): Promise<ExecResult> {
  const become = opts.user ? { user: opts.user, method: t.become?.method ?? 'sudo' } : t.become;
  return t.conn.exec(cmd, { stdin: opts.stdin, become, timeoutSec: opts.timeoutSec ?? FILE_TIMEOUT_SEC });
}

type Executor<A> = (t: ApplyTarget, a: A, stamp: string) => Promise<ExecResult>;

function checked<A extends { user?: string }>(
  display: (a: A) => string,
  build: (a: A, stamp: string) => Cmd,
  stdin?: (a: A) => Payload,
): Executor<A> {
  return async (t, a, stamp) => {
    const r = await run(t, build(a, stamp), { stdin: stdin?.(a) ?? '', user: a.user });
    if (r.code === CHANGED_SINCE_PLAN)
      throw new ApplyError(`${t.conn.host}: ${r.stderr.trim()}; not overwriting`);
    if (r.code !== 0) throw new CommandError(t.conn.host, display(a), r.code, r.stderr);
    return r;
  };
}

/** One executor per action kind; a new kind breaks the build until it has one. */
const executors: { [K in Action['kind']]: Executor<Extract<Action, { kind: K }>> } = {
  writeFile: checked((a) => `write ${a.path}`, writeFileCmd, writeFileStdin),
  setAttrs: checked((a) => `set attributes of ${a.path}`, setAttrsCmd),
  makeDir: checked((a) => `mkdir ${a.path}`, makeDirCmd),
  movePath: checked((a) => `move ${a.from} to ${a.to}`, movePathCmd),
  exec: async (t, a) => {
    const timeoutSec = a.timeoutSec ?? COMMAND_TIMEOUT_SEC;
    const r = await run(t, a.cmd, { stdin: a.stdin, timeoutSec, user: a.user });
    if (r.code !== 0) throw new CommandError(t.conn.host, a.summary, r.code, r.stderr);
    return r;
  },
  copyCluster: async (t, a) => {
    if (!t.peer) throw new ApplyError(`${t.conn.host}: copying from ${a.from} needs its connection (peers)`);
    return runCopy(t.peer(a.from), t, a, t.progress);
  },
};

/** Applies actions in order; stops at the first failure. Returns the output of the last command (for register:). */
export async function applyActions(
  t: ApplyTarget,
  actions: readonly Action[],
): Promise<ExecResult | undefined> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  let last: ExecResult | undefined;
  for (const [i, a] of actions.entries()) {
    if (i > 0) throwIfStopped(t.stop, `${i} of ${actions.length} actions applied`);
    const ex = executors[a.kind] as Executor<Action>;
    last = await ex(t, a, stamp);
  }
  return last;
}
