/**
 * How long a remote command may run before the host stops it (`timeout -k`, see buildScript). A multiplexed ssh
 * client cannot stop a remote command, so without these a hung host (a lock wait, a full disk, a dead NFS
 * mount) would hang the run, and a signal could not end it cleanly.
 */

/** A probe reads something small (a file, a query, a version): two minutes means the host is stuck. */
export const PROBE_TIMEOUT_SEC = 120;

/** A file action (write, chmod, mkdir, rename) moves at most one file's bytes. */
export const FILE_TIMEOUT_SEC = 120;

/** A command that sets no timeout of its own (`command: { timeout }`, a service's or a promotion's wait). */
export const COMMAND_TIMEOUT_SEC = 3600;
