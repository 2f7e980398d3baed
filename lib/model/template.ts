import { InputError, type Position } from '../errors.js';
import { isHostData } from './host-data.js';
import { hb, TemplateFault } from './template-helpers.js';
import { renderSimple, simpleTemplate } from './template-simple.js';

type Node = hbs.AST.Node;
type Expr = hbs.AST.Expression;
type Path = hbs.AST.PathExpression;
type Call = hbs.AST.MustacheStatement | hbs.AST.SubExpression | hbs.AST.BlockStatement;
type Loc = hbs.AST.SourceLocation | undefined;

const path = (parts: string[], depth: number, loc: Loc, original = parts.join('.')): Path =>
  ({ type: 'PathExpression', data: false, depth, parts, original, loc }) as Path;
const str = (value: string, loc: Loc): Expr =>
  ({ type: 'StringLiteral', value, original: value, loc }) as Expr;
const num = (value: number, loc: Loc): Expr =>
  ({ type: 'NumberLiteral', value, original: value, loc }) as Expr;
const bool = (value: boolean, loc: Loc): Expr =>
  ({ type: 'BooleanLiteral', value, original: value, loc }) as Expr;
const isLiteral = (e: Node): boolean => e.type.endsWith('Literal');

/** `a.b` → `(__get this '["a","b"]' 0 "a.b")`; block params keep their own head so handlebars resolves it. */
function strictPath(p: Path, blockParams: Set<string>, lenient: boolean): Expr {
  const head = p.parts[0];
  const viaParam =
    p.depth === 0 && head !== undefined && blockParams.has(head) && !/^(this|\.)/.test(p.original);
  const base = viaParam ? path([head], 0, p.loc, head) : path([], p.depth, p.loc, 'this');
  const params = [
    base,
    str(JSON.stringify(p.parts), p.loc),
    num(viaParam ? 1 : 0, p.loc),
    str(p.original, p.loc),
  ];
  if (lenient) params.push(bool(true, p.loc));
  return {
    type: 'SubExpression',
    path: path(['__get'], 0, p.loc),
    params,
    hash: undefined,
    loc: p.loc,
  } as never;
}

function rewriteExpr(e: Expr, scope: Set<string>, lenient = false): Expr {
  if (e.type === 'PathExpression' && !(e as Path).data) return strictPath(e as Path, scope, lenient);
  if (e.type === 'SubExpression') rewriteCall(e as hbs.AST.SubExpression, scope);
  return e;
}

function rewriteCall(c: Call, scope: Set<string>): void {
  const name = (c.path as Path).original;
  c.params = c.params.map((p, i) => rewriteExpr(p, scope, name === 'default' && i === 0));
  for (const pair of c.hash?.pairs ?? []) pair.value = rewriteExpr(pair.value, scope);
}

/** A bare `{{x}}` or `{{5}}` becomes a helper call, so the strict lookup (or the literal) decides its value. */
function rewriteMustache(m: hbs.AST.MustacheStatement, scope: Set<string>): void {
  const p = m.path as Path;
  const bare = m.params.length === 0 && !m.hash?.pairs.length;
  if (bare && isLiteral(m.path)) {
    m.params = [m.path as Expr];
    m.path = path(['__id'], 0, m.loc);
  } else if (bare && !p.data && !(p.parts.length === 1 && p.depth === 0 && p.parts[0]! in hb().helpers)) {
    m.params = [strictPath(p, scope, false)];
    m.path = path(['__id'], 0, m.loc);
  } else rewriteCall(m, scope);
}

function rewriteProgram(prog: hbs.AST.Program | undefined, scope: Set<string>): void {
  if (!prog) return;
  const inner = new Set([...scope, ...(prog.blockParams ?? [])]);
  for (const s of prog.body) {
    if (s.type === 'MustacheStatement') rewriteMustache(s as hbs.AST.MustacheStatement, inner);
    if (s.type === 'BlockStatement') {
      const b = s as hbs.AST.BlockStatement;
      rewriteCall(b, inner);
      rewriteProgram(b.program, inner);
      rewriteProgram(b.inverse, inner);
    }
  }
}

interface Compiled {
  run: (vars: unknown, data: object) => string;
  /** the whole template is one `{{expr}}`: its value keeps its type */
  single: boolean;
}
const cache = new Map<string, Compiled>();

/** Index of the `)` matching the `(` at `open`, skipping quoted strings; -1 when unbalanced. */
function matchParen(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const ch = s[i];
    if (ch === '"' || ch === "'") i = s.indexOf(ch, i + 1) < 0 ? s.length : s.indexOf(ch, i + 1);
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i;
  }
  return -1;
}

