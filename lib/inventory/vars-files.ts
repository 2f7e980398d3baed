import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Node } from 'yaml';
import { isMap, isScalar } from 'yaml';
import { InputError } from '../errors.js';
import { fileText, markSecretLeaves } from '../vault/text.js';
import { copyOrigins, noteOrigin } from './origins.js';
import type { FileVars, Inventory } from './types.js';
import { readYaml } from './yaml.js';

const EXTENSIONS = ['', '.yml', '.yaml', '.json'];

async function kind(path: string): Promise<'file' | 'dir' | null> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : null;
  } catch {
    return null;
  }
}

/**
 * The vars files Ansible reads for `name` in `dir` (a group_vars or host_vars directory): the first of
 * `name`, `name.yml`, `name.yaml`, `name.json` that exists; if that is a directory, every file in it
 * (recursively, sorted, no hidden files or `~` backups, only those extensions or none).
 */
export async function findVarsFiles(dir: string, name: string): Promise<string[]> {
  for (const ext of EXTENSIONS) {
    const path = join(dir, name + ext);
    const k = await kind(path);
    if (k === 'file') return [path];
    if (k === 'dir') return listVarsDir(path);
  }
  return [];
}

async function listVarsDir(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await readdir(dir)).sort()) {
    if (entry.startsWith('.') || entry.endsWith('~')) continue;
    const path = join(dir, entry);
    const ext = extname(entry);
    const k = await kind(path);
    if (k === 'dir' && !ext) out.push(...(await listVarsDir(path)));
    else if (k === 'file' && EXTENSIONS.includes(ext)) out.push(path);
  }
  return out;
}

/**
 * Reads vars files and merges them in order (top-level keys replace, as Ansible's default hash_behaviour).
 * A file encrypted with ansible-vault is decrypted; its values are secrets.
 */
export async function readVarsFiles(files: string[]): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const file of files) {
    const plain = fileText(await readFile(file, 'utf8'), file);
    const { data, root, lc } = readYaml(plain.text, file);
    if (plain.encrypted) markSecretLeaves(data);
    if (data === null || data === undefined) continue;
    if (typeof data !== 'object' || Array.isArray(data)) {
      throw new InputError('a vars file must hold a mapping of variable names to values', {
        file,
        line: 1,
        col: 1,
      });
    }
    Object.assign(out, data);
    if (isMap(root))
      for (const pair of root.items) {
        const value = pair.value as Node | null;
        if (isScalar(pair.key) && value?.range)
          noteOrigin(out, String(pair.key.value), { file, ...lc.linePos(value.range[0]) });
      }
  }
  return out;
}

async function varsFor(base: string, sub: string, name: string): Promise<Record<string, unknown> | null> {
  // Ansible skips entities named like absolute paths, which could escape the directory.
  if (name.startsWith('/')) return null;
  const files = await findVarsFiles(join(base, sub), name);
  return files.length ? readVarsFiles(files) : null;
}

function merge(
  target: { fileVars?: FileVars },
  layer: keyof FileVars,
  vars: Record<string, unknown> | null,
): void {
  if (!vars) return;
  target.fileVars ??= {};
  const before = target.fileVars[layer];
  const merged = { ...before, ...vars };
  if (before) copyOrigins(merged, before);
  copyOrigins(merged, vars);
  target.fileVars[layer] = merged;
}

/**
 * Attaches `group_vars/` and `host_vars/` found in `base` to every group and host of `inv`, in the given
 * layer: `inventory` for directories beside an inventory source, `playbook` for the playbook's directory.
 */
export async function attachVarsFiles(inv: Inventory, base: string, layer: keyof FileVars): Promise<void> {
  const hasGroupVars = (await kind(join(base, 'group_vars'))) === 'dir';
  const hasHostVars = (await kind(join(base, 'host_vars'))) === 'dir';
  if (hasGroupVars) {
    for (const g of inv.groups.values()) merge(g, layer, await varsFor(base, 'group_vars', g.name));
  }
  if (hasHostVars) {
    for (const h of inv.hosts.values()) merge(h, layer, await varsFor(base, 'host_vars', h.name));
  }
}
