import { inspect } from 'node:util';

const MASK = '***';
const plain = new WeakMap<Secret, string>();
const known = new Set<string>();

/**
 * A value that must never be shown: it prints as `***` in strings, JSON and `util.inspect`, and every
 * text passed through {@link redact} has it masked. Only `lib/connection` reads it (via {@link reveal}),
 * to put it on a process's stdin.
 */
export class Secret {
  constructor(value: string) {
    plain.set(this, value);
    if (value.length > 0) known.add(value);
  }

  /** A new secret derived from this one, e.g. a password verifier. */
  map(fn: (value: string) => string): Secret {
    return new Secret(fn(plain.get(this) ?? ''));
  }

  /** Tests the plain value without revealing it. */
  test(fn: (value: string) => boolean): boolean {
    return fn(plain.get(this) ?? '');
  }

  toString(): string {
    return MASK;
  }

  toJSON(): string {
    return MASK;
  }

  [inspect.custom](): string {
    return MASK;
  }
}

/** Registers a plain string as secret for {@link redact}, e.g. a variable whose name says it is a password. */
export function markSecret(value: string): void {
  if (value.length > 0) known.add(value);
}

/** Masks every known secret value in a text (command output, error messages, logs). */
export function redact(text: string): string {
  let out = text;
  for (const s of [...known].sort((a, b) => b.length - a.length)) out = out.split(s).join(MASK);
  return out;
}

/** Text that may hold secrets: `toString()` masks them; the connection reveals them on stdin only. */
export class Payload {
  constructor(readonly parts: readonly (string | Secret)[]) {}

  toString(): string {
    return this.parts.map((p) => (typeof p === 'string' ? p : MASK)).join('');
  }

  toJSON(): string {
    return this.toString();
  }
}

/** Tagged template building a {@link Payload}; interpolated Secrets stay secret. */
export function payload(strings: TemplateStringsArray, ...values: (string | number | Secret)[]): Payload {
  const parts: (string | Secret)[] = [];
  strings.forEach((s, i) => {
    parts.push(s);
    const v = values[i];
    if (v !== undefined) parts.push(v instanceof Secret ? v : String(v));
  });
  return new Payload(parts);
}

/** The length in UTF-8 bytes of a payload's plain value, which a writer checks arrived whole; reveals nothing. */
export function byteLength(p: Payload): number {
  return Buffer.byteLength(reveal(p), 'utf8');
}

/** The plain value. Lint allows this import only in lib/connection. */
export function reveal(s: Secret | Payload | string): string {
  if (typeof s === 'string') return s;
  if (s instanceof Secret) return plain.get(s) ?? '';
  return s.parts.map((p) => (typeof p === 'string' ? p : (plain.get(p) ?? ''))).join('');
}
