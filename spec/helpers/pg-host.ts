import { connect, type Host } from '../../lib/engine/connect.js';
import type { Cluster } from '../../lib/sandbox/pg-cluster.js';

/** The variables that point the PostgreSQL tasks at a test cluster. */
export function clusterVars(c: Cluster): Record<string, unknown> {
  return {
    pg_port: c.port,
    pg_socket_dir: c.socketDir,
    pg_data_dir: c.dataDir,
    pg_bin_dir: c.bin,
    pg_os_user: c.osUser,
  };
}

/** This machine as a host (local connection, as root) whose variables point at the cluster. */
export function pgHost(c: Cluster, vars: Record<string, unknown> = {}): Promise<Host> {
  return connect('localhost', { vars: { ansible_connection: 'local', ...clusterVars(c), ...vars } });
}
