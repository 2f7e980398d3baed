import { InputError, type Position } from '../errors.js';

/** Variables that name a port: a whole number 1–65535 (a number, or digits in a string as INI gives them). */
const PORTS = ['ansible_port', 'ansible_ssh_port', 'pg_port'];

/** Variables that become one word of a command or a path: a string or a number, never a list or a mapping. */
const SCALARS = [
  'ansible_host',
  'ansible_user',
  'ansible_become_user',
  'pg_data_dir',
  'pg_bin_dir',
  'pg_socket_dir',
  'pg_os_user',
  'pg_superuser',
  'pg_version',
  'pg_cluster',
  'pg_log_file',
];

const kind = (v: unknown): string => (Array.isArray(v) ? 'a list' : v === null ? 'null' : `a ${typeof v}`);

/**
 * Throws InputError when a well-known connection or PostgreSQL variable of `host` has the wrong type (a port
 * that is a list, a data dir that is a mapping), so a run that cannot work stops before contacting any host.
 * `read` returns a variable's value, or `skip` when it depends on what only a run knows; `origin` says where the
 * inventory set a value (the error's position), when it did.
 */
export function checkHostVars(
  host: string,
  read: (name: string) => unknown,
  skip: unknown,
  origin: (name: string) => Position | undefined = () => undefined,
): void {
  for (const name of PORTS) {
    const v = read(name);
    if (v === undefined || v === null || v === '' || v === skip) continue;
    const n =
      typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : Number.NaN;
    if (!Number.isInteger(n) || n < 1 || n > 65535)
      throw new InputError(
        `host ${host}: ${name} must be a port number (1-65535), got ${typeof v === 'string' ? JSON.stringify(v) : kind(v)}`,
        origin(name),
      );
  }
  for (const name of SCALARS) {
    const v = read(name);
    if (v === undefined || v === null || v === skip) continue;
    if (typeof v !== 'string' && typeof v !== 'number')
      throw new InputError(`host ${host}: ${name} must be a string, got ${kind(v)}`, origin(name));
  }
}
