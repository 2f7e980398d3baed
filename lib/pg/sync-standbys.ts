/**
 * Synchronous standbys: `synchronous_standby_names` built from inventory hosts (the application_name each standby
 * connects with is its inventory name), and the preflight checks of that choice.
 */
import { type Check, fail, pass, warn } from './preflight-check.js';

/** `first`: the first n listed that stream are synchronous; `any`: a quorum of n; `off`: no synchronous standby. */
export type SyncMode = 'first' | 'any' | 'off';

/** What the inventory asks for. */
export interface SyncWanted {
  mode: SyncMode;
  count: number;
  names: readonly string[];
  /**
   * the primary's inventory name, left out of the list: one list serves every node that can become primary
   * (after a switchover the new primary must not wait for itself, which would block every commit)
   */
  primary?: string;
}

/** A bad choice, said in the user's variables. */
export class SyncStandbysError extends Error {}

/**
 * A name as a double-quoted identifier of synchronous_standby_names: any character stays (a `-` or `.`, a keyword
 * such as FIRST), `"` is doubled. PostgreSQL compares the names case-insensitively, quoted or not.
 */
export function quoteStandbyName(name: string): string {
  // the walsender cleans a non-ASCII application_name (to `?` or `\xNN`, by version): it could never match
  if (!/^[\x20-\x7e]+$/.test(name))
    throw new SyncStandbysError(
      `pg_synchronous_standbys: '${name}' must be printable ASCII (a standby's application_name is)`,
    );
  if (name === '*')
    throw new SyncStandbysError("pg_synchronous_standbys: '*' (any standby) is not an inventory host");
  return `"${name.replaceAll('"', '""')}"`;
}

function checkCount(w: SyncWanted): number {
  const n = Number(w.count);
  if (!Number.isInteger(n) || n < 1)
    throw new SyncStandbysError(`pg_synchronous_count: ${String(w.count)} must be a whole number ≥ 1`);
  if (n > w.names.length)
    throw new SyncStandbysError(
      `pg_synchronous_count: ${n} exceeds the ${w.names.length} name(s) of pg_synchronous_standbys${w.primary ? ` besides the primary ${w.primary}` : ''}: commits would wait forever`,
    );
  return n;
}

/** Names once each, in order (PostgreSQL compares them case-insensitively). */
function unique(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.filter((n) => {
    const k = n.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The names of the list that can be standbys: each once, without the primary itself. */
export function standbyNames(w: SyncWanted): string[] {
  if (!Array.isArray(w.names))
    throw new SyncStandbysError('pg_synchronous_standbys must be a list of inventory hosts');
  const self = w.primary?.toLowerCase();
  return unique(w.names.map(String)).filter((n) => n.toLowerCase() !== self);
}

/**
 * The value of synchronous_standby_names: `FIRST n ("db2", "db3")`, `ANY n (…)`, or '' (off, or no names besides
 * the primary). Throws {@link SyncStandbysError} for a count outside 1…names, a mode it does not know, or a name
 * no standby can have.
 */
export function synchronousStandbyNames(w: SyncWanted): string {
  const mode = String(w.mode).toLowerCase();
  if (!['first', 'any', 'off'].includes(mode))
    throw new SyncStandbysError(`pg_synchronous_mode: '${String(w.mode)}' must be first, any or off`);
  if (mode === 'off') return '';
  const names = standbyNames(w);
  if (names.length === 0) return '';
  const n = checkCount({ ...w, names });
  return `${mode.toUpperCase()} ${n} (${names.map(quoteStandbyName).join(', ')})`;
}

/**
 * Preflight of the choice, reported on the primary: a failure for a value that cannot be built; warnings for a
 * name that matches no standby of the inventory and for a count above the standbys it names (commits then wait
 * until standbys from outside the inventory connect with those names).
 */
export function syncChecks(primary: string, standbys: readonly string[], w: SyncWanted): Check[] {
  const name = 'synchronous standbys';
  let value: string;
  try {
    value = synchronousStandbyNames({ ...w, primary });
  } catch (e) {
    return [fail(primary, name, (e as Error).message, 'fix the variable')];
  }
  const names = standbyNames({ ...w, primary });
  if (!value && names.length === 0 && w.names.length > 0 && String(w.mode).toLowerCase() !== 'off')
    return [
      warn(
        primary,
        name,
        `pg_synchronous_standbys names only the primary ${primary}: no synchronous standby, commits do not wait`,
        'list the standbys that may confirm commits',
      ),
    ];
  if (!value) return [];
  const known = new Map(standbys.map((s) => [s.toLowerCase(), s]));
  const matched = names.filter((n) => known.has(n.toLowerCase()));
  const out: Check[] = [];
  for (const n of names.filter((x) => !known.has(x.toLowerCase())))
    out.push(
      warn(
        primary,
        name,
        `${n} matches no standby of the inventory (standbys: ${standbys.join(', ') || 'none'})`,
        'a typo? only a standby that connects with this application_name can confirm commits',
      ),
    );
  const n = Number(w.count);
  if (n > matched.length)
    out.push(
      warn(
        primary,
        name,
        `${value} waits for ${n} standby(s), the inventory has ${matched.length} of them`,
        'commits block until enough standbys with those names stream',
      ),
    );
  if (out.length === 0) out.push(pass(primary, name, `synchronous_standby_names = '${value}'`));
  return out;
}
