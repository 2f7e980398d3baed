/** Where in a user's file something was found: 1-based line and column. */
export interface Position {
  file: string;
  line?: number;
  col?: number;
}

/** Exit codes of the CLI; each means one thing. */
export const ExitCode = {
  ok: 0,
  internal: 1,
  taskFailed: 2,
  invalidInput: 3,
  unreachable: 4,
  usage: 5,
  /** only with `--detailed-exitcode`: the run succeeded and something changed (or would, with `--check`) */
  changed: 6,
} as const;

/** Formats a position as `file:line:col` (parts that are unknown are left out). */
export function formatPosition(p: Position): string {
  return [p.file, p.line, p.line !== undefined ? p.col : undefined].filter((x) => x !== undefined).join(':');
}

/** Base of every error the user can act on; `exitCode` is what the CLI exits with. */
export abstract class RunPlaybookError extends Error {
  abstract readonly exitCode: number;
}

/** Invalid playbook, inventory, variables or task arguments: found before any host is touched. */
export class InputError extends RunPlaybookError {
  readonly exitCode = ExitCode.invalidInput;
  constructor(
    readonly detail: string,
    readonly where?: Position,
  ) {
    super(where ? `${formatPosition(where)}: ${detail}` : detail);
    this.name = 'InputError';
  }
}

/** Bad command-line usage. */
export class UsageError extends RunPlaybookError {
  readonly exitCode = ExitCode.usage;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A host could not be reached; `message` is ssh's own explanation. */
export class ConnectError extends RunPlaybookError {
  readonly exitCode = ExitCode.unreachable;
  constructor(
    readonly host: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConnectError';
  }
}

/** A remote command exited with an unexpected code. `command` is the display form (secrets masked). */
export class CommandError extends RunPlaybookError {
  readonly exitCode = ExitCode.taskFailed;
  constructor(
    readonly host: string,
    readonly command: string,
    readonly code: number,
    readonly stderr: string,
  ) {
    const tail = stderr.trim().split('\n').slice(-20).join('\n    ');
    super(`command failed (exit ${code}): ${command}${tail ? `\n    ${tail}` : ''}`);
    this.name = 'CommandError';
  }
}

/** A task could not be applied (the host's state made it impossible, or a check after applying failed). */
export class ApplyError extends RunPlaybookError {
  readonly exitCode = ExitCode.taskFailed;
  constructor(message: string) {
    super(message);
    this.name = 'ApplyError';
  }
}

/** A bug in run-playbook itself. */
export class InternalError extends RunPlaybookError {
  readonly exitCode = ExitCode.internal;
  constructor(message: string) {
    super(message);
    this.name = 'InternalError';
  }
}

/** A task that a signal (SIGINT, SIGTERM) stopped before it finished; nothing of it runs after the signal. */
export class Interrupted extends RunPlaybookError {
  readonly exitCode: number;
  constructor(
    readonly signal: string,
    message: string,
  ) {
    super(message);
    this.name = 'Interrupted';
    this.exitCode = signalExitCode(signal);
  }
}

/** What a shell reports for a run a signal ended: 128 + its number (130 for SIGINT, 143 for SIGTERM). */
export function signalExitCode(signal: string): number {
  return signal === 'SIGTERM' ? 143 : signal === 'SIGHUP' ? 129 : 130;
}
