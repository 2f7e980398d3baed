/**
 * Editing postgresql.conf text: set and remove parameters while keeping every other byte (comments, spacing,
 * includes, line endings) as it was. Pure: text in, text out.
 */
import { InputError } from '../errors.js';
import { type ConfLine, confErrors, isBareValue, isValidName, parseConf, type SettingLine } from './conf.js';
import { sameValue, valueText } from './guc.js';
import { TABLE_VERSIONS } from './guc-table.js';

/** A value a setting can be given. */
export type ConfValue = string | number | boolean;

/** One parameter whose effective value changes. Values are decoded (no quotes); `line` is 1-based in the new text. */
export interface ConfChange {
  name: string;
  /** the value the file set before, if any */
  before?: string;
  after: string;
  line: number;
}

/** An active line taken out of the file; `line` is 1-based in the old text. */
export interface RemovedLine {
  name: string;
  line: number;
  raw: string;
}

/** Options of {@link setSettings}. */
export interface SetSettingsOptions {
  /** file name used in error positions */
  file?: string;
  /** PostgreSQL major the values are compared for (default: the newest the table knows) */
  version?: number;
}

/**
 * A value written the way postgresql.conf reads it back unchanged: bare when it lexes as one value token
 * (`replica`, `16MB`, `-1`, `0.9`), otherwise single-quoted with `''` for a quote and backslash escapes for
 * `\` and line breaks. Booleans are written `on` / `off`.
 */
