/**
 * Which configuration lines win over an edit of a configuration file: PostgreSQL reads its config_file with
 * every include (include, include_if_exists, include_dir, followed recursively) expanded in place, then
 * postgresql.auto.conf; the last line that sets a name wins. The walk reads files through a {@link ConfReader}, so it
 * is tested with in-memory files and runs on a host through read-only facts.
 */
import { posix } from 'node:path';
import { type ConfLine, type IncludeLine, parseConf, type SettingLine } from '../pg/conf.js';

/** Read-only access to the host's files: null when the file or directory does not exist. */
export interface ConfReader {
  file(path: string): Promise<string | null>;
  /** the entry names of a directory */
  dir(path: string): Promise<string[] | null>;
}

/** A line that sets a parameter and wins over the edited file. */
export interface Override {
  name: string;
  file: string;
  line: number;
  value: string;
}

// PostgreSQL stops following includes at this depth (CONF_FILE_MAX_DEPTH).
const MAX_DEPTH = 10;

/** Resolves an include path relative to the directory of the file that includes it. */
export function resolveInclude(including: string, path: string): string {
  if (path.startsWith('/')) return path;
  const dir = including.includes('/') ? including.slice(0, including.lastIndexOf('/')) : '.';
  return `${dir}/${path}`;
}

/** The files of an include_dir, as PostgreSQL takes them: `*.conf`, not hidden, sorted by name (strcmp). */
export function includeDirFiles(names: readonly string[]): string[] {
  return names
    .filter((n) => n.endsWith('.conf') && !n.startsWith('.'))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The settings an include line brings in, in the order PostgreSQL reads them (nested includes expanded). */
async function expandInclude(r: ConfReader, inc: IncludeLine, depth: number): Promise<SettingLine[]> {
  if (depth >= MAX_DEPTH) return [];
  const target = resolveInclude(inc.file, inc.path);
  if (inc.directive !== 'include_dir') return settingsOf(r, target, depth + 1);
  const names = await r.dir(target);
  const out: SettingLine[] = [];
  for (const n of includeDirFiles(names ?? []))
    out.push(...(await settingsOf(r, `${target}/${n}`, depth + 1)));
  return out;
}

/** Every setting a file contributes, its includes expanded in place. A missing file contributes nothing. */
async function settingsOf(r: ConfReader, path: string, depth: number): Promise<SettingLine[]> {
  const text = await r.file(path);
  if (text === null) return [];
  return expandLines(r, parseConf(text, path), depth);
}

async function expandLines(r: ConfReader, lines: readonly ConfLine[], depth: number): Promise<SettingLine[]> {
  const out: SettingLine[] = [];
  for (const l of lines) {
    if (l.kind === 'setting') out.push(l);
    if (l.kind === 'include') out.push(...(await expandInclude(r, l, depth)));
  }
  return out;
}

/** The file setConf edits: its new text and the line each wanted setting ends up on. */
export interface EditedFile {
  path: string;
  text: string;
  /** 1-based line of each setting's active line in `text` */
  positions: ReadonlyMap<string, number>;
}

/** What PostgreSQL reads: its config_file (includes followed), then postgresql.auto.conf in the data dir. */
export interface ConfSources {
  main: string;
  autoConf: string | undefined;
}

/** Lines that win over the edit, by wanted name; `read` says whether the server reads the edited file at all. */
export interface OverrideReport {
  overrides: Map<string, Override>;
  read: boolean;
}

/**
 * Walks the files as PostgreSQL reads them, in its order (config_file with every include expanded in place,
 * then postgresql.auto.conf), with the edited file's new text in place of what is on disk. For each wanted name,
 * the last line that sets it wins; when that is not the edited line, it is an override.
 */
export async function findOverrides(
  r: ConfReader,
  edited: EditedFile,
  src: ConfSources,
): Promise<OverrideReport> {
  const target = posix.normalize(edited.path);
  let read = false;
  const view: ConfReader = {
    // a file about to be created in an include_dir is read once it exists
    dir: async (p) => {
      const names = await r.dir(p);
      if (posix.dirname(target) !== posix.normalize(p)) return names;
      const base = posix.basename(target);
      return names?.includes(base) ? names : [...(names ?? []), base];
    },
    file: async (p) => {
      if (posix.normalize(p) !== target) return r.file(p);
      read = true;
      return edited.text;
    },
  };
  const all = await settingsOf(view, src.main, 0);
  if (src.autoConf) all.push(...(await settingsOf(view, src.autoConf, 1)));
  const overrides = new Map<string, Override>();
  for (const [name, at] of edited.positions) {
    const n = name.toLowerCase();
    const win = all.findLast((s) => s.name === n);
    if (!win || (posix.normalize(win.file) === target && win.line === at)) continue;
    overrides.set(name, { name, file: win.file, line: win.line, value: win.value });
  }
  return { overrides, read };
}
