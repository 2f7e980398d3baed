import { inlineVaultText } from '../yaml/vault-tag.js';
import type { Inventory } from './types.js';
import { groupHosts, inventoryVars } from './vars.js';

type ListGroup = { hosts?: string[]; children?: string[] };

/**
 * The inventory in the shape `ansible-inventory --list` prints: every group reachable from `all` with its direct
 * `hosts` and `children` (empty ones left out, `all` never lists hosts), and `_meta.hostvars` with each host's
 * merged inventory variables (hosts without any are left out; inline `!vault` values as `{__ansible_vault}`).
 */
export function toAnsibleList(inv: Inventory): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const seen = new Set<string>();
  const visit = (name: string): void => {
    const g = inv.groups.get(name);
    if (!g) return;
    const entry: ListGroup = {};
    if (name !== 'all' && g.hosts.length) entry.hosts = [...g.hosts];
    if (g.children.length) entry.children = [...g.children];
    if (entry.hosts || entry.children) out[name] = entry;
    for (const c of g.children) {
      if (seen.has(c)) continue;
      seen.add(c);
      visit(c);
    }
  };
  visit('all');
  const hostvars: Record<string, unknown> = {};
  for (const h of groupHosts(inv, 'all')) {
    // A JSON round trip gives exactly what a JSON reader of Ansible's output sees (tuples are lists); an
    // inline !vault value is listed still encrypted, as Ansible lists it.
    const vars = JSON.parse(JSON.stringify(inventoryVars(inv, h)), (_k, v: unknown) => {
      const vault = typeof v === 'string' ? inlineVaultText(v) : undefined;
      return vault === undefined ? v : { __ansible_vault: vault };
    }) as Record<string, unknown>;
    if (Object.keys(vars).length) hostvars[h] = vars;
  }
  out._meta = { hostvars };
  return out;
}
