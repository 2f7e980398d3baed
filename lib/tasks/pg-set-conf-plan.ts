/**
 * The pure part of setConf: which names are valid on the server's version, the edited text, where each setting
 * ends up, and whether each change needs a restart or a reload. Strings and maps in, values out.
 */
import { InputError, type Position } from '../errors.js';
import { parseConf } from '../pg/conf.js';
import { type ConfValue, findSetting, setSettings } from '../pg/conf-edit.js';
import { checkKnown, restartOrReload, validateValue } from '../pg/guc.js';
import { isKnownInTable } from '../pg/guc-table.js';
import type { Override } from './pg-conf-sources.js';

/** What makes a changed setting take effect. */
export type Needs = 'restart' | 'reload';

/** One changed setting as setConf reports it (`data.changes`). */
export interface SettingChange {
  name: string;
  /** the value the file set before (decoded), absent when the file did not set it */
  before?: string;
  after: string;
  needs: Needs;
}

/** The edit of one file. */
export interface ConfEdit {
  text: string;
  changes: SettingChange[];
  /** 1-based line of each setting's active line in the new text */
  positions: Map<string, number>;
}

/** Custom (placeholder) parameters such as `pg_stat_statements.track` are accepted by any server. */
export const isCustomName = (name: string): boolean => name.includes('.');

/** Names setConf must ask the server about: neither in the table nor custom. */
export function namesToAsk(names: readonly string[]): string[] {
  return names.filter((n) => !isCustomName(n) && !isKnownInTable(n.toLowerCase()));
}

/**
 * Throws InputError for a name the server's version does not have (the table first, for its better message;
 * then `contexts`, what the server itself reported), a read-only one, or a value PostgreSQL would reject.
 * `contexts` holds pg_settings.context (or `postgres --describe-config`) by lowercase name.
 */
export function checkSettings(
  settings: Readonly<Record<string, ConfValue>>,
  version: number,
  contexts: ReadonlyMap<string, string>,
  where?: Position,
): void {
  for (const [name, value] of Object.entries(settings)) {
    const n = name.toLowerCase();
    const known = checkKnown(n, version);
    if (!known.ok) throw new InputError(`setConf: ${known.message}`, where);
    const asked = contexts.get(n);
    if (!isKnownInTable(n) && !isCustomName(n) && asked === undefined)
      throw new InputError(
        `setConf: unrecognized configuration parameter "${name}" on PostgreSQL ${version}`,
        where,
      );
    if (asked === 'internal')
      throw new InputError(
        `setConf: ${name} is read-only: it is fixed when the cluster is created (initdb)`,
        where,
      );
    const bad = validateValue(n, value, version);
    if (bad) throw new InputError(`setConf: ${bad}`, where);
  }
}

/** Restart or reload: the server's own context when known, else the table; unknown custom names reload. */
export function needsOf(name: string, version: number, contexts: ReadonlyMap<string, string>): Needs {
  const ctx = contexts.get(name.toLowerCase());
  if (ctx !== undefined) return ctx === 'postmaster' ? 'restart' : 'reload';
  return restartOrReload(name.toLowerCase(), version) === 'restart' ? 'restart' : 'reload';
}

/** Edits the text (see setSettings) and classifies each change. */
export function editConf(
  text: string,
  file: string,
  settings: Readonly<Record<string, ConfValue>>,
  version: number,
  contexts: ReadonlyMap<string, string>,
): ConfEdit {
  const out = setSettings(text, settings, { file, version });
  const lines = parseConf(out.text, file);
  const positions = new Map<string, number>();
  for (const name of Object.keys(settings)) positions.set(name, findSetting(lines, name)?.line ?? 0);
  const changes = out.changes.map((c) => {
    const ch: SettingChange = { name: c.name, after: c.after, needs: needsOf(c.name, version, contexts) };
    if (c.before !== undefined) ch.before = c.before;
    return ch;
  });
  return { text: out.text, changes, positions };
}

/** The message for settings that another file overrides, naming the file:line that wins. */
export function overrideMessage(file: string, overrides: readonly Override[]): string {
  const each = overrides.map(
    (o) => `${o.name} is set again in ${o.file}:${o.line} (to '${o.value}'), which wins over ${file}`,
  );
  const hint = overrides.some((o) => o.file.endsWith('postgresql.auto.conf'))
    ? ' (ALTER SYSTEM RESET removes it from postgresql.auto.conf)'
    : '';
  return `setConf: ${each.join('; ')}${hint}; set allowOverride: true to edit ${file} anyway`;
}
