import type { Position } from '../errors.js';
import { InputError } from '../errors.js';
import type { Inventory } from './types.js';
import { groupHosts, IMPLICIT_LOCALHOST } from './vars.js';

const TERM = /(?:[^\s:[\]]|\[[^\]]*\])+/g;
const SUBSCRIPT = /^(.+)\[(?:(-?[0-9]+)|([0-9]+)[:]([0-9]+)?)\]$/;

/**
 * Splits a host pattern into terms as Ansible does: on commas if there are any, else on colons (keeping
 * `[x:y]` subscripts and bare IPv6 addresses whole). `!` and `&` stay on their term.
 */
export function splitPattern(pattern: string): string[] {
  if (pattern.includes(','))
    return pattern
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
  const p = pattern.trim();
  if (/^[0-9a-fA-F:.]+$/.test(p) && p.split(':').length > 2) return [p];
  if (p.startsWith('~')) return [p];
  return p.match(TERM) ?? [];
}

/** Python's fnmatch.translate: `*`, `?`, `[seq]`, `[!seq]`, anchored at both ends. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    const close = c === '[' ? glob.indexOf(']', i + 2) : -1;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (close > 0) {
      let body = glob.slice(i + 1, close).replace(/\\/g, '\\\\');
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      re += `[${body}]`;
      i = close;
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^(?:${re})$`, 's');
}

function matcher(term: string, where?: Position): RegExp {
  if (!term.startsWith('~')) return globToRegExp(term);
  try {
    // Python's re.match anchors at the start only.
    return new RegExp(`^(?:${term.slice(1)})`);
  } catch (e) {
    throw new InputError(`invalid host pattern regex '${term}': ${(e as Error).message}`, where);
  }
}

function subscript(term: string): { name: string; pick?: (hosts: string[]) => string[] } {
  const m = term.startsWith('~') ? null : SUBSCRIPT.exec(term);
  if (!m) return { name: term };
  const [, name, idx, start, end] = m;
  if (idx !== undefined) return { name: name!, pick: (h) => h.slice(Number(idx)).slice(0, 1) };
  const last = end === undefined ? undefined : Number(end) + 1;
  return { name: name!, pick: (h) => h.slice(Number(start), last) };
}

/** The hosts one term (without its `!`/`&`) names: matching groups' hosts, then matching hosts. */
function matchTerm(inv: Inventory, term: string, where?: Position): string[] {
  const { name, pick } = subscript(term);
  const re = matcher(name, where);
  const groups = [...inv.groups.keys()].filter((g) => re.test(g));
  const hosts = groups.flatMap((g) => groupHosts(inv, g));
  if (groups.length === 0 || name.startsWith('~') || /[.?*[]/.test(name)) {
    hosts.push(...[...inv.hosts.keys()].filter((h) => re.test(h)));
  }
  if (hosts.length === 0 && name === IMPLICIT_LOCALHOST) hosts.push(IMPLICIT_LOCALHOST);
  const plain = !name.startsWith('~') && !/[?*[]/.test(name);
  if (hosts.length === 0 && groups.length === 0 && plain) {
    throw new InputError(`unknown host or group '${name}'`, where);
  }
  const unique = [...new Set(hosts)];
  return pick ? pick(unique) : unique;
}

/**
 * The hosts a pattern selects (for `hosts:` and `--limit`), as Ansible evaluates it: `all`, `*`, globs, `~regex`,
 * group or host names; terms joined by `:` or `,` are a union, `&term` intersects, `!term` excludes (applied
 * after all unions, in that order). Hosts come in inventory order. A plain name that is neither a host nor a
 * group is an InputError at `where`.
 */
export function selectHosts(inv: Inventory, pattern: string, where?: Position): string[] {
  const terms = splitPattern(pattern);
  const plain = terms.filter((t) => !t.startsWith('!') && !t.startsWith('&'));
  const ordered = [
    ...(plain.length ? plain : ['all']),
    ...terms.filter((t) => t.startsWith('&')),
    ...terms.filter((t) => t.startsWith('!')),
  ];
  let hosts: string[] = [];
  for (const t of ordered) {
    if (t.startsWith('!') || t.startsWith('&')) {
      const that = new Set(matchTerm(inv, t.slice(1), where));
      hosts = hosts.filter((h) => that.has(h) === t.startsWith('&'));
    } else if (inv.hosts.has(t)) {
      hosts.push(t);
    } else {
      hosts.push(...matchTerm(inv, t, where));
    }
  }
  return [...new Set(hosts)];
}
