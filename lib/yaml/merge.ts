import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type Node,
  type Pair,
  visit,
  type YAMLMap,
} from 'yaml';
import { InputError, type Position } from '../errors.js';

// The YAML 1.1 schema resolves a plain `<<` to Symbol(<<) itself; the 1.2 one leaves the string.
const isMergeKey = (p: Pair): boolean =>
  isScalar(p.key) &&
  (p.key.value === '<<' || (typeof p.key.value === 'symbol' && p.key.value.description === '<<')) &&
  (p.key.type === 'PLAIN' || p.key.type === undefined);

/** The map an alias or inline map of a merge value stands for. */
function mergeSource(doc: Document, node: unknown, where: (n: unknown) => Position): YAMLMap {
  const target = isAlias(node) ? node.resolve(doc) : node;
  if (isMap(target)) return target;
  throw new InputError('a merge key (<<) takes a mapping or a list of mappings', where(node));
}

/**
 * Replaces every merge key (`<<: *defaults`, `<<: [*a, *b]`) by the pairs it stands for, as PyYAML's
 * `flatten_mapping` does for Ansible: merged pairs come first, the map's own pairs after them (so its own keys
 * win), and of a list of merges the earlier map wins. The pairs keep their nodes, so a position found later
 * points to where the value is written (the anchor's definition).
 */
export function flattenMergeKeys(doc: Document, where: (n: unknown) => Position): void {
  // Aliases are resolved first: flattening removes merge pairs, and with them anchors an alias later refers to.
  visit(doc, {
    Pair(_key, pair) {
      if (!isMergeKey(pair)) return;
      const v = pair.value;
      if (isAlias(v)) pair.value = mergeSource(doc, v, where);
      else if (isSeq(v)) v.items = v.items.map((n) => mergeSource(doc, n, where));
    },
  });
  const done = new Set<YAMLMap>();
  const flatten = (map: YAMLMap): void => {
    if (done.has(map)) return;
    done.add(map);
    if (!map.items.some(isMergeKey)) return;
    const merged: Pair[] = [];
    const own: Pair[] = [];
    for (const pair of map.items as Pair[]) {
      if (!isMergeKey(pair)) {
        own.push(pair);
        continue;
      }
      const v = pair.value as Node | null;
      const sources = isSeq(v)
        ? v.items.map((n) => mergeSource(doc, n, where))
        : [mergeSource(doc, v, where)];
      for (const s of sources) flatten(s);
      for (const s of sources.reverse()) merged.push(...(s.items as Pair[]));
    }
    map.items = [...merged, ...own];
  };
  visit(doc, {
    Map(_key, node) {
      flatten(node);
    },
  });
}
