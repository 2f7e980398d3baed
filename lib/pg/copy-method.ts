/**
 * How a standby gets its first copy of the primary, decided from the versions found before anything changes:
 * pg_basebackup refuses a server newer than itself (in every -X mode), the low-level API works on 10–18.
 */

/** A copy method the baseBackup task runs. */
export type CopyMethod = 'pg_basebackup' | 'lowlevel';

/** What the user asks for: a method, or `auto` (pg_basebackup when the standby's client can, else low-level). */
export type CopyMethodWanted = CopyMethod | 'auto';

/** The decision with the reason shown in `--check`, or why the wanted method cannot work. */
export type CopyDecision = { method: CopyMethod; reason: string } | { error: string; fix: string };

/** Picks the copy method from the standby's pg_basebackup major (0: missing) and the primary's server major. */
export function chooseCopyMethod(
  wanted: CopyMethodWanted,
  clientMajor: number,
  serverMajor: number,
): CopyDecision {
  const client = clientMajor ? `pg_basebackup ${clientMajor}` : 'no pg_basebackup';
  const can = clientMajor >= serverMajor && clientMajor > 0;
  if (wanted === 'lowlevel') return { method: 'lowlevel', reason: 'low-level backup, as asked' };
  if (can)
    return {
      method: 'pg_basebackup',
      reason: `${client} on the standby can copy from server ${serverMajor}`,
    };
  if (wanted === 'pg_basebackup')
    return {
      error: `${client} on the standby cannot copy from server ${serverMajor} (it refuses a newer server)`,
      fix: 'set pg_backup_method: auto (or lowlevel), or install a client at least as new as the primary',
    };
  return {
    method: 'lowlevel',
    reason: `${client} on the standby cannot copy from server ${serverMajor}: low-level backup instead`,
  };
}

/** True when the method streams WAL over a replication connection and a temporary slot while it copies. */
export const copyUsesWalsender = (m: CopyMethod): boolean => m === 'pg_basebackup';
