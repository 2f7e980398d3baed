import { shjoin, shq } from '../model/command.js';
import { becomePrefix } from './become.js';
import type { Become } from './types.js';

/**
 * The remote loop of a persistent session, in POSIX sh. Its first stdin line is the marker (kept out of
 * argv and env). Then each command is a header line `<id> <script lines> <stdin bytes>` followed by the
 * script and its stdin, both framed by length, so a payload (a secret, a file) never passes through argv
 * and any bytes can travel. `read` never reads past its newline (POSIX), and GNU `head -c` reads exactly what it
 * is asked on a pipe; elsewhere `dd bs=1` does it, slowly. A command that stops reading early leaves the rest
 * of its stdin to `cat`, so the next header is where the loop expects it. Each command runs in a subshell,
 * so its `exit` or `cd` ends only itself.
 */
export const SESSION_LOOP = [
  'IFS= read -r M || exit 0',
  'if head --version 2>/dev/null | grep -q GNU; then take() { head -c "$1"; }',
  'else take() { dd bs=1 count="$1" 2>/dev/null; }; fi',
  `printf '%sR\\n' "$M"`,
  `while IFS=' ' read -r i n il; do`,
  // the script comes as n lines, read by the shell itself: no process per command but the subshell
  '  s=; while [ "$n" -gt 0 ] && IFS= read -r l; do s="$s$l\n"; n=$((n - 1)); done',
  `  printf '%sS%s\\n' "$M" "$i"; printf '%sS%s\\n' "$M" "$i" >&2`,
  // ( … ) keeps the command's exit, cd and variables to itself; M is blanked so it cannot print the marker
  '  if [ "$il" -gt 0 ]; then take "$il" | { (M= i= n= il= l=; eval "$s"); r=$?; cat >/dev/null; exit $r; }',
  '  else (M= i= n= il= l=; eval "$s") </dev/null; fi',
  '  r=$?',
  `  printf '%sE%s %s\\n' "$M" "$i" "$r"; printf '%sE%s\\n' "$M" "$i" >&2`,
  'done',
].join('\n');

/**
 * The remote command that starts a session: the login shell execs into `sh`, or into `sudo`/`su`/`runuser`
 * running `sh` as the become user, so one session serves one user and a command pays no become of its own.
 */
export function sessionCommand(become: Become | undefined): string {
  const shell = become ? becomePrefix(become) : ['sh', '-c'];
  return `exec ${shjoin(shell)} ${shq(SESSION_LOOP)}`;
}

/** One framed command as the loop reads it: a header, the script as whole lines, then the stdin bytes. */
export function frame(id: number, script: string, stdin: Buffer): Buffer {
  const text = script.endsWith('\n') ? script : `${script}\n`;
  const lines = text.split('\n').length - 1;
  return Buffer.concat([Buffer.from(`${id} ${lines} ${stdin.length}\n${text}`, 'utf8'), stdin]);
}

/**
 * The script one command runs as in the loop: `cd` into its working directory (default `/`, which every
 * become user can read), then the command, under a remote `timeout -k 5 N` when it has a timeout (the host
 * must stop it: ending our side does not end a remote command).
 */
export function commandScript(cmdSh: string, o: { cwd?: string; timeoutSec?: number }): string {
  // `;` not `&&`: a command ending in `|| x` must not run x when cd fails
  const inner = `cd ${shq(o.cwd ?? '/')} || exit 125; ${cmdSh}`;
  if (o.timeoutSec === undefined) return inner;
  return `exec timeout -k ${KILL_AFTER_SEC} ${Math.max(1, Math.ceil(o.timeoutSec))} sh -c ${shq(inner)}`;
}

/** Seconds between the remote timeout's TERM and its KILL. */
export const KILL_AFTER_SEC = 5;

/** One command of a batch: its script (see {@link commandScript}) and how many stdin bytes it takes. */
export interface BatchPart {
  script: string;
  stdinBytes: number;
}

/**
 * Several commands as one command of the loop, run one after the other, each framed on stdout and stderr by
 * its own marker (random per batch, like the loop's) as the loop frames commands: `<marker>S<k>` before it,
 * `<marker>E<k> <exit>` after it. Each runs in a subshell that cannot see the marker; its stdin is its own
 * share of the batch's stdin, taken by length with the loop's `take`.
 */
export function batchScript(marker: string, parts: readonly BatchPart[]): string {
  const lines = [`B=${shq(marker)}`];
  parts.forEach((p, k) => {
    const run = `(B=; eval ${shq(p.script)})`;
    lines.push(
      `printf '%sS%s\\n' "$B" ${k}; printf '%sS%s\\n' "$B" ${k} >&2`,
      p.stdinBytes > 0
        ? `take ${p.stdinBytes} | { ${run}; r=$?; cat >/dev/null; exit $r; }`
        : `${run} </dev/null`,
      `r=$?; printf '%sE%s %s\\n' "$B" ${k} "$r"; printf '%sE%s\\n' "$B" ${k} >&2`,
    );
  });
  return lines.join('\n');
}