// Handlebars 4 cannot parse `{{ (gte a 1) }}`: blank out the outer parentheses, which keeps every column.
function preprocess(tpl: string): string {
  const out = tpl.split('');
  for (const m of tpl.matchAll(/\{\{~?\s*\(/g)) {
    const open = m.index + m[0].length - 1;
    const close = matchParen(tpl, open);
    if (close < 0 || !/^\s*~?\}\}/.test(tpl.slice(close + 1))) continue;
    out[open] = ' ';
    out[close] = ' ';
  }
  return out.join('');
}

function parseError(e: unknown, where?: Position): InputError {
  const lines = String((e as Error).message).split('\n');
  const line = Number(/line (\d+)/.exec(lines[0] ?? '')?.[1] ?? 1);
  const caret = lines[2]?.indexOf('^') ?? -1;
  const loc = { start: { line, column: caret >= 0 && !lines[1]?.startsWith('...') ? caret : 0 } } as Loc;
  const detail = `template syntax error: ${(lines[3] ?? lines[0] ?? '').replace(/^Expecting .*, got/, 'unexpected')}`;
  return new InputError(detail, at(where, loc, caret >= 0));
}

function compile(tpl: string, where?: Position, keepType = true): Compiled {
  const key = `${keepType ? 'v' : 's'}${tpl}`;
  const hit = cache.get(key);
  if (hit) return hit;
  let ast: hbs.AST.Program;
  try {
    ast = hb().parse(preprocess(tpl));
  } catch (e) {
    throw parseError(e, where);
  }
  const body = ast.body.filter(
    (s) => !(s.type === 'ContentStatement' && !(s as never as { value: string }).value.trim()),
  );
  const single = keepType && body.length === 1 && body[0]?.type === 'MustacheStatement';
  rewriteProgram(ast, new Set());
  if (single) ast.body = [capture(body[0] as hbs.AST.MustacheStatement)];
  const fn = hb().compile(ast as never, { noEscape: true });
  const out: Compiled = { run: (vars, data) => fn(vars, { data }), single };
  cache.set(key, out);
  return out;
}

function capture(m: hbs.AST.MustacheStatement): hbs.AST.MustacheStatement {
  const inner = { type: 'SubExpression', path: m.path, params: m.params, hash: m.hash, loc: m.loc } as never;
  return { ...m, path: path(['__cap'], 0, m.loc), params: [inner], hash: undefined } as never;
}

/** The position of a template fault: inside a one-line scalar the template's column is added. */
function at(where: Position | undefined, loc: Loc, exact: boolean): Position | undefined {
  if (!where || !loc) return where;
  if (where.line === undefined) return { file: where.file, line: loc.start.line, col: loc.start.column + 1 };
  if (!exact) return where;
  return { ...where, col: (where.col ?? 1) + loc.start.column };
}

function fail(e: unknown, tpl: string, where?: Position): never {
  if (e instanceof InputError) throw e;
  if (e instanceof TemplateFault) throw new InputError(e.message, at(where, e.loc, !tpl.includes('\n')));
  const msg = e instanceof Error ? e.message : String(e);
  const missing = /^Missing helper: "(.*)"/.exec(msg);
  throw new InputError(missing ? `unknown helper '${missing[1]}'` : `template error: ${msg}`, where);
}

/** Renders a template string. A string that is exactly one `{{expr}}` (trimmed) returns the value with its type. */
export function renderString(tpl: string, vars: Record<string, unknown>, where?: Position): unknown {
  const plain = renderPlain(tpl, vars);
  return plain ? plain.value : renderHandlebars(tpl, vars, where);
}

/** The template's value when it needs no handlebars (no template, or a plain shape), else undefined. */
function renderPlain(tpl: string, vars: Record<string, unknown>): { value: unknown } | undefined {
  if (!tpl.includes('{{')) return { value: tpl };
  const simple = simpleTemplate(tpl);
  return (simple && renderSimple(simple, vars)) || undefined;
}

/** Renders a template with handlebars alone (renderString first tries the plain path; a spec compares both). */
export function renderHandlebars(tpl: string, vars: Record<string, unknown>, where?: Position): unknown {
  const c = compile(tpl, where);
  const capture: { value?: unknown } = {};
  try {
    const text = c.run(vars, { capture });
    return c.single ? capture.value : text;
  } catch (e) {
    fail(e, tpl, where);
  }
}

/**
 * Renders every string leaf of a value (keys are left alone); `where` may locate each leaf by its path. Values
 * from hosts ({@link isHostData}) are returned as they are.
 */
export function renderValue(
  v: unknown,
  vars: Record<string, unknown>,
  where?: Position | ((path: string[]) => Position | undefined),
  at: string[] = [],
): unknown {
  if (typeof v === 'string') {
    // a leaf's position is looked up only when handlebars renders it (it is needed for an error)
    const plain = renderPlain(v, vars);
    if (plain) return plain.value;
    return renderHandlebars(v, vars, typeof where === 'function' ? where(at) : where);
  }
  if (isHostData(v)) return v;
  if (Array.isArray(v)) return v.map((x, i) => renderValue(x, vars, where, [...at, String(i)]));
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k, renderValue(x, vars, where, [...at, k])]),
    );
  }
  return v;
}

/** Evaluates a `when:` expression; bare expressions are wrapped in `{{ }}`. The result must be a real boolean. */
export function evalCondition(expr: string, vars: Record<string, unknown>, where?: Position): boolean {
  const tpl = expr.includes('{{') ? expr : `{{ ${expr} }}`;
  const v = renderString(tpl, vars, expr.includes('{{') ? where : shift(where, -3));
  if (typeof v === 'boolean') return v;
  throw new InputError(`when: expected a boolean, got ${typeof v} ${JSON.stringify(v)}`, where);
}

const shift = (w: Position | undefined, by: number): Position | undefined =>
  w?.col === undefined ? w : { ...w, col: w.col + by };

/** Parses a template so that syntax errors surface at load time, with their position. */
export function checkTemplate(tpl: string, where?: Position): void {
  if (tpl.includes('{{') && !simpleTemplate(tpl)) compile(tpl, where);
}

/** Renders a template file (the `template` task); errors point at `file:line:col` inside it. */
export function renderFile(text: string, vars: Record<string, unknown>, file: string): string {
  const where = { file };
  const c = compile(text, where, false);
  try {
    return c.run(vars, { capture: {} });
  } catch (e) {
    fail(e, text, where);
  }
}
