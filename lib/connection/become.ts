import { shjoin, shq } from '../model/command.js';
import type { Become, ExecOptions } from './types.js';

/** The argv prefix that runs a shell string as another user; the string is appended as one quoted word. */
export function becomePrefix(b: Become): string[] {
  switch (b.method) {
    case 'runuser':
      // `-u` takes the next word as its value even when it starts with `-`; so does sudo's
      return ['runuser', '-u', b.user, '--', 'sh', '-c'];
    case 'su':
      // -s: the target (e.g. postgres, nologin users) may not have a usable login shell; `--`: a user name
      // starting with `-` is a name, and what follows it is handed to that shell (`-c script`)
      return ['su', '-s', '/bin/sh', '--', b.user, '-c'];
    default:
      // -n: never prompt; a password prompt would hang a non-interactive run
      return ['sudo', '-n', '-u', b.user, '--', 'sh', '-c'];
  }
}

/** Whether a become really changes user: becoming the user we already are needs no wrapping. */
export function needsBecome(b: Become | undefined, currentUser: string | undefined): b is Become {
  return b !== undefined && b.user !== currentUser;
}

/** Wraps a shell string so it runs as `b.user`; unchanged when no become is needed. */
export function wrapBecome(script: string, b: Become | undefined, currentUser: string | undefined): string {
  return needsBecome(b, currentUser) ? `${shjoin(becomePrefix(b))} ${shq(script)}` : script;
}

/**
 * The full shell string a transport runs: `cd` into the working directory (default `/`, which every become
 * user can read), a remote-side `timeout -k 5 N` (a multiplexed ssh client cannot stop a remote command, so
 * the host must), then become. `sh -c` makes the command POSIX sh whatever the login shell is.
 */
export function buildScript(cmdSh: string, opts: ExecOptions, currentUser: string | undefined): string {
  // `;` not `&&`: a command ending in `|| x` must not run x when cd fails
  const inner = `cd ${shq(opts.cwd ?? '/')} || exit 125; ${cmdSh}`;
  const timed =
    opts.timeoutSec !== undefined
      ? `timeout -k 5 ${Math.max(1, Math.ceil(opts.timeoutSec))} sh -c ${shq(inner)}`
      : `sh -c ${shq(inner)}`;
  return wrapBecome(timed, opts.become, currentUser);
}

/** What `-v` shows for a command: the command with its become prefix, never stdin. */
export function displayCommand(
  cmdSh: string,
  b: Become | undefined,
  currentUser: string | undefined,
): string {
  return wrapBecome(cmdSh, b, currentUser);
}
