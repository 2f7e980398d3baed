/**
 * Where each inventory variable was set (file:line:col), kept beside the plain records rather than in them, so
 * the variables stay plain data. Loaders note a position per key; merges carry them over.
 */
import type { Position } from '../errors.js';

const origins = new WeakMap<object, Map<string, Position>>();

/** Records that `vars[name]` was set at `where`. */
export function noteOrigin(vars: object, name: string, where: Position): void {
  let m = origins.get(vars);
  if (!m) {
    m = new Map();
    origins.set(vars, m);
  }
  m.set(name, where);
}

/** Copies the positions of `from`'s keys onto `to` (after `Object.assign(to, from)` or a spread). */
export function copyOrigins(to: object, from: object): void {
  const m = origins.get(from);
  if (m) for (const [name, where] of m) noteOrigin(to, name, where);
}

/** Where `vars[name]` was set, when a loader noted it. */
export function originOf(vars: object | undefined, name: string): Position | undefined {
  return vars ? origins.get(vars)?.get(name) : undefined;
}
