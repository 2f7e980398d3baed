import type { Payload } from '../secret.js';
import type { Cmd } from './command.js';

/** Mode and ownership of a file; undefined means "leave as it is". */
export interface FileAttrs {
  mode?: string;
  owner?: string;
  group?: string;
}

/** Who applies a file action: the task's become user unless `user` names another (e.g. postgres). */
export interface RunsAs {
  user?: string;
}

/**
 * Write (or, with `after: null`, delete) a whole file atomically. `before` is what planning read. Content that
 * holds a secret is a {@link Payload}: it reaches the host only on stdin and is never shown (the diff says only
 * that the file changes).
 */
export interface WriteFile extends FileAttrs, RunsAs {
  kind: 'writeFile';
  path: string;
  before: string | null;
  after: string | Payload | null;
  /** keep the old content beside the file as `<path>.<timestamp>~` */
  backup?: boolean;
  /** content is secret: the diff shows only that it changes (always so for a Payload) */
  sensitive?: boolean;
}

/** Whether a write's content must not be shown: it holds a secret, or the task says so. */
export const isSensitive = (a: WriteFile): boolean => a.sensitive === true || isPayload(a.after);

const isPayload = (v: unknown): v is Payload => v !== null && typeof v === 'object';

/** The content as the check-mode overlay keeps it: secrets masked (a later plan sees that the file changes). */
export const shownContent = (a: WriteFile): string | null => (a.after === null ? null : String(a.after));

/** Change mode/owner/group of an existing path. */
export interface SetAttrs extends RunsAs {
  kind: 'setAttrs';
  path: string;
  before: FileAttrs;
  after: FileAttrs;
}

/** Create a directory (and parents) with the given attributes. */
export interface MakeDir extends FileAttrs, RunsAs {
  kind: 'makeDir';
  path: string;
}

/** Rename a path, never deleting anything (used to move a data dir aside). */
export interface MovePath extends RunsAs {
  kind: 'movePath';
  from: string;
  to: string;
}

/**
 * Run a command on the host. `summary` is what a person reads; `stdin` may carry secrets and is shown masked.
 * `prediction` labels an effect whose outcome cannot be shown as a diff (a restart, a base backup).
 */
export interface Exec {
  kind: 'exec';
  summary: string;
  cmd: Cmd;
  stdin?: Payload;
  /** show the (masked) stdin in the diff, e.g. for SQL */
  showStdin?: boolean;
  prediction?: string;
  timeoutSec?: number;
  /** run as this user instead of the task's become user */
  user?: string;
}

/** One end of a {@link CopyCluster}: a command and who runs it. */
export interface CopyEnd {
  cmd: Cmd;
  stdin?: Payload;
  user?: string;
}

/**
 * Stream bytes from a command on another inventory host (`from`) into a command on this host, e.g. a tar of a
 * primary's data dir into `tar -x` on the standby. Lines `RPB-FILE <name> <base64>` that the sender prints on
 * stderr are written byte-exact as `<targetDir>/<name>` (mode 0600, as `receive.user`): the backup label.
 * The outcome cannot be shown as a diff, so it always carries a `prediction`.
 */
export interface CopyCluster {
  kind: 'copyCluster';
  from: string;
  /** where the data comes from, for people: `db1:/var/lib/postgresql/15/main` */
  source: string;
  targetDir: string;
  send: CopyEnd;
  receive: CopyEnd;
  prediction: string;
}

/** Every effect a task can ask for. Plans are lists of these; only engine/apply.ts carries them out. */
export type Action = WriteFile | SetAttrs | MakeDir | MovePath | Exec | CopyCluster;

/** Handled exhaustively: a new kind breaks the build until each map handles it. */
export type ActionKind = Action['kind'];

export const writeFile = (a: Omit<WriteFile, 'kind'>): WriteFile => ({ kind: 'writeFile', ...a });
export const setAttrs = (a: Omit<SetAttrs, 'kind'>): SetAttrs => ({ kind: 'setAttrs', ...a });
export const makeDir = (a: Omit<MakeDir, 'kind'>): MakeDir => ({ kind: 'makeDir', ...a });
export const movePath = (a: Omit<MovePath, 'kind'>): MovePath => ({ kind: 'movePath', ...a });
export const exec = (a: Omit<Exec, 'kind'>): Exec => ({ kind: 'exec', ...a });
export const copyCluster = (a: Omit<CopyCluster, 'kind'>): CopyCluster => ({ kind: 'copyCluster', ...a });
