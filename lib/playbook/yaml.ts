import { readFile } from 'node:fs/promises';
import { isCollection, isMap, isScalar, LineCounter, type Node, parseDocument, Scalar, visit } from 'yaml';
import { InputError, type Position } from '../errors.js';
import { fileText, markSecretLeaves } from '../vault/text.js';
import { flattenMergeKeys } from '../yaml/merge.js';
import { VAULT_ERROR_CODE, vaultTag } from '../yaml/vault-tag.js';

/** A parsed YAML file that can locate any of its nodes. */
export interface YamlFile {
  file: string;
  data: unknown;
  /** position of the node at `path` (or of its nearest existing ancestor) */
  at(path: readonly (string | number)[]): Position;
  /** position of a map key at `path` + `key` */
  keyAt(path: readonly (string | number)[], key: string): Position;
  /** position of the first character of a scalar's content (after a quote), for template columns */
  contentAt(path: readonly (string | number)[]): Position | undefined;
}

/** Parses YAML text; malformed YAML and unquoted `{{ }}` (parsed by YAML as a flow map key) are input errors. */
export function parseYaml(file: string, text: string): YamlFile {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, customTags: [vaultTag] });
  const err = doc.errors[0];
  if (err) {
    const p = lc.linePos(err.pos[0]);
    const what = err.code === VAULT_ERROR_CODE ? err.message : `invalid YAML: ${err.message.split('\n')[0]}`;
    throw new InputError(what, { file, line: p.line, col: p.col });
  }
  const pos = (offset: number): Position => ({ file, ...lc.linePos(offset) });
  // a merge key is a plain `<<`: text without one has nothing to flatten (the visit costs a few ms a file)
  if (text.includes('<<')) flattenMergeKeys(doc, (n) => pos((n as Node | null)?.range?.[0] ?? 0));
  visit(doc, {
    Pair(_k, pair) {
      if (isCollection(pair.key)) {
        const where = pos((pair.key as Node).range?.[0] ?? 0);
        throw new InputError('a value starting with {{ must be quoted, e.g. key: "{{ x }}"', where);
      }
    },
  });
  const nodeAt = (path: readonly (string | number)[]): Node | undefined => {
    for (let i = path.length; i >= 0; i--) {
      const n = (i === 0 ? doc.contents : doc.getIn(path.slice(0, i), true)) as Node | null | undefined;
      if (n?.range) return n;
    }
    return undefined;
  };
  return {
    file,
    data: doc.toJS(),
    at: (path) => pos(nodeAt(path)?.range?.[0] ?? 0),
    keyAt(path, key) {
      const map = doc.getIn(path, true);
      const pair = isMap(map)
        ? map.items.find((p) => isScalar(p.key) && String(p.key.value) === key)
        : undefined;
      const k = pair?.key as Node | undefined;
      return k?.range ? pos(k.range[0]) : pos(nodeAt(path)?.range?.[0] ?? 0);
    },
    contentAt(path) {
      const n = doc.getIn(path, true) as Node | undefined;
      if (!n?.range) return undefined;
      const quoted = isScalar(n) && (n.type === Scalar.QUOTE_DOUBLE || n.type === Scalar.QUOTE_SINGLE);
      return pos(n.range[0] + (quoted ? 1 : 0));
    },
  };
}

/** Reads and parses a YAML file; a whole file encrypted with ansible-vault is decrypted, its values secrets. */
export async function loadYamlFile(file: string): Promise<YamlFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read: ${(e as Error).message}`, { file });
  }
  const plain = fileText(text, file);
  // a role's defaults are read again for every play that names the role: parse each text once
  const key = `${file}\0${plain.text}`;
  const hit = plain.encrypted ? undefined : parsed.get(key);
  if (hit) return { ...hit, data: structuredClone(hit.data) };
  const y = parseYaml(file, plain.text);
  if (plain.encrypted) markSecretLeaves(y.data);
  else if (!plain.text.includes('!vault')) {
    if (parsed.size >= PARSED_MAX) parsed.delete(parsed.keys().next().value ?? '');
    parsed.set(key, { ...y, data: structuredClone(y.data) });
  }
  return y;
}

/** Parsed files by name and text; their data is cloned for each caller, who may change it. */
const parsed = new Map<string, YamlFile>();
const PARSED_MAX = 32;
