import { ApplyError, InputError } from '../errors.js';

/** What {@link editLines} should make true of a text; Ansible lineinfile semantics. */
export interface LineEditOptions {
  /** the line to ensure (required when present; without `match`, identifies the line when absent) */
  line?: string;
  /** default `present` */
  state?: 'present' | 'absent';
  /** regexp: present → the last (or first) matching line is replaced; absent → every match is removed */
  match?: string;
  /** regexp or `BOF`: insert before the last (or first) matching line; no match → end of file */
  insertBefore?: string;
  /** regexp or `EOF`: insert after the last (or first) matching line; no match → end of file */
  insertAfter?: string;
  /** create a missing file holding just the line (default false: a missing file is an error) */
  create?: boolean;
  /** use the first match of `match` and the anchors instead of the last */
  firstMatch?: boolean;
  /** the file's path, for messages */
  path?: string;
}

/** The edited text (`null`: the file stays missing), whether it changed, and why. */
export interface LineEditResult {
  content: string | null;
  changed: boolean;
  reason: string;
}

/** A text as lines, with the line ending it uses and whether its last line is terminated. */
interface Lines {
  lines: string[];
  eol: string;
  trailing: boolean;
}

function split(content: string): Lines {
  // A CRLF file keeps CRLF: inserted lines take the file's own ending.
  const eol = content.includes('\r\n') ? '\r\n' : '\n';
  if (content === '') return { lines: [], eol, trailing: true };
  const trailing = content.endsWith(eol);
  const body = trailing ? content.slice(0, -eol.length) : content;
  return { lines: body.split(eol), eol, trailing };
}

function join(t: Lines): string {
  return t.lines.length === 0 ? '' : t.lines.join(t.eol) + (t.trailing ? t.eol : '');
}

/** Whitespace-insensitive form of a line: runs of blanks collapsed, ends trimmed. */
export function normalizeLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

function regexp(src: string, arg: string): RegExp {
  try {
    return new RegExp(src);
  } catch (e) {
    throw new InputError(`ensureLine: ${arg} is not a valid regular expression: ${(e as Error).message}`);
  }
}

/** Index of the last (or first) line passing `test`, or -1. */
function pick(lines: readonly string[], test: (l: string) => boolean, first: boolean): number {
  if (first) return lines.findIndex(test);
  for (let i = lines.length - 1; i >= 0; i--) if (test(lines[i] ?? '')) return i;
  return -1;
}

function checkOptions(o: LineEditOptions): void {
  if (o.insertBefore !== undefined && o.insertAfter !== undefined)
    throw new InputError('ensureLine: give insertBefore or insertAfter, not both');
  if ((o.state ?? 'present') === 'present' && o.line === undefined)
    throw new InputError('ensureLine: state present needs "line"');
  if (o.state === 'absent' && o.line === undefined && o.match === undefined)
    throw new InputError('ensureLine: state absent needs "line" or "match"');
  if (o.line !== undefined && /[\r\n]/.test(o.line))
    throw new InputError('ensureLine: "line" must be a single line (it holds a line break)');
}

/** Where a new line goes: the anchor's position, else the end of the file. */
function insertIndex(lines: readonly string[], o: LineEditOptions): number {
  const first = o.firstMatch ?? false;
  if (o.insertBefore === 'BOF') return 0;
  if (o.insertBefore !== undefined) {
    const re = regexp(o.insertBefore, 'insertBefore');
    const i = pick(lines, (l) => re.test(l), first);
    return i >= 0 ? i : lines.length;
  }
  if (o.insertAfter !== undefined && o.insertAfter !== 'EOF') {
    const re = regexp(o.insertAfter, 'insertAfter');
    const i = pick(lines, (l) => re.test(l), first);
    return i >= 0 ? i + 1 : lines.length;
  }
  return lines.length;
}

const same = (content: string | null, reason: string): LineEditResult => ({
  content,
  changed: false,
  reason,
});

function present(content: string | null, line: string, o: LineEditOptions): LineEditResult {
  if (content === null) {
    if (!o.create) throw new ApplyError(`${o.path ?? 'file'} does not exist; set create: true to create it`);
    return { content: `${line}\n`, changed: true, reason: 'file created with the line' };
  }
  const t = split(content);
  if (o.match !== undefined) {
    const re = regexp(o.match, 'match');
    const i = pick(t.lines, (l) => re.test(l), o.firstMatch ?? false);
    if (i >= 0) {
      // With `match` the user names the exact text they want, so compare exactly.
      if (t.lines[i] === line) return same(content, 'line already present');
      t.lines[i] = line;
      return { content: join(t), changed: true, reason: `line ${i + 1} replaced` };
    }
  }
  const want = normalizeLine(line);
  if (t.lines.some((l) => normalizeLine(l) === want)) return same(content, 'line already present');
  const at = insertIndex(t.lines, o);
  t.lines.splice(at, 0, line);
  const reason = at === t.lines.length - 1 ? 'line appended' : `line inserted at line ${at + 1}`;
  return { content: join(t), changed: true, reason };
}

function absent(content: string | null, o: LineEditOptions): LineEditResult {
  if (content === null) return same(null, 'file does not exist');
  const t = split(content);
  // As in Ansible, `match` decides alone when given; else the line, whitespace-insensitively.
  const re = o.match !== undefined ? regexp(o.match, 'match') : undefined;
  const want = normalizeLine(o.line ?? '');
  const hit = (l: string) => (re ? re.test(l) : normalizeLine(l) === want);
  const kept = t.lines.filter((l) => !hit(l));
  const removed = t.lines.length - kept.length;
  if (removed === 0) return same(content, re ? 'no line matches' : 'line already absent');
  t.lines = kept;
  return { content: join(t), changed: true, reason: `${removed} line${removed > 1 ? 's' : ''} removed` };
}

/**
 * Ensures one line is present in (or absent from) a text, as Ansible's lineinfile does, never duplicating
 * it on a rerun. Pure: `content` is the file's text (`null`: missing). Keeps the text's line endings and
 * trailing-newline convention. Throws InputError for bad options, ApplyError for a missing file without `create`.
 */
export function editLines(content: string | null, opts: LineEditOptions): LineEditResult {
  checkOptions(opts);
  if (opts.state === 'absent') return absent(content, opts);
  return present(content, opts.line ?? '', opts);
}
