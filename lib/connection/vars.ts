import { InputError } from '../errors.js';
import type { Become } from './types.js';

/** Become as a task or play states it with keywords; each field overrides the host's `ansible_become*` vars. */
export interface TaskBecome {
  become?: boolean;
  becomeUser?: string;
  becomeMethod?: string;
}

const METHODS: readonly Become['method'][] = ['sudo', 'su', 'runuser'];

/** Ansible's truthy spellings, since INI inventories hand every value over as a string. */
export function truthy(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return ['true', 'yes', 'on', '1', 'y', 't'].includes(v.trim().toLowerCase());
  return false;
}

/** A variable as a non-empty string, or undefined. */
export function strVar(vars: Record<string, unknown>, key: string): string | undefined {
  const v = vars[key];
  if (v === undefined || v === null || v === '') return undefined;
  return String(v);
}

/**
 * The become a command runs with: task keywords first, then `ansible_become`, `ansible_become_user`
 * (default root) and `ansible_become_method` (default sudo; su and runuser too). Undefined when not becoming.
 * Note: Ansible lets connection variables override keywords; here the keyword written on the task wins.
 */
export function becomeFromVars(vars: Record<string, unknown>, task?: TaskBecome): Become | undefined {
  const on = task?.become ?? truthy(vars.ansible_become);
  if (!on) return undefined;
  const user = task?.becomeUser ?? strVar(vars, 'ansible_become_user') ?? 'root';
  const method = task?.becomeMethod ?? strVar(vars, 'ansible_become_method') ?? 'sudo';
  if (!(METHODS as readonly string[]).includes(method)) {
    throw new InputError(`become method "${method}" is not supported; expected one of ${METHODS.join(', ')}`);
  }
  return { user, method: method as Become['method'] };
}

/** Which transport a host uses: `ansible_connection`, default ssh (like Ansible, even for 127.0.0.1). */
export function connectionKind(
  name: string,
  vars: Record<string, unknown>,
  implicit = false,
): 'local' | 'ssh' {
  const c = strVar(vars, 'ansible_connection');
  if (c === undefined) return implicit && name === 'localhost' ? 'local' : 'ssh';
  if (c === 'local') return 'local';
  if (c === 'ssh' || c === 'smart' || c === 'paramiko') return 'ssh';
  throw new InputError(`host ${name}: ansible_connection "${c}" is not supported; expected ssh or local`);
}
