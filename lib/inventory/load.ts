import { existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { fileText, markSecretLeaves } from '../vault/text.js';
import { parseIni } from './ini.js';
import { splitPort } from './ranges.js';
import { isInventoryScript, parseInventoryScript } from './script.js';
import type { Inventory } from './types.js';
import { addChild, addHost, ancestorsOf, emptyInventory, parentsMap } from './types.js';
import { attachVarsFiles } from './vars-files.js';
import { looksLikeYamlInventory, parseYamlInventory } from './yaml.js';

/** What Ansible skips when a directory is the inventory source (its defaults, including `.ini`). */
const IGNORED =
  /^\.|^host_vars$|^group_vars$|^vars_plugins$|(?:\.pyc|\.pyo|\.swp|\.bak|~|\.rpm|\.md|\.txt|\.rst|\.orig|\.ini|\.cfg|\.retry)$/;

/** Options of {@link loadInventory}. */
export interface LoadOptions {
  /** the playbook's directory: its `group_vars/` and `host_vars/` override those beside the inventory */
  playbookDir?: string;
}

/** Whether a source is an inline host list (`h1,h2,`) rather than a path, as Ansible decides it. */
export function isHostList(source: string): boolean {
  return source.includes(',') && !existsSync(source);
}

/** Adds the hosts of an inline list (`h1,h2:2222,`) to `ungrouped`, as Ansible's host_list plugin does. */
export function parseHostList(source: string, inv: Inventory): void {
  for (const item of source.split(',')) {
    const h = item.trim();
    if (!h || inv.hosts.has(h)) continue;
    const { host, port } = splitPort(h);
    if (!inv.hosts.has(host)) addHost(inv, host, 'ungrouped', port);
  }
}

/** Parses one inventory file's text, choosing YAML or INI as Ansible's plugins would. */
export function parseInventoryText(text: string, file: string, inv: Inventory): void {
  const ext = extname(file).toLowerCase();
  if (['.yml', '.yaml', '.json'].includes(ext)) parseYamlInventory(text, file, inv);
  else if (ext === '' && looksLikeYamlInventory(text)) parseYamlInventory(text, file, inv);
  else parseIni(text, file, inv);
}

async function parseSource(path: string, inv: Inventory): Promise<void> {
  if (statSync(path).isDirectory()) {
    for (const entry of (await readdir(path)).sort()) {
      if (!IGNORED.test(entry)) await parseSource(join(path, entry), inv);
    }
    return;
  }
  if (isInventoryScript(path)) return parseInventoryScript(path, inv);
  const plain = fileText(await readFile(path, 'utf8'), path);
  if (plain.encrypted) {
    // every value of an encrypted inventory is a secret: read it alone once to learn them
    const alone = emptyInventory();
    parseInventoryText(plain.text, path, alone);
    markSecretLeaves([...alone.hosts.values(), ...alone.groups.values()].map((x) => x.vars));
  }
  parseInventoryText(plain.text, path, inv);
}

/**
 * Ansible's reconcile step: every top-level group becomes a child of `all`; a host in no group but `all`
 * goes to `ungrouped`, and leaves `ungrouped` once it is in any other group.
 */
export function reconcile(inv: Inventory): void {
  let parents = parentsMap(inv);
  for (const g of inv.groups.keys()) {
    if (g !== 'all' && ancestorsOf(parents, g).size === 0) addChild(inv, 'all', g);
  }
  parents = parentsMap(inv);
  const ungrouped = inv.groups.get('ungrouped')!;
  const direct = new Map<string, Set<string>>();
  for (const g of inv.groups.values()) {
    for (const h of g.hosts) direct.set(h, (direct.get(h) ?? new Set()).add(g.name));
  }
  for (const host of inv.hosts.keys()) {
    const groups = new Set<string>();
    for (const g of direct.get(host) ?? []) {
      groups.add(g);
      for (const a of ancestorsOf(parents, g)) groups.add(a);
    }
    groups.delete('all');
    if (groups.has('ungrouped') && groups.size > 1)
      ungrouped.hosts = ungrouped.hosts.filter((h) => h !== host);
    else if (groups.size === 0) ungrouped.hosts.push(host);
  }
}

/**
 * Loads and merges inventory sources in order, as `ansible -i A -i B` does: INI or YAML files, executable
 * scripts (`--list`), directories (every file in them), or inline host lists (`h1,h2,`). Then reads `group_vars/` and `host_vars/` beside each
 * source and beside the playbook. A missing source or a parse error is an InputError.
 */
export async function loadInventory(sources: string[], opts: LoadOptions = {}): Promise<Inventory> {
  const inv = emptyInventory();
  const varsDirs: string[] = [];
  for (const source of sources) {
    if (isHostList(source)) {
      parseHostList(source, inv);
      continue;
    }
    const path = resolve(source);
    if (!existsSync(path)) throw new InputError(`inventory source not found: ${source}`, { file: source });
    await parseSource(path, inv);
    const dir = statSync(path).isDirectory() ? path : dirname(path);
    if (!varsDirs.includes(dir)) varsDirs.push(dir);
  }
  reconcile(inv);
  for (const dir of varsDirs) await attachVarsFiles(inv, dir, 'inventory');
  if (opts.playbookDir) await attachVarsFiles(inv, resolve(opts.playbookDir), 'playbook');
  return inv;
}
