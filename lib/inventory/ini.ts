import { InputError } from '../errors.js';
import { literalEval } from './literal.js';
import { copyOrigins, noteOrigin } from './origins.js';
import { expandHostPattern } from './ranges.js';
import { shlexSplit } from './shlex.js';
import type { Inventory } from './types.js';
import { addChild, addGroup, addHost, setGroupVar } from './types.js';

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:#.*)?$/;

interface Pending {
  line: number;
  state: 'vars' | 'children';
  parents: string[];
}

interface State {
  inv: Inventory;
  file: string;
  lineNo: number;
  raw: string;
  group: string;
  kind: 'hosts' | 'vars' | 'children';
  pending: Map<string, Pending>;
}

/**
 * Parses an Ansible INI inventory into `inv`, as Ansible's ini plugin does: `[g]`, `[g:vars]`, `[g:children]`,
 * host lines split like a shell with literal-evaluated `k=v` vars, `#`/`;` comment lines, host ranges and ports.
 * A child group may be declared before its own section. Errors are InputErrors at file:line:col.
 */
export function parseIni(text: string, file: string, inv: Inventory): void {
  const st: State = { inv, file, lineNo: 0, raw: '', group: 'ungrouped', kind: 'hosts', pending: new Map() };
  for (const raw of text.split(/\r?\n/)) {
    st.lineNo++;
    st.raw = raw;
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    // `[fe80::1]:2022` is a host line, not a section: only `[…]` with nothing after is a section.
    if (line.startsWith('[') && (SECTION.test(line) || line.endsWith(']'))) section(st, line);
    else if (st.kind === 'hosts') hostLine(st, line);
    else if (st.kind === 'vars') varLine(st, line);
    else childLine(st, line);
  }
  for (const [name, p] of st.pending) {
    const where = { file, line: p.line, col: 1 };
    if (p.state === 'vars')
      throw new InputError(`section [${name}:vars] is for an undefined group '${name}'`, where);
    throw new InputError(`section [${p.parents.at(-1)}:children] includes undefined group '${name}'`, where);
  }
}

function at(st: State, needle?: string): { file: string; line: number; col: number } {
  const i = needle ? st.raw.indexOf(needle) : -1;
  const col = i >= 0 ? i + 1 : st.raw.length - st.raw.trimStart().length + 1;
  return { file: st.file, line: st.lineNo, col };
}

function section(st: State, line: string): void {
  const m = SECTION.exec(line);
  if (!m) {
    throw new InputError(
      `invalid section '${line}': expected [group], [group:vars] or [group:children]`,
      at(st),
    );
  }
  const name = m[1]!;
  const kind = m[2] ?? 'hosts';
  if (kind !== 'hosts' && kind !== 'vars' && kind !== 'children') {
    throw new InputError(
      `section [${name}:${kind}] has unknown type '${kind}'; expected vars or children`,
      at(st),
    );
  }
  if (!st.inv.groups.has(name) && kind === 'vars' && !st.pending.has(name)) {
    st.pending.set(name, { line: st.lineNo, state: 'vars', parents: [] });
  }
  addGroup(st.inv, name);
  const p = st.pending.get(name);
  if (p && kind !== 'vars') {
    if (p.state === 'children') addPendingChildren(st, name);
    else st.pending.delete(name);
  }
  st.group = name;
  st.kind = kind;
}

function addPendingChildren(st: State, group: string): void {
  const p = st.pending.get(group)!;
  for (const parent of p.parents) {
    addChild(st.inv, parent, group, { file: st.file, line: p.line, col: 1 });
    if (st.pending.get(parent)?.state === 'children') addPendingChildren(st, parent);
  }
  st.pending.delete(group);
}

function hostLine(st: State, line: string): void {
  let tokens: string[];
  try {
    tokens = shlexSplit(line);
  } catch (e) {
    throw new InputError(`cannot parse host line: ${(e as Error).message}`, at(st));
  }
  const first = tokens[0];
  if (first === undefined) return;
  let spec: ReturnType<typeof expandHostPattern>;
  try {
    spec = expandHostPattern(first);
  } catch (e) {
    throw new InputError((e as Error).message, at(st));
  }
  const vars: Record<string, unknown> = {};
  for (const t of tokens.slice(1)) {
    const eq = t.indexOf('=');
    if (eq < 0) throw new InputError(`expected key=value host variable, found '${t}'`, at(st, t));
    vars[t.slice(0, eq)] = literalEval(t.slice(eq + 1));
    noteOrigin(vars, t.slice(0, eq), at(st, t));
  }
  for (const name of spec.hosts) {
    const h = addHost(st.inv, name, st.group, spec.port);
    Object.assign(h.vars, vars);
    copyOrigins(h.vars, vars);
  }
}

function varLine(st: State, line: string): void {
  const eq = line.indexOf('=');
  if (eq < 0) throw new InputError(`expected key=value, found '${line}'`, at(st));
  const g = addGroup(st.inv, st.group);
  const name = line.slice(0, eq).trim();
  setGroupVar(g, name, literalEval(line.slice(eq + 1).trim()));
  noteOrigin(g.vars, name, at(st));
}

function childLine(st: State, line: string): void {
  const m = GROUP_NAME.exec(line);
  if (!m) throw new InputError(`expected a group name, found '${line}'`, at(st));
  const child = m[1]!;
  if (st.inv.groups.has(child)) {
    addChild(st.inv, st.group, child, at(st));
    return;
  }
  const p = st.pending.get(child);
  if (p) p.parents.push(st.group);
  else st.pending.set(child, { line: st.lineNo, state: 'children', parents: [st.group] });
}
