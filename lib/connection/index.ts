import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InternalError } from '../errors.js';
import { LocalConnection } from './local.js';
import { persistedControlPath, persistFor } from './persist.js';
import { SshConnection } from './ssh.js';
import {
  checkSshConfig,
  type HostSsh,
  hostSsh,
  renderSshConfigMapped,
  writeSshConfig,
} from './ssh-config.js';
import type { Connection } from './types.js';
import { connectionKind, strVar } from './vars.js';

export { buildScript, displayCommand, wrapBecome } from './become.js';
export { LocalConnection } from './local.js';
export { SshConnection } from './ssh.js';
export type { Become, Connection, ExecOptions, ExecResult } from './types.js';
export { becomeFromVars, type TaskBecome } from './vars.js';

/** A host as the engine hands it over; `implicit` marks Ansible's implicit localhost (local by default). */
export interface ConnHost {
  name: string;
  vars: Record<string, unknown>;
  implicit?: boolean;
}

/** The run's connections, by inventory name. */
export interface Connections {
  /** The connection of an inventory host; InternalError for a host not given to createConnections. */
  get(name: string): Connection;
  /**
   * Closes every master and removes the private directory (sockets and ssh config). Idempotent, and safe to call
   * while commands run (on a signal): they are cut, and no connection opens again afterwards.
   */
  closeAll(): Promise<void>;
  /** The per-run ssh config, for `ssh -F <file> <host>` by hand; undefined when no host uses ssh. */
  readonly sshConfigFile: string | undefined;
}

/**
 * One connection per host: local or ssh from `ansible_connection` (default ssh, even for 127.0.0.1, as
 * Ansible does). Writes the per-run ssh config once into a private 0700 directory, which also holds one
 * ControlMaster socket per inventory host. Opens nothing: the first exec (or `open()`) opens a master.
 */
export async function createConnections(
  hosts: ConnHost[],
  opts: { verbose?: (host: string, display: string) => void } = {},
): Promise<Connections> {
  const kinds = hosts.map((h) => connectionKind(h.name, h.vars, h.implicit));
  const ssh = hosts.map((h, i) => (kinds[i] === 'ssh' ? hostSsh(h.vars, h.name) : undefined));
  const viaSsh = hosts.flatMap((h, i) => (ssh[i] ? [{ name: h.name, ssh: ssh[i] as HostSsh }] : []));
  const rendered = viaSsh.length > 0 ? renderSshConfigMapped(viaSsh) : undefined;
  const dir = rendered ? await mkdtemp(join(tmpdir(), 'rpb-')) : undefined; // mkdtemp makes it 0700
  const configFile = dir ? join(dir, 'ssh_config') : undefined;
  if (configFile && rendered) {
    try {
      await writeSshConfig(configFile, rendered.text);
      await checkSshConfig(configFile, viaSsh[0]?.name as string, rendered.origins);
    } catch (e) {
      await rm(dir as string, { recursive: true, force: true });
      throw e;
    }
  }
  const conns = new Map<string, Connection>();
  for (const [i, h] of hosts.entries()) {
    const hs = ssh[i];
    const persist = hs && persistFor(hs);
    const c: Connection =
      kinds[i] === 'local' || !hs
        ? new LocalConnection(h.name)
        : new SshConnection({
            host: h.name,
            user: strVar(h.vars, 'ansible_user') ?? strVar(h.vars, 'ansible_ssh_user'),
            configFile,
            // short, per inventory host: a Unix socket path must stay under ~100 bytes
            controlPath: persist ? await persistedControlPath(h.name, hs) : join(dir as string, `cm-${i}`),
            flags: hs.flags,
            persist,
          });
    const verbose = opts.verbose;
    if (verbose) c.onCommand = (d) => verbose(h.name, d);
    conns.set(h.name, c);
  }
  let closing: Promise<void> | undefined;
  return {
    sshConfigFile: configFile,
    get(name) {
      const c = conns.get(name);
      if (!c) throw new InternalError(`no connection for host ${name}`);
      return c;
    },
    closeAll() {
      closing ??= (async () => {
        await Promise.all([...conns.values()].map((c) => c.close()));
        if (dir) await rm(dir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}
