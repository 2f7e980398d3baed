import { type HostData, isHostData } from '../model/host-data.js';
import { markSecret } from '../secret.js';

/** The layers of variables, low → high precedence, as design.md lists them. */
export interface VarLayers {
  roleDefaults: Record<string, unknown>;
  /** inventory: all → parent group → child group → host, already merged */
  inventory: Record<string, unknown>;
  play: Record<string, unknown>;
  roleVars: Record<string, unknown>;
  task: Record<string, unknown>;
  /** registered results and facts of this host: host data, never rendered */
  registered: Record<string, HostData<object>>;
  extra: Record<string, unknown>;
}

/** Merges the layers (shallow, like Ansible's default hash_behaviour=replace) and adds the magic variables. */
export function mergeVars(l: VarLayers, magic: Record<string, unknown>): Record<string, unknown> {
  return {
    ...l.roleDefaults,
    ...l.inventory,
    ...l.play,
    ...l.roleVars,
    ...l.task,
    ...l.registered,
    ...l.extra,
    ...magic,
  };
}

const SECRET_NAME = /pass(word|wd|phrase)?$|secret|token|private_key$/i;

/** Registers string values of variables whose names say they are secrets, so every output masks them. */
export function markSecretVars(vars: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(vars)) {
    if (typeof v === 'string' && SECRET_NAME.test(k) && !k.endsWith('_file')) markSecret(v);
    else if (v && typeof v === 'object' && !Array.isArray(v)) markSecretVars(v as Record<string, unknown>);
  }
}

/**
 * A stand-in for values only known while running (registered results, loop items): any property exists and it
 * renders as an empty string. Used by the preflight, which renders every template before any host is contacted.
 */
export const unknownValue: unknown = new Proxy(() => undefined, {
  has: () => true,
  get: (_t, key) => (key === Symbol.toPrimitive || key === 'toString' ? () => '' : unknownValue),
  getOwnPropertyDescriptor: () => ({
    configurable: true,
    enumerable: true,
    writable: true,
    value: unknownValue,
  }),
});

// accessor properties (hostvars, already lazy values) are never read here: reading would render them;
// values from hosts (registered results) are data, never templates
const templated = (v: unknown): boolean => {
  if (isHostData(v)) return false;
  if (typeof v === 'string') return v.includes('{{');
  if (Array.isArray(v)) return v.some(templated);
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype)
    return Object.values(Object.getOwnPropertyDescriptors(v)).some((d) => 'value' in d && templated(d.value));
  return false;
};

/**
 * Variables whose values are templates (`pg_address: "{{ ansible_host }}"`) are rendered when read, against
 * the same variables, as Ansible does: lazily (an unused variable may refer to what is not set) and once.
 */
export function resolveVars(
  vars: Record<string, unknown>,
  render: (v: unknown, self: Record<string, unknown>) => unknown,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const busy = new Set<string>();
  for (const [k, v] of Object.entries(vars)) {
    if (!templated(v)) {
      out[k] = v;
      continue;
    }
    let done = false;
    let value: unknown;
    Object.defineProperty(out, k, {
      enumerable: true,
      configurable: true,
      get() {
        if (done) return value;
        if (busy.has(k)) throw new Error(`variable '${k}' refers to itself`);
        busy.add(k);
        try {
          value = render(v, out);
          done = true;
        } finally {
          busy.delete(k);
        }
        return value;
      },
    });
  }
  return out;
}

/** `vars` plus more, keeping lazily rendered variables lazy (a spread would render them all now). */
export function withVars(
  vars: Record<string, unknown>,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  const out = Object.defineProperties({}, Object.getOwnPropertyDescriptors(vars)) as Record<string, unknown>;
  for (const [k, v] of Object.entries(extra))
    Object.defineProperty(out, k, { value: v, enumerable: true, configurable: true, writable: true });
  return out;
}

// the spellings a host may use for what ansible.cfg defaults: any of them on the host beats the default
const DEFAULT_ALIASES: Record<string, string[]> = {
  ansible_user: ['ansible_user', 'ansible_ssh_user'],
  ansible_ssh_private_key_file: ['ansible_ssh_private_key_file', 'ansible_private_key_file'],
};

/**
 * A host's connection variables over the ansible.cfg defaults (remote_user, private_key_file, ssh args): the
 * host's own win, in any spelling, and ssh arguments from both are kept, the host's first (ssh takes the
 * first value it reads).
 */
export function withHostDefaults(
  defaults: Record<string, unknown>,
  vars: Record<string, unknown>,
): Record<string, unknown> {
  const out = { ...vars };
  for (const [k, v] of Object.entries(defaults)) {
    const set = (DEFAULT_ALIASES[k] ?? [k]).some(
      (a) => vars[a] !== undefined && vars[a] !== null && vars[a] !== '',
    );
    if (!set) out[k] = v;
  }
  const args = [vars.ansible_ssh_common_args, defaults.ansible_ssh_common_args].filter(
    (a) => typeof a === 'string' && a.trim() !== '',
  );
  if (args.length) out.ansible_ssh_common_args = args.join(' ');
  return out;
}
