/**
 * postgresql.conf parsing with PostgreSQL's own grammar (src/backend/utils/misc/guc-file.l): one statement per
 * line, `name [=] value`, `#` comments, `include` / `include_if_exists` / `include_dir`. Pure: text in, lines out.
 */

/** Where a line came from: `file` as given to {@link parseConf}, 1-based `line`. */
interface LineBase {
  file: string;
  line: number;
  /** the line exactly as in the file, without its `\n` (a `\r` of CRLF files stays here) */
  raw: string;
}

/** An active `name = value` line. Offsets are 0-based into `raw`, `valueEnd` exclusive. */
export interface SettingLine extends LineBase {
  kind: 'setting';
  /** lowercased, as PostgreSQL compares names */
  name: string;
  /** the value token exactly as written (quotes and escapes included) */
  rawValue: string;
  /** the value as PostgreSQL reads it (quotes removed, escapes decoded) */
  value: string;
  quoted: boolean;
  valueStart: number;
  valueEnd: number;
  /** the trailing comment including its `#`, if any */
  comment?: string;
}

/** A commented-out setting such as `#wal_level = replica  # minimal, replica, or logical`. */
export interface TemplateLine extends LineBase {
  kind: 'template';
  name: string;
  value: string;
}

/** `include 'file'`, `include_if_exists 'file'` or `include_dir 'dir'`; `path` is decoded, not resolved. */
export interface IncludeLine extends LineBase {
  kind: 'include';
  directive: 'include' | 'include_if_exists' | 'include_dir';
  path: string;
}

/** A line PostgreSQL would reject; `col` is 1-based. The server refuses to start with such a file. */
export interface ErrorLine extends LineBase {
  kind: 'error';
  col: number;
  message: string;
}

/** A line holding nothing but whitespace and/or a comment that is not a template. */
export interface OtherLine extends LineBase {
  kind: 'blank' | 'comment';
}

/** One line of a postgresql.conf file, classified. */
export type ConfLine = SettingLine | TemplateLine | IncludeLine | ErrorLine | OtherLine;

type TokenKind = 'id' | 'qid' | 'string' | 'unquoted' | 'integer' | 'real' | 'equals' | 'error';

interface Token {
  kind: TokenKind;
  text: string;
  start: number;
}

// The lexer's character classes: bytes 0x80-0xFF count as letters in guc-file.l; here every non-ASCII char does.
const L = '[A-Za-z_\\u0080-\\uffff]';
const LD = '[A-Za-z_0-9\\u0080-\\uffff]';

// In rule order: flex takes the longest match and, on a tie, the earlier rule.
const RULES: readonly [TokenKind, RegExp][] = [
  ['id', new RegExp(`${L}${LD}*`, 'y')],
  ['qid', new RegExp(`${L}${LD}*\\.${L}${LD}*`, 'y')],
  ['string', /'(?:[^'\\\n]|\\[^\n]|'')*'/y],
  ['unquoted', new RegExp(`${L}(?:${LD}|[-._:/])*`, 'y')],
  ['integer', /[-+]?(?:0x[0-9a-fA-F]+|[0-9]+)[a-zA-Z]*/y],
  ['real', /[-+]?[0-9]*\.[0-9]*(?:[Ee][-+]?[0-9]+)?/y],
  ['equals', /=/y],
];

/**
 * Lexes one line; returns the tokens and the offset where a `#` comment starts (or -1). `max` stops after that
 * many tokens: a statement is decided by its first four, and lexing every word of a long prose comment cost
 * most of parsing a stock postgresql.conf.
 */
