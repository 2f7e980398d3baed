import type { Position } from '../errors.js';
import { InputError } from '../errors.js';
import { originOf } from './origins.js';
import type { Inventory } from './types.js';
import { ancestorsOf, parentsMap } from './types.js';

/** Ansible invents `localhost` when a play names it and the inventory does not. */
export const IMPLICIT_LOCALHOST = 'localhost';

/**
 * Hosts of a group and of all its descendants, without duplicates, in Ansible's order: the group's own hosts,
 * then its children's, level by level.
 */
export function groupHosts(inv: Inventory, group: string): string[] {
  const order = [group];
  for (let i = 0; i < order.length; i++) {
    for (const c of inv.groups.get(order[i]!)?.children ?? []) if (!order.includes(c)) order.push(c);
  }
  const hosts = new Set<string>();
  for (const g of order) for (const h of inv.groups.get(g)?.hosts ?? []) hosts.add(h);
  return [...hosts];
}

/** All groups a host is in, directly or through a child group (`all` included), in inventory order. */
export function groupsOf(inv: Inventory, host: string): string[] {
  const parents = parentsMap(inv);
  const found = new Set<string>();
  for (const g of inv.groups.values()) {
    if (!g.hosts.includes(host)) continue;
    found.add(g.name);
    for (const a of ancestorsOf(parents, g.name)) found.add(a);
  }
  if (inv.hosts.has(host) || host === IMPLICIT_LOCALHOST) found.add('all');
  return [...inv.groups.keys()].filter((g) => found.has(g));
}

/** The `groups` magic variable: every group (with `all` and `ungrouped`) → its hosts, transitively. */
export function groupsMap(inv: Inventory): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const g of inv.groups.keys()) out[g] = groupHosts(inv, g);
  return out;
}

/** Depth of each group: the longest path from `all`, as Ansible tracks it. */
function depths(inv: Inventory): Map<string, number> {
  const parents = parentsMap(inv);
  const memo = new Map<string, number>();
  const depth = (g: string): number => {
    const known = memo.get(g);
    if (known !== undefined) return known;
    memo.set(g, 0);
    const d = Math.max(0, ...(parents.get(g) ?? []).map((p) => depth(p) + 1));
    memo.set(g, d);
    return d;
  };
  for (const g of inv.groups.keys()) depth(g);
  return memo;
}

/** A host's groups other than `all`, sorted as Ansible merges their vars: depth, then priority, then name. */
export function sortedGroups(inv: Inventory, host: string): string[] {
  const d = depths(inv);
  const key = (g: string) => [d.get(g) ?? 0, inv.groups.get(g)?.priority ?? 1] as const;
  return groupsOf(inv, host)
    .filter((g) => g !== 'all')
    .sort((a, b) => {
      const [da, pa] = key(a);
      const [db, pb] = key(b);
      return da - db || pa - pb || (a < b ? -1 : a > b ? 1 : 0);
    });
}

/**
 * A host's variables from the inventory alone, merged in Ansible's order (low → high): `all` inline, every other
 * group inline (parents before children, same depth by priority then name); group_vars/all beside the inventory,
 * then beside the playbook; the other groups' group_vars files likewise; the host inline; host_vars files
 * beside the inventory, then beside the playbook.
 */
export function inventoryVars(inv: Inventory, host: string, where?: Position): Record<string, unknown> {
  const h = inv.hosts.get(host);
  if (!h && host !== IMPLICIT_LOCALHOST) throw new InputError(`unknown host '${host}'`, where);
  return Object.assign({}, ...varLayers(inv, host));
}

/**
 * Where the inventory set the value a host sees for `name` (file:line:col of the winning layer), when the loader
 * noted it: for errors about an inventory value.
 */
export function inventoryVarOrigin(inv: Inventory, host: string, name: string): Position | undefined {
  if (!inv.hosts.has(host)) return undefined;
  const layer = varLayers(inv, host)
    .reverse()
    .find((l) => Object.hasOwn(l, name));
  return originOf(layer, name);
}

/** A host's inventory variable layers, low → high precedence (see {@link inventoryVars}). */
function varLayers(inv: Inventory, host: string): Record<string, unknown>[] {
  const h = inv.hosts.get(host);
  const all = inv.groups.get('all');
  const groups = sortedGroups(inv, host).map((g) => inv.groups.get(g)!);
  // Ansible's default VARIABLE_PRECEDENCE: every inline group var sits below every group_vars file.
  const layers = [
    all?.vars,
    ...groups.map((g) => g.vars),
    all?.fileVars?.inventory,
    all?.fileVars?.playbook,
    ...groups.map((g) => g.fileVars?.inventory),
    ...groups.map((g) => g.fileVars?.playbook),
    h ? h.vars : { ansible_connection: 'local' },
    h?.fileVars?.inventory,
    h?.fileVars?.playbook,
  ];
  return layers.filter((l) => l !== undefined);
}

/**
 * A host's merged inventory variables plus the magic ones Ansible adds: `inventory_hostname`,
 * `inventory_hostname_short` and `group_names` (sorted, without `all`).
 */
export function hostVars(inv: Inventory, host: string, where?: Position): Record<string, unknown> {
  const vars = inventoryVars(inv, host, where);
  const isIp = /^[\d.]+$/.test(host) || host.includes(':');
  return {
    ...vars,
    inventory_hostname: host,
    inventory_hostname_short: isIp ? host : host.split('.')[0],
    group_names: groupsOf(inv, host)
      .filter((g) => g !== 'all')
      .sort(),
  };
}