export function quoteValue(value: ConfValue): string {
  const text = valueText(value);
  if (text !== '' && isBareValue(text) && text.trim() === text) return text;
  const body = text.replace(/\\/g, '\\\\').replace(/'/g, "''").replace(/\n/g, '\\n').replace(/\r/g, '\\r');
  return `'${body}'`;
}

const CONTROL = /[\x00-\x1f\x7f]/;

/**
 * Throws InputError for a value no postgresql.conf line should carry: PostgreSQL stops reading a file at a NUL,
 * and a line break has no business in a setting (quoting would keep it one line, but no parameter wants one).
 */
export function checkValueText(name: string, value: ConfValue, file: string): void {
  const text = valueText(value);
  if (CONTROL.test(text))
    throw new InputError(
      `${name}: the value contains a line break or control character: ${JSON.stringify(text)}`,
      {
        file,
      },
    );
}

/** The effective (last active) line that sets `name` (case-insensitive), if any. */
export function findSetting(lines: readonly ConfLine[], name: string): SettingLine | undefined {
  const n = name.toLowerCase();
  return lines.findLast((l): l is SettingLine => l.kind === 'setting' && l.name === n);
}

function parseChecked(text: string, file: string): ConfLine[] {
  const lines = parseConf(text, file);
  const [err] = confErrors(lines);
  if (err)
    throw new InputError(`${err.message} (PostgreSQL would refuse this file)`, {
      file,
      line: err.line,
      col: err.col,
    });
  return lines;
}

/** One output slot per input line: its (possibly rewritten) text, or null when removed; plus lines added after it. */
interface Slot {
  raw: string | null;
  change?: ConfChange;
  after: { raw: string; change: ConfChange }[];
}

function isCrlf(text: string): boolean {
  return /\r\n/.test(text);
}

/** Where a new line for `name` goes: after its first template line and the indented comment lines that follow it. */
function templateSlot(lines: readonly ConfLine[], name: string): number | undefined {
  const i = lines.findIndex((l) => l.kind === 'template' && l.name === name);
  if (i < 0) return undefined;
  let j = i;
  // sample files continue a template's comment on following lines that start with whitespace and `#`
  while (lines[j + 1]?.kind === 'comment' && /^[ \t]+#/.test(lines[j + 1]?.raw ?? '')) j++;
  return j;
}

/** Applies one setting to the slots; returns removed duplicates. Appends to `tail` when there is no place for it. */
function applyOne(
  lines: readonly ConfLine[],
  slots: Slot[],
  tail: { raw: string; change: ConfChange }[],
  name: string,
  value: ConfValue,
  version: number,
): RemovedLine[] {
  const n = name.toLowerCase();
  const active = lines.filter((l): l is SettingLine => l.kind === 'setting' && l.name === n);
  const last = active[active.length - 1];
  const after = valueText(value);
  // earlier duplicates are removed, not commented out: a commented copy would read as a template line later
  const removed = active.slice(0, -1).map((l) => {
    (slots[l.line - 1] as Slot).raw = null;
    return { name, line: l.line, raw: l.raw };
  });
  if (last) {
    if (!sameValue(n, last.value, value, version)) {
      const slot = slots[last.line - 1] as Slot;
      slot.raw = last.raw.slice(0, last.valueStart) + quoteValue(value) + last.raw.slice(last.valueEnd);
      slot.change = { name, before: last.value, after, line: 0 };
    }
    return removed;
  }
  const entry = { raw: `${name} = ${quoteValue(value)}`, change: { name, after, line: 0 } };
  const at = templateSlot(lines, n);
  if (at === undefined) tail.push(entry);
  else (slots[at] as Slot).after.push(entry);
  return removed;
}

/** Joins the slots into text and fills in each change's line number in the new text. Kept lines keep their bytes. */
function assemble(slots: Slot[], tail: Slot['after'], crlf: boolean, hadFinalEol: boolean): string {
  const out: string[] = [];
  const emit = (raw: string, change?: ConfChange) => {
    out.push(raw);
    if (change) change.line = out.length;
  };
  // new lines follow the file's line endings; a CRLF file keeps its `\r` inside each raw line
  const fresh = (raw: string) => (crlf ? `${raw}\r` : raw);
  for (const s of slots) {
    if (s.raw !== null) emit(s.raw, s.change);
    for (const a of s.after) emit(fresh(a.raw), a.change);
  }
  for (const a of tail) emit(fresh(a.raw), a.change);
  return out.join('\n') + (out.length > 0 && (hadFinalEol || tail.length > 0) ? '\n' : '');
}

/**
 * Sets parameters in postgresql.conf text. For each setting, in the order given:
 * - if active lines set it, the **last** (the effective one) gets the new value in place — spacing and trailing
 *   comment kept — and earlier duplicates are **removed** (not commented out), so exactly one active line remains;
 * - else a line `name = value` goes right after the first commented template line `#name = …`
 *   (and after that template's indented continuation comments);
 * - else it is appended at the end.
 * When the effective value already equals the wanted one as PostgreSQL normalises it (`on`/`true`,
 * `16MB`/`16384kB`), that line stays byte-identical and no change is reported: a rerun returns the same text.
 * Throws InputError for an invalid name, or when the text has a syntax error (PostgreSQL would not start with it).
 */
export function setSettings(
  text: string,
  settings: Readonly<Record<string, ConfValue>>,
  opts: SetSettingsOptions = {},
): { text: string; changes: ConfChange[]; removed: RemovedLine[] } {
  const file = opts.file ?? 'postgresql.conf';
  const seen = new Map<string, string>();
  for (const name of Object.keys(settings)) {
    if (!isValidName(name)) throw new InputError(`"${name}" is not a valid parameter name`, { file });
    const other = seen.get(name.toLowerCase());
    if (other !== undefined)
      throw new InputError(`"${other}" and "${name}" name the same parameter`, { file });
    seen.set(name.toLowerCase(), name);
    checkValueText(name, settings[name] as ConfValue, file);
  }
  const lines = parseChecked(text, file);
  const slots: Slot[] = lines.map((l) => ({ raw: l.raw, after: [] }));
  const tail: Slot['after'] = [];
  const removed: RemovedLine[] = [];
  for (const [name, value] of Object.entries(settings)) {
    removed.push(...applyOne(lines, slots, tail, name, value, opts.version ?? TABLE_VERSIONS.max));
  }
  const changes = [
    ...slots.flatMap((s) => [s.change, ...s.after.map((a) => a.change)]),
    ...tail.map((t) => t.change),
  ];
  const touched = changes.some((c) => c !== undefined) || removed.length > 0;
  const out = touched ? assemble(slots, tail, isCrlf(text), text === '' || /\n$/.test(text)) : text;
  return { text: out, changes: changes.filter((c): c is ConfChange => c !== undefined), removed };
}

/**
 * Removes every active line that sets one of `names` (case-insensitive), e.g. stale `recovery_target*`
 * settings on a standby. Comments and template lines stay. Throws InputError on a syntax error in the text.
 */
export function removeSettings(
  text: string,
  names: readonly string[],
  opts: { file?: string } = {},
): { text: string; removed: RemovedLine[] } {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const lines = parseChecked(text, opts.file ?? 'postgresql.conf');
  const gone = lines.filter((l): l is SettingLine => l.kind === 'setting' && wanted.has(l.name));
  if (gone.length === 0) return { text, removed: [] };
  const drop = new Set(gone.map((l) => l.line));
  const slots: Slot[] = lines.map((l) => ({ raw: drop.has(l.line) ? null : l.raw, after: [] }));
  return {
    text: assemble(slots, [], isCrlf(text), /\n$/.test(text)),
    removed: gone.map((l) => ({ name: l.name, line: l.line, raw: l.raw })),
  };
}