function lex(raw: string, max = Number.POSITIVE_INFINITY): { tokens: Token[]; commentAt: number } {
  const tokens: Token[] = [];
  let p = 0;
  while (p < raw.length && tokens.length < max) {
    const c = raw[p] as string;
    if (c === ' ' || c === '\t' || c === '\r') {
      p++;
      continue;
    }
    if (c === '#') return { tokens, commentAt: p };
    let best: Token = { kind: 'error', text: c, start: p };
    for (const [kind, re] of RULES) {
      re.lastIndex = p;
      const m = re.exec(raw);
      if (m && m[0].length > (best.kind === 'error' ? 0 : best.text.length))
        best = { kind, text: m[0], start: p };
    }
    tokens.push(best);
    p += best.text.length;
  }
  return { tokens, commentAt: -1 };
}

/** Decodes a quoted conf string the way guc-file.l's DeescapeQuotedString does: `''`, `\n` `\t` … `\ooo`. */
export function unquoteConfString(quoted: string): string {
  const s = quoted.slice(1, -1);
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === "'" && s[i + 1] === "'") {
      out += "'";
      i++;
    } else if (c !== '\\' || i + 1 >= s.length) {
      out += c;
    } else {
      const e = s[++i] as string;
      const oct = /^[0-7]{1,3}/.exec(s.slice(i));
      if (oct) {
        out += String.fromCharCode(Number.parseInt(oct[0], 8) & 0xff);
        i += oct[0].length - 1;
      } else {
        out += ESCAPES[e] ?? e;
      }
    }
  }
  return out;
}

const ESCAPES: Readonly<Record<string, string>> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

const VALUE_KINDS: ReadonlySet<TokenKind> = new Set(['id', 'string', 'integer', 'real', 'unquoted']);
const INCLUDES = new Set(['include', 'include_if_exists', 'include_dir']);

type Statement =
  | { ok: true; nameTok: Token; valueTok: Token }
  | { ok: false; col: number; message: string }
  | { ok: 'empty' };

/** The statement grammar of guc-file.l's ParseConfigFp, applied to one line's tokens. */
function parseStatement(tokens: Token[], lineLength: number): Statement {
  const [nameTok, second, third, extra] = tokens;
  if (!nameTok) return { ok: 'empty' };
  const nearEnd = { ok: false as const, col: lineLength + 1, message: 'syntax error near end of line' };
  const near = (t: Token) => ({
    ok: false as const,
    col: t.start + 1,
    message: t.text === "'" ? 'unterminated quoted string' : `syntax error near token "${t.text}"`,
  });
  if (nameTok.kind !== 'id' && nameTok.kind !== 'qid') return near(nameTok);
  const valueTok = second?.kind === 'equals' ? third : second;
  const after = second?.kind === 'equals' ? extra : third;
  if (!valueTok) return nearEnd;
  if (!VALUE_KINDS.has(valueTok.kind)) return near(valueTok);
  if (after) return near(after);
  return { ok: true, nameTok, valueTok };
}

/** A value token's decoded text: quoted strings de-escaped, everything else as written. */
function decode(t: Token): string {
  return t.kind === 'string' ? unquoteConfString(t.text) : t.text;
}

// What a template line must start with (a name, then `=`): most comments are prose and fail this at once
const TEMPLATE_START = new RegExp(`^${L}[A-Za-z_0-9.\\u0080-\\uffff]*[ \\t\\r]*=`);

