/**
 * What may be written into the per-run ssh config, and how: every value is checked for ssh's config grammar
 * (one line per directive, so no control characters) and every refusal names the host and the inventory
 * variable it came from. Pure: values in, lines out.
 */
import { InputError } from '../errors.js';

/** One directive with the inventory variable it came from (for messages). */
export interface Directive {
  key: string;
  value: string;
  from: string;
}

/** Directives ssh reads many times (each line adds a value); every other directive takes the first value. */
const REPEATABLE = new Set(
  [
    'IdentityFile',
    'CertificateFile',
    'LocalForward',
    'RemoteForward',
    'DynamicForward',
    'SendEnv',
    'SetEnv',
  ].map((k) => k.toLowerCase()),
);

/** ssh takes the rest of the line of these as a command, quotes and all: written as given. */
const RAW_LINE = new Set(['proxycommand', 'localcommand', 'remotecommand', 'knownhostscommand']);

/** These change which lines apply to which host: from `-o` they would open a block of their own. */
const STRUCTURAL = new Set(['host', 'match', 'include']);

const CONTROL = /[\x00-\x1f\x7f]/;

/** Throws InputError naming host and variable when `value` cannot be one ssh config value. */
export function checkValue(host: string, d: Directive): void {
  const where = `host ${host}: ${d.from}`;
  if (STRUCTURAL.has(d.key.toLowerCase()))
    throw new InputError(`${where}: "${d.key}" cannot be given as an option; put it in your ssh config`);
  if (CONTROL.test(d.value))
    throw new InputError(
      `${where}: the value of ${d.key} contains a control character (a newline would start another directive): ${JSON.stringify(d.value)}`,
    );
  if (d.value.trim() === '') throw new InputError(`${where}: ${d.key} has an empty value`);
}

/**
 * Throws InputError when an inventory name cannot be a `Host` alias: whitespace and ssh's pattern characters
 * would make the block apply to other hosts (or none).
 */
export function checkAlias(host: string): void {
  if (/[\s*?!,"'#\\]/.test(host) || CONTROL.test(host) || host === '')
    throw new InputError(
      `host ${JSON.stringify(host)}: an inventory name reached over ssh cannot contain whitespace, quotes, # or the ssh pattern characters * ? ! ,`,
    );
}

/**
 * A connection variable as text: strings and numbers only (a list or a mapping is an input error, not
 * "[object Object]"). Undefined when unset or empty.
 */
export function connVar(host: string, vars: Record<string, unknown>, key: string): string | undefined {
  const v = vars[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  throw new InputError(
    `host ${host}: ${key} must be a string, got ${Array.isArray(v) ? 'a list' : typeof v}`,
  );
}

/** `ansible_port`: a whole number 1–65535. */
export function checkPort(host: string, from: string, port: string): void {
  const n = Number(port);
  if (!/^\d+$/.test(port.trim()) || n < 1 || n > 65535)
    throw new InputError(
      `host ${host}: ${from} must be a port number (1-65535), got ${JSON.stringify(port)}`,
    );
}

/** ssh's first-value-wins reading, done once here: one line per directive, all lines of repeatable ones. */
export function firstWins(directives: readonly Directive[]): Directive[] {
  const seen = new Set<string>();
  return directives.filter((d) => {
    const k = d.key.toLowerCase();
    if (REPEATABLE.has(k)) return true;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * One config line. ssh splits values into words (double quotes group, backslash escapes `"` and `\`) except
 * for command directives, which take the rest of the line.
 */
export function configLine(d: Directive): string {
  if (RAW_LINE.has(d.key.toLowerCase()) || /^[^\s"'\\#]+$/.test(d.value)) return `  ${d.key} ${d.value}`;
  return `  ${d.key} "${d.value.replace(/["\\]/g, '\\$&')}"`;
}
