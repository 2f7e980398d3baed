/**
 * Remote commands are values: a POSIX shell string where every interpolated piece of data is single-quoted.
 * zx's own quote() emits bash `$'…'`, which a remote dash misreads, so we quote ourselves.
 */
export interface Cmd {
  readonly sh: string;
}

/** POSIX single-quote quoting; safe words are left bare for readability. */
export function shq(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Quotes and joins an argv. */
export function shjoin(argv: readonly string[]): string {
  return argv.map(shq).join(' ');
}

/** A raw shell fragment, inserted unquoted by {@link sh}. */
export interface Raw {
  readonly raw: string;
}

/** Marks trusted shell code (operators, redirections) for {@link sh}. */
export function raw(code: string): Raw {
  return { raw: code };
}

type ShValue = string | number | readonly string[] | Cmd | Raw;

function render(v: ShValue): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return shq(v);
  if (Array.isArray(v)) return shjoin(v as readonly string[]);
  if ('sh' in (v as Cmd)) return (v as Cmd).sh;
  return (v as Raw).raw;
}

/** Tagged template: ``sh`psql -X -d ${db}` `` quotes each value; arrays become quoted words; Cmds nest. */
export function sh(strings: TemplateStringsArray, ...values: ShValue[]): Cmd {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return { sh: out };
}

/** A command from an argv. */
export function argv(words: readonly string[]): Cmd {
  return { sh: shjoin(words) };
}