/** Classifies a commented-out line: a template only when the text after `#` is a whole `name = value` statement. */
function classifyComment(base: LineBase, commentAt: number): ConfLine {
  const inner = base.raw.slice(commentAt).replace(/^#\s*/, '');
  if (!TEMPLATE_START.test(inner)) return { ...base, kind: 'comment' };
  const { tokens } = lex(inner, 4); // parseStatement reads no further than the fourth token
  const st = parseStatement(tokens, inner.length);
  // requiring `=` keeps two-word prose such as "# see below" from passing as a template
  if (st.ok === true && tokens[1]?.kind === 'equals' && !INCLUDES.has(st.nameTok.text.toLowerCase())) {
    return { ...base, kind: 'template', name: st.nameTok.text.toLowerCase(), value: decode(st.valueTok) };
  }
  return { ...base, kind: 'comment' };
}

/** Classifies one line. */
function parseLine(base: LineBase): ConfLine {
  const { tokens, commentAt } = lex(base.raw);
  const st = parseStatement(tokens, commentAt >= 0 ? commentAt : base.raw.trimEnd().length);
  if (st.ok === 'empty')
    return commentAt >= 0 ? classifyComment(base, commentAt) : { ...base, kind: 'blank' };
  if (!st.ok) return { ...base, kind: 'error', col: st.col, message: st.message };
  const { nameTok, valueTok } = st;
  const name = nameTok.text.toLowerCase();
  if (nameTok.kind === 'id' && INCLUDES.has(name)) {
    return { ...base, kind: 'include', directive: name as IncludeLine['directive'], path: decode(valueTok) };
  }
  const setting: SettingLine = {
    ...base,
    kind: 'setting',
    name,
    rawValue: valueTok.text,
    value: decode(valueTok),
    quoted: valueTok.kind === 'string',
    valueStart: valueTok.start,
    valueEnd: valueTok.start + valueTok.text.length,
  };
  if (commentAt >= 0) setting.comment = base.raw.slice(commentAt).replace(/\r$/, '');
  return setting;
}

/**
 * Parses postgresql.conf (or postgresql.auto.conf) text. Never throws: lines PostgreSQL would reject come back
 * as `kind: 'error'` entries with `line`, `col` and `message`. A final newline does not make an extra line.
 */
export function parseConf(text: string, file: string): ConfLine[] {
  const key = `${file}\0${text}`;
  const hit = parsed.get(key);
  if (hit) return [...hit];
  const raws = text.split('\n');
  if (raws.length > 0 && raws[raws.length - 1] === '') raws.pop();
  const lines = raws.map(
    (raw, i) => Object.freeze({ file, line: i + 1, raw, ...classified(raw) }) as ConfLine,
  );
  if (parsed.size >= PARSED_MAX) parsed.delete(parsed.keys().next().value as string);
  parsed.set(key, lines);
  return [...lines];
}

/**
 * A line's classification depends on its text alone; a file edited in a run (each setConf of a check run plans
 * against the text the previous one predicted) is mostly the same lines, so each distinct line is lexed once.
 */
function classified(raw: string): Omit<ConfLine, keyof LineBase> {
  let c = byText.get(raw);
  if (!c) {
    const { file: _f, line: _l, raw: _r, ...rest } = parseLine({ file: '', line: 0, raw });
    c = rest;
    if (byText.size >= BY_TEXT_MAX) byText.clear();
    byText.set(raw, c);
  }
  return c;
}
const byText = new Map<string, Omit<ConfLine, keyof LineBase>>();
const BY_TEXT_MAX = 8192;

// A run reads the same postgresql.conf in several tasks (each setConf plans against it, the service task reads
// the port): the parse of the same text is kept, the oldest first out. Lines are frozen, so no caller can change
// what another gets.
const parsed = new Map<string, ConfLine[]>();
const PARSED_MAX = 16;

/** The syntax errors of parsed lines, in file order. */
export function confErrors(lines: readonly ConfLine[]): ErrorLine[] {
  return lines.filter((l): l is ErrorLine => l.kind === 'error');
}

/** True when `name` is a valid parameter name in the conf grammar (an identifier, or `prefix.name`). */
export function isValidName(name: string): boolean {
  const { tokens, commentAt } = lex(name);
  return commentAt < 0 && tokens.length === 1 && (tokens[0]?.kind === 'id' || tokens[0]?.kind === 'qid');
}

/** True when `text` would be read back as one bare value token (so it needs no quotes). */
export function isBareValue(text: string): boolean {
  const { tokens, commentAt } = lex(text);
  const t = tokens[0];
  return (
    commentAt < 0 && tokens.length === 1 && t?.text === text && VALUE_KINDS.has(t.kind) && t.kind !== 'string'
  );
}
