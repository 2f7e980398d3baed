import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import type { HostSsh } from './ssh-config.js';

/** How long a master is kept after a run when the host's ssh args do not say: Ansible's own default ssh_args. */
export const DEFAULT_PERSIST = '60s';

/**
 * How long the host's master outlives the run: the `ControlPersist` its ssh args give (`ansible_ssh_common_args`,
 * ansible.cfg's `ssh_args`), else {@link DEFAULT_PERSIST}, as Ansible keeps its masters; undefined for
 * `ControlPersist=no` (or `false`): then the run closes the master when it ends. A kept master lets the next run
 * (a `--check`, then the real run) skip the ssh handshake, a few hundred milliseconds of CPU per host. `0` and
 * `yes` keep it until it is told to exit, as in ssh_config(5).
 */
export function persistFor(ssh: HostSsh): string | undefined {
  const d = ssh.directives.find(([k]) => k.toLowerCase() === 'controlpersist');
  if (!d) return DEFAULT_PERSIST;
  const v = d[1].trim();
  if (/^(no|false)$/i.test(v)) return undefined;
  return /^(yes|true)$/i.test(v) ? '0' : v;
}

/** Where kept masters' sockets live: private to the user (0700), under ~/.cache, as Ansible's ~/.ansible/cp. */
export function persistDir(home: string = homedir()): string {
  return join(home, '.cache', 'run-playbook', 'cp');
}

/** Makes the directory (0700) once per process, and refuses one that is not ours (another user's, a link). */
async function privateDir(dir: string): Promise<void> {
  if (ready.has(dir)) return;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await lstat(dir);
  if (!st.isDirectory() || st.uid !== process.getuid?.())
    throw new InputError(`${dir}: not a directory of this user, refusing to keep ssh masters there`);
  await chmod(dir, 0o700);
  ready.add(dir);
}
const ready = new Set<string>();

/** A kept master's socket name: a hash of everything that makes the connection (see persistedControlPath). */
export function persistSocketName(host: string, ssh: HostSsh): string {
  return createHash('sha256')
    .update(JSON.stringify([host, ssh.directives, ssh.flags]))
    .digest('hex')
    .slice(0, 20);
}

/**
 * A kept master's socket: named by everything that makes the connection (the inventory name, its directives
 * and flags), so a run reuses only a master made for the same host, user, key and options.
 */
export async function persistedControlPath(host: string, ssh: HostSsh): Promise<string> {
  const dir = persistDir();
  await privateDir(dir);
  return join(dir, persistSocketName(host, ssh));
}
