import type { Document, Node, Pair, ScalarTag } from 'yaml';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import type { Position } from '../errors.js';
import { InputError } from '../errors.js';
import { flattenMergeKeys } from '../yaml/merge.js';
import { VAULT_ERROR_CODE, vaultTag } from '../yaml/vault-tag.js';
import { copyOrigins, noteOrigin } from './origins.js';
import { expandHostPattern } from './ranges.js';
import type { Inventory } from './types.js';
import { addChild, addGroup, addHost, setGroupVar } from './types.js';

const BOOL_TAG = 'tag:yaml.org,2002:bool';

/** PyYAML's YAML 1.1 booleans: `yes`/`on` are, but `y`/`n` are not (the yaml package's 1.1 schema takes them). */
function pyBool(value: boolean, test: RegExp): ScalarTag {
  return { identify: (v) => v === value, default: true, tag: BOOL_TAG, test, resolve: () => value };
}

const PY_BOOLS = [
  pyBool(true, /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/),
  pyBool(false, /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/),
];

interface Ctx {
  inv: Inventory;
  doc: Document;
  file: string;
  lc: LineCounter;
}

/**
 * Parses YAML text (YAML 1.1, as Ansible's PyYAML reads it: `yes` is true) into plain data, with errors as
 * InputErrors at file:line:col. Returns the document node tree too, for callers that report positions.
 */
export function readYaml(
  text: string,
  file: string,
): { data: unknown; root: Node | null; lc: LineCounter; doc: Document } {
  const lc = new LineCounter();
  const doc = parseDocument(text, {
    version: '1.1',
    merge: false,
    lineCounter: lc,
    uniqueKeys: false,
    customTags: (tags) => [
      ...PY_BOOLS,
      vaultTag,
      ...tags.filter((t) => typeof t === 'string' || t.tag !== BOOL_TAG),
    ],
  });
  const err = doc.errors[0];
  if (err) {
    const p = err.linePos?.[0];
    const first = err.message.split('\n')[0] ?? '';
    const what =
      err.code === VAULT_ERROR_CODE
        ? first.replace(/ at line \d+, column \d+:?$/, '')
        : `invalid YAML: ${first}`;
    throw new InputError(what, { file, line: p?.line, col: p?.col });
  }
  flattenMergeKeys(doc, (n) => ({ file, ...lc.linePos((n as Node | null)?.range?.[0] ?? 0) }));
  return { data: doc.toJS({ maxAliasCount: -1 }), root: doc.contents as Node | null, lc, doc };
}

/** Whether text parses as a YAML mapping (how an extension-less inventory file is told from INI). */
export function looksLikeYamlInventory(text: string): boolean {
  try {
    const { root } = readYaml(text, '');
    return isMap(root);
  } catch (e) {
    // YAML all right, with a !vault value that cannot be opened: the real parse reports that
    return e instanceof InputError && e.detail.startsWith('vault: ');
  }
}

/**
 * Parses an Ansible YAML inventory (`all: {hosts, children, vars}` to any depth) into `inv`, as Ansible's yaml
 * plugin does: hosts may be null or carry vars, host keys may hold ranges and ports, a string section is one name.
 */
export function parseYamlInventory(text: string, file: string, inv: Inventory): void {
  const { root, lc, doc } = readYaml(text, file);
  const ctx: Ctx = { inv, doc, file, lc };
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) {
    throw new InputError('empty YAML inventory', { file, line: 1, col: 1 });
  }
  if (!isMap(root)) throw new InputError('YAML inventory must be a mapping of group names', pos(ctx, root));
  if (root.items.some((p) => keyName(p) === 'plugin')) {
    throw new InputError('this is an inventory plugin configuration, which run-playbook does not support', {
      file,
      line: 1,
      col: 1,
    });
  }
  for (const pair of root.items) parseGroup(ctx, keyName(pair, ctx), pair.value as Node | null);
}

function pos(ctx: Ctx, node: unknown): Position {
  const range = (node as Node | null)?.range;
  if (!range) return { file: ctx.file };
  const p = ctx.lc.linePos(range[0]);
  return { file: ctx.file, line: p.line, col: p.col };
}

function keyName(pair: Pair, ctx?: Ctx): string {
  const k = pair.key;
  if (isScalar(k) && typeof k.value === 'string') return k.value;
  if (ctx)
    throw new InputError(`name ${String(isScalar(k) ? k.value : k)} must be a string; quote it`, pos(ctx, k));
  return '';
}

function isNull(node: Node | null): boolean {
  return node === null || (isScalar(node) && node.value === null);
}

function parseGroup(ctx: Ctx, group: string, node: Node | null): string {
  addGroup(ctx.inv, group);
  if (isNull(node)) return group;
  if (!isMap(node))
    throw new InputError(`group '${group}' must be a mapping of vars, children and hosts`, pos(ctx, node));
  for (const pair of node.items) {
    const key = keyName(pair, ctx);
    const value = pair.value as Node | null;
    if (isNull(value)) continue;
    // Ansible reads a bare string section as a mapping with that one name.
    if (isScalar(value) && typeof value.value === 'string') {
      sectionItems(ctx, group, key, [[value.value, null]], value);
      continue;
    }
    if (!isMap(value)) {
      throw new InputError(
        `'${key}' of group '${group}' must be a mapping, found ${typeOf(value)}`,
        pos(ctx, value),
      );
    }
    const items = value.items.map((p): [string, Node | null] => [keyName(p, ctx), p.value as Node | null]);
    sectionItems(ctx, group, key, items, value);
  }
  return group;
}

function typeOf(node: Node | null): string {
  return isScalar(node) ? typeof node.value : 'a list';
}

function sectionItems(
  ctx: Ctx,
  group: string,
  key: string,
  items: [string, Node | null][],
  at: unknown,
): void {
  if (key === 'vars') {
    const g = ctx.inv.groups.get(group)!;
    for (const [name, v] of items) {
      setGroupVar(g, name, v === null ? null : v.toJS(ctx.doc));
      if (v) noteOrigin(g.vars, name, pos(ctx, v));
    }
  } else if (key === 'children') {
    for (const [name, v] of items) addChild(ctx.inv, group, parseGroup(ctx, name, v), pos(ctx, v ?? at));
  } else if (key === 'hosts') {
    for (const [pattern, v] of items) hostEntry(ctx, group, pattern, v);
  } else {
    throw new InputError(
      `unexpected key '${key}' in group '${group}'; expected vars, children or hosts`,
      pos(ctx, at),
    );
  }
}

function hostEntry(ctx: Ctx, group: string, pattern: string, node: Node | null): void {
  let spec: ReturnType<typeof expandHostPattern>;
  try {
    spec = expandHostPattern(pattern);
  } catch (e) {
    throw new InputError((e as Error).message, pos(ctx, node));
  }
  const vars = isNull(node) ? {} : (node as Node).toJS(ctx.doc);
  if (typeof vars !== 'object' || vars === null || Array.isArray(vars)) {
    throw new InputError(`vars of host '${pattern}' must be a mapping`, pos(ctx, node));
  }
  if (isMap(node)) notePairs(ctx, vars, node.items);
  for (const name of spec.hosts) {
    const h = addHost(ctx.inv, name, group, spec.port);
    Object.assign(h.vars, vars);
    copyOrigins(h.vars, vars);
  }
}

/** Notes where each key of a YAML mapping was set (its value's position). */
function notePairs(ctx: Ctx, vars: object, pairs: readonly Pair[]): void {
  for (const pair of pairs) {
    const name = keyName(pair);
    if (name && pair.value) noteOrigin(vars, name, pos(ctx, pair.value));
  }
}
