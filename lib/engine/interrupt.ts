import { Interrupted } from '../errors.js';

/**
 * How a run is stopped from outside (the CLI turns SIGINT/SIGTERM into these; a library caller may abort
 * them itself). The abort reason is the signal's name, e.g. `'SIGINT'`.
 */
export interface RunSignals {
  /** no new task (or loop item, or action) starts on any host; what is in flight finishes */
  stop?: AbortSignal;
  /** also cut what is in flight: every connection is closed now (an atomic write in flight rolls back) */
  cut?: AbortSignal;
}

/** The signal's name an abort carried ('SIGINT' when the caller gave none). */
export function signalName(s: AbortSignal): string {
  return typeof s.reason === 'string' && s.reason.startsWith('SIG') ? s.reason : 'SIGINT';
}

/** Throws {@link Interrupted} once the run is stopping: called before each step that would start new work. */
export function throwIfStopped(stop: AbortSignal | undefined, what: string): void {
  if (stop?.aborted) {
    const sig = signalName(stop);
    throw new Interrupted(sig, `interrupted by ${sig}: ${what}`);
  }
}

/** A signal that never aborts, for runs nobody can stop. */
export const never: AbortSignal = new AbortController().signal;

/** Calls `fn` once when `s` aborts (at once if it already has); returns the function that stops listening. */
export function whenAborted(s: AbortSignal, fn: () => void): () => void {
  if (s.aborted) {
    fn();
    return () => undefined;
  }
  s.addEventListener('abort', fn, { once: true });
  return () => s.removeEventListener('abort', fn);
}
