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

/** Write (or, with `after: null`, delete) a whole file atomically. `before` is what planning read. */
export interface WriteFile extends FileAttrs, RunsAs {
  kind: 'writeFile';
  path: string;
  before: string | null;
  after: string | null;
  /** keep the old content beside the file as `<path>.<timestamp>~` */
  backup?: boolean;
  /** content is secret: the diff shows only that it changes */
  sensitive?: boolean;
}

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

/** Every effect a task can ask for. Plans are lists of these; only engine/apply.ts carries them out. */
export type Action = WriteFile | SetAttrs | MakeDir | MovePath | Exec;

/** Handled exhaustively: a new kind breaks the build until each map handles it. */
export type ActionKind = Action['kind'];

export const writeFile = (a: Omit<WriteFile, 'kind'>): WriteFile => ({ kind: 'writeFile', ...a });
export const setAttrs = (a: Omit<SetAttrs, 'kind'>): SetAttrs => ({ kind: 'setAttrs', ...a });
export const makeDir = (a: Omit<MakeDir, 'kind'>): MakeDir => ({ kind: 'makeDir', ...a });
export const movePath = (a: Omit<MovePath, 'kind'>): MovePath => ({ kind: 'movePath', ...a });
export const exec = (a: Omit<Exec, 'kind'>): Exec => ({ kind: 'exec', ...a });
