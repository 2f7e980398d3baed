import { markSecret } from '../secret.js';

/** The layers of variables, low → high precedence, as design.md lists them. */
export interface VarLayers {
  roleDefaults: Record<string, unknown>;
  /** inventory: all → parent group → child group → host, already merged */
  inventory: Record<string, unknown>;
  play: Record<string, unknown>;
  roleVars: Record<string, unknown>;
  task: Record<string, unknown>;
  /** registered results and facts of this host */
  registered: Record<string, unknown>;
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
