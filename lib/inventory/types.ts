import type { Position } from '../errors.js';
import { InputError } from '../errors.js';

/** Variables found in `group_vars/` or `host_vars/` files, by where the directory sits (Ansible keeps them apart). */
export interface FileVars {
  /** beside an inventory source */
  inventory?: Record<string, unknown>;
  /** beside the playbook */
  playbook?: Record<string, unknown>;
}

/** One host: its name and the variables set on it in the inventory source itself. */
export interface InventoryHost {
  name: string;
  vars: Record<string, unknown>;
  /** host_vars files; absent when none */
  fileVars?: FileVars;
}

/** One group: direct hosts and child groups in the order the inventory lists them. */
export interface InventoryGroup {
  name: string;
  hosts: string[];
  children: string[];
  vars: Record<string, unknown>;
  /** `ansible_group_priority` (default 1): orders groups of the same depth before their name does */
  priority?: number;
  /** group_vars files; absent when none */
  fileVars?: FileVars;
}

/** A parsed inventory. Map order is the order in which the sources defined hosts and groups. */
export interface Inventory {
  hosts: Map<string, InventoryHost>;
  groups: Map<string, InventoryGroup>;
}

/** An empty inventory holding the implicit groups `all` and `ungrouped` (in that order, as Ansible starts). */
export function emptyInventory(): Inventory {
  const inv: Inventory = { hosts: new Map(), groups: new Map() };
  addGroup(inv, 'all');
  addGroup(inv, 'ungrouped');
  addChild(inv, 'all', 'ungrouped');
  return inv;
}

/** Adds a group if it does not exist yet; returns it. */
export function addGroup(inv: Inventory, name: string): InventoryGroup {
  let g = inv.groups.get(name);
  if (!g) {
    g = { name, hosts: [], children: [], vars: {} };
    inv.groups.set(name, g);
  }
  return g;
}

/** Adds a host (if new) and puts it in `group` (if given and not there yet). */
export function addHost(inv: Inventory, name: string, group?: string, port?: number): InventoryHost {
  let h = inv.hosts.get(name);
  if (!h) {
    h = { name, vars: {} };
    // Ansible sets the port only when it first meets the host.
    if (port !== undefined) h.vars.ansible_port = port;
    inv.hosts.set(name, h);
  }
  if (group !== undefined) {
    const g = addGroup(inv, group);
    if (!g.hosts.includes(name)) g.hosts.push(name);
  }
  return h;
}

/** Sets a variable on a group the way Ansible's Group.set_variable does (the priority is no variable). */
export function setGroupVar(g: InventoryGroup, key: string, value: unknown): void {
  if (key === 'ansible_group_priority') {
    g.priority = Number.parseInt(String(value), 10);
    return;
  }
  g.vars[key] = value;
}

/** Parents of each group, derived from the children lists. */
export function parentsMap(inv: Inventory): Map<string, string[]> {
  const parents = new Map<string, string[]>();
  for (const g of inv.groups.values()) {
    for (const c of g.children) {
      const list = parents.get(c) ?? [];
      list.push(g.name);
      parents.set(c, list);
    }
  }
  return parents;
}

/** All ancestors of a group (transitively). */
export function ancestorsOf(parents: Map<string, string[]>, group: string): Set<string> {
  const seen = new Set<string>();
  const todo = [...(parents.get(group) ?? [])];
  while (todo.length) {
    const p = todo.pop()!;
    if (seen.has(p)) continue;
    seen.add(p);
    todo.push(...(parents.get(p) ?? []));
  }
  return seen;
}

/** Makes `child` a child group of `parent`, refusing loops as Ansible does. */
export function addChild(inv: Inventory, parent: string, child: string, where?: Position): void {
  const p = addGroup(inv, parent);
  if (p.children.includes(child)) return;
  if (parent === child || ancestorsOf(parentsMap(inv), parent).has(child)) {
    throw new InputError(`adding group '${child}' as child to '${parent}' creates a loop`, where);
  }
  p.children.push(child);
}
