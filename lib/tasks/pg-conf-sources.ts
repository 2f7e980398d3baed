/**
 * Which configuration lines win over an edit of postgresql.conf: settings in files included after the edited
 * line (include, include_if_exists, include_dir, followed recursively as PostgreSQL does) and in
 * postgresql.auto.conf, which the server reads last. The walk reads files through a {@link ConfReader}, so it
 * is tested with in-memory files and runs on a host through read-only facts.
 */
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
  return expandLines(r, parseConf(text, path), depth, 0);
}

async function expandLines(
  r: ConfReader,
  lines: readonly ConfLine[],
  depth: number,
  afterLine: number,
): Promise<SettingLine[]> {
  const out: SettingLine[] = [];
  for (const l of lines) {
    if (l.line <= afterLine) continue;
    if (l.kind === 'setting') out.push(l);
    if (l.kind === 'include') out.push(...(await expandInclude(r, l, depth)));
  }
  return out;
}

/**
 * For each name, the line that wins over the edited file when the name is set at `positions[name]` (1-based
 * line in `lines`): the last setting of that name in a file included after that line, or in
 * postgresql.auto.conf (read after everything else). Settings of the edited file itself are not overrides:
 * the edit leaves one active line per name.
 */
export async function findOverrides(
  r: ConfReader,
  lines: readonly ConfLine[],
  positions: ReadonlyMap<string, number>,
  autoConf: string | undefined,
): Promise<Map<string, Override>> {
  const includes = lines.filter((l): l is IncludeLine => l.kind === 'include');
  const expanded = new Map<number, SettingLine[]>();
  for (const inc of includes) expanded.set(inc.line, await expandInclude(r, inc, 1));
  const auto = autoConf ? await settingsOf(r, autoConf, 1) : [];
  const out = new Map<string, Override>();
  for (const [name, at] of positions) {
    const n = name.toLowerCase();
    const later = includes.filter((i) => i.line > at).flatMap((i) => expanded.get(i.line) ?? []);
    const win = [...later, ...auto].findLast((s) => s.name === n);
    if (win) out.set(name, { name, file: win.file, line: win.line, value: win.value });
  }
  return out;
}
