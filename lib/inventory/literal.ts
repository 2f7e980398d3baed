/**
 * Ansible's INI plugin passes every value through Python's `ast.literal_eval` and keeps the raw string when
 * that fails. This is the same evaluation for the literals that can occur: numbers, True/False/None, quoted
 * strings, lists, tuples and dicts.
 */

class NotLiteral extends Error {}

const NUMBER =
  /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:\d(?:_?\d)*)?\.?(?:\d(?:_?\d)*)?(?:[eE][+-]?\d(?:_?\d)*)?)/;
const NAMES: Record<string, unknown> = { True: true, False: false, None: null };
const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '0': '\0',
};

/** Evaluates `text` as a Python literal; returns the text unchanged when it is not one. */
export function literalEval(text: string): unknown {
  try {
    const p = new LiteralParser(text);
    const v = p.value();
    p.end();
    return v;
  } catch (e) {
    if (e instanceof NotLiteral) return text;
    throw e;
  }
}

class LiteralParser {
  private i = 0;
  constructor(private readonly s: string) {}

  /** skips blanks and `#` comments, which Python allows around a literal */
  private skip(): void {
    for (;;) {
      while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
      if (this.s[this.i] !== '#') return;
      while (this.i < this.s.length && this.s[this.i] !== '\n') this.i++;
    }
  }

  end(): void {
    this.skip();
    if (this.i < this.s.length) throw new NotLiteral();
  }

  value(): unknown {
    this.skip();
    const c = this.s[this.i];
    if (c === undefined) throw new NotLiteral();
    if (c === '[') return this.seq(']');
    if (c === '(') return this.seq(')');
    if (c === '{') return this.dict();
    if (c === '"' || c === "'") return this.strings();
    if (c === '-' || c === '+') {
      this.i++;
      const n = this.value();
      if (typeof n !== 'number') throw new NotLiteral();
      return c === '-' ? -n : n;
    }
    const name = /^[A-Za-z_]\w*/.exec(this.s.slice(this.i));
    if (name) {
      if (!(name[0] in NAMES)) throw new NotLiteral();
      this.i += name[0].length;
      return NAMES[name[0]];
    }
    return this.number();
  }

  private number(): number {
    const m = NUMBER.exec(this.s.slice(this.i));
    const t = m?.[0] ?? '';
    if (!/\d/.test(t)) throw new NotLiteral();
    // Python rejects decimal integers with leading zeros such as 01 (they stay strings).
    if (/^0\d/.test(t) && /^\d+$/.test(t.replace(/_/g, '')) && /[1-9]/.test(t)) throw new NotLiteral();
    this.i += t.length;
    if (/^[a-zA-Z_]/.test(this.s.slice(this.i))) throw new NotLiteral();
    const clean = t.replace(/_/g, '');
    if (/^0[xXoObB]/.test(clean)) return Number(clean);
    return Number(clean.startsWith('.') ? `0${clean}` : clean);
  }

  /** adjacent string literals concatenate, as in Python */
  private strings(): string {
    let out = this.string();
    for (;;) {
      const save = this.i;
      this.skip();
      if (this.s[this.i] !== '"' && this.s[this.i] !== "'") {
        this.i = save;
        return out;
      }
      out += this.string();
    }
  }

  private string(): string {
    const q = this.s[this.i]!;
    this.i++;
    let out = '';
    for (;;) {
      const c = this.s[this.i++];
      if (c === undefined || c === '\n') throw new NotLiteral();
      if (c === q) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.s[this.i++];
      if (e === undefined) throw new NotLiteral();
      out += ESCAPES[e] ?? `\\${e}`;
    }
  }

  private seq(close: string): unknown[] {
    this.i++;
    const out: unknown[] = [];
    for (;;) {
      this.skip();
      if (this.s[this.i] === close) break;
      out.push(this.value());
      this.skip();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== close) throw new NotLiteral();
    }
    this.i++;
    return out;
  }

  private dict(): Record<string, unknown> {
    this.i++;
    const out: Record<string, unknown> = {};
    for (;;) {
      this.skip();
      if (this.s[this.i] === '}') break;
      const k = this.value();
      this.skip();
      if (this.s[this.i++] !== ':') throw new NotLiteral();
      out[String(k)] = this.value();
      this.skip();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== '}') throw new NotLiteral();
    }
    this.i++;
    return out;
  }
}
