import { formatPosition } from '../errors.js';
import type { RunEvent } from '../model/events.js';
import type { TaskResult } from '../model/results.js';
import { redact } from '../secret.js';
import { renderDiff } from './diff.js';
import { banner, type Paint, paintDiff, painter, recapLines, statusColor } from './style.js';

/** Options of {@link consoleReporter}. */
export interface ConsoleOptions {
  out: NodeJS.WritableStream;
  /** ANSI colours; the caller decides (`out.isTTY && !process.env.NO_COLOR`) */
  color?: boolean;
  /** `-v` count: 1 shows reasons and commands, 2 also task positions */
  verbosity: number;
  /** `--diff`: show each changed result's actions before its status line */
  diff: boolean;
  /** `--check`: banners are marked, statuses stay what the real run would report */
  check: boolean;
}

/** A listener of run events. */
export interface Reporter {
  onEvent(e: RunEvent): void;
}

/** Ansible's own wording, so people (and their log greps) recognise it. */
export const CENSORED = `the output has been hidden due to the fact that 'no_log: true' was specified for this result`;

/** How a loop item is named in `(item=…)`: strings bare, the rest as JSON (Secrets print as ***). */
export function itemLabel(item: unknown): string {
  if (item === undefined || item === null) return 'None';
  if (typeof item === 'string') return item;
  if (typeof item === 'number' || typeof item === 'boolean') return String(item);
  return JSON.stringify(item) ?? String(item);
}

interface LineOpts {
  host: string;
  paint: Paint;
  verbose: boolean;
  diff: boolean;
}

function statusLine(r: TaskResult, o: LineOpts, item: string | undefined): string {
  const at = `[${o.host}]`;
  if (r.status === 'unreachable') return `fatal: ${at}: UNREACHABLE! => ${r.error ?? 'unreachable'}`;
  if (r.status === 'failed') {
    const error = r.error ?? 'failed';
    return item === undefined
      ? `fatal: ${at}: FAILED! => ${error}`
      : `failed: ${at} (item=${item}) => ${error}`;
  }
  const label = r.status === 'skipped' ? 'skipping' : r.status;
  let line = `${label}: ${at}`;
  if (item !== undefined) line += ` => (item=${item})`;
  if (o.verbose && r.reason) line += ` => ${r.reason}`;
  return line;
}

/** The diff (when asked and something changed), the status line, and `...ignoring` for an ignored failure. */
function resultLines(r: TaskResult, o: LineOpts, item: string | undefined): string[] {
  const lines: string[] = [];
  if (o.diff && r.status === 'changed' && r.actions.length > 0) {
    // Ansible leaves a blank line between a diff and the status line it belongs to.
    lines.push(paintDiff(renderDiff(r.actions), o.paint), '');
  }
  lines.push(o.paint(statusLine(r, o, item), statusColor[r.status]));
  if (r.ignored && r.status === 'failed') lines.push(o.paint('...ignoring', 'cyan'));
  return lines;
}

/** A no_log result: its status only, never a diff, reason, error or item. */
function censoredLines(r: TaskResult, o: LineOpts): string[] {
  const label = { ok: 'ok', changed: 'changed', skipped: 'skipping', failed: 'fatal', unreachable: 'fatal' }[
    r.status
  ];
  const bang = r.status === 'failed' ? ': FAILED!' : r.status === 'unreachable' ? ': UNREACHABLE!' : '';
  const tail = r.status === 'skipped' ? '' : ` => {"censored": "${CENSORED}"}`;
  const lines = [o.paint(`${label}: [${o.host}]${bang}${tail}`, statusColor[r.status])];
  if (r.ignored && r.status === 'failed') lines.push(o.paint('...ignoring', 'cyan'));
  return lines;
}

/** All lines for one host's result of a task, loop items first as Ansible prints them. */
export function hostResultLines(r: TaskResult, noLog: boolean, o: LineOpts): string[] {
  if (noLog) return censoredLines(r, o);
  if (!r.results || r.results.length === 0) return resultLines(r, o, undefined);
  const lines = r.results.flatMap((i) => resultLines(i, o, itemLabel(i.item)));
  // The loop as a whole is reported only when it failed, as Ansible does after the item lines.
  if (r.status === 'failed' || r.status === 'unreachable') {
    lines.push(
      ...resultLines({ ...r, error: r.error ?? 'One or more items failed', results: [] }, o, undefined),
    );
  }
  return lines;
}

/**
 * An Ansible-like console reporter: PLAY/TASK banners, one status line per host, `--diff` output from
 * the same actions a real run applies, and the PLAY RECAP. Everything written passes through `redact()`.
 */
export function consoleReporter(opts: ConsoleOptions): Reporter {
  const paint = painter(opts.color === true);
  const verbose = opts.verbosity >= 1;
  let check = opts.check;
  const write = (...lines: string[]): void => {
    opts.out.write(redact(`${lines.join('\n')}\n`));
  };
  const handlers: { [T in RunEvent['type']]: (e: Extract<RunEvent, { type: T }>) => void } = {
    playbookStart: (e) => {
      check ||= e.check;
      if (verbose) write(`PLAYBOOK: ${e.file}`);
    },
    playStart: (e) => write('', banner(`PLAY [${e.name}]${check ? ' [CHECK MODE]' : ''}`)),
    taskStart: (e) => {
      write('', banner(`${e.handler ? 'RUNNING HANDLER' : 'TASK'} [${e.name}]`));
      if (opts.verbosity >= 2 && e.where) {
        write(`task path: ${formatPosition(e.where)}`);
      }
    },
    hostResult: (e) =>
      write(...hostResultLines(e.result, e.noLog, { host: e.host, paint, verbose, diff: opts.diff })),
    command: (e) => {
      if (verbose) write(paint(`<${e.host}> $ ${e.display}`, 'blue'));
    },
    progress: (e) => write(`progress: [${e.host}] ${e.message}`),
    warning: (e) => write(paint(`[WARNING]: ${e.host ? `[${e.host}]: ` : ''}${e.message}`, 'brightPurple')),
    noHosts: () => write(paint('skipping: no hosts matched', 'cyan')),
    recap: (e) => write('', banner('PLAY RECAP'), ...recapLines(e.stats, paint), ''),
  };
  return {
    onEvent(e: RunEvent): void {
      (handlers[e.type] as (x: RunEvent) => void)(e);
    },
  };
}
