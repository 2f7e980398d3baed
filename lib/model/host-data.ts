/**
 * Values that come from hosts (command output, query rows, registered results) are data: a `{{ … }}` in them
 * is text, never a template. They are marked when they enter the variables, and the renderers skip marked values.
 */
const HOST_DATA: unique symbol = Symbol('run-playbook.hostData');

/** A value from a host, marked (deeply) so that no renderer treats its strings as templates. */
export type HostData<T extends object> = T & { readonly [HOST_DATA]: true };

/** Marks an object or array and everything inside it as host data; returns the same value. */
export function hostData<T extends object>(value: T): HostData<T> {
  mark(value);
  return value as HostData<T>;
}

function mark(v: unknown): void {
  if (v === null || typeof v !== 'object' || Object.hasOwn(v, HOST_DATA) || Object.isFrozen(v)) return;
  // not enumerable: JSON output, spreads and Object.entries do not see the mark
  Object.defineProperty(v, HOST_DATA, { value: true, enumerable: false });
  for (const x of Object.values(v)) mark(x);
}

/** Whether a value came from a host (and so is never rendered). */
export function isHostData(v: unknown): boolean {
  return v !== null && typeof v === 'object' && Object.hasOwn(v, HOST_DATA);
}
