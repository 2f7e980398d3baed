/**
 * Pure parts of a standby's configuration, per version: `recovery.conf` (≤ 11) or `standby.signal` + settings
 * (≥ 12), a minimal primary_conninfo, and the passfile line. Strings in, strings out.
 */
import { InputError } from '../errors.js';
import { conninfoValue } from './backup.js';
import { type ConfValue, checkValueText } from './conf-edit.js';
import { type SslMode, sslConninfo } from './tls.js';

/** How the standby reaches its primary. */
export interface PrimaryConn {
  host: string;
  port: number;
  user: string;
  applicationName: string;
  /** passfile on the standby host; the password never goes into the conninfo */
  passfile?: string;
  /** replication over TLS: libpq's sslmode, and the CA certificate on the standby host for verify-full */
  sslmode?: SslMode;
  sslrootcert?: string;
}

/** What the standby is told, independent of the version. */
export interface StandbyWanted {
  conn: PrimaryConn;
  restoreCommand?: string;
  slot?: string;
  promoteTriggerFile?: string;
}

/** Every recovery target parameter: stale ones would stop replay early or promote by surprise. */
export const RECOVERY_TARGETS = [
  'recovery_target',
  'recovery_target_name',
  'recovery_target_time',
  'recovery_target_xid',
  'recovery_target_lsn',
  'recovery_target_inclusive',
  'recovery_target_action',
  'recovery_target_timeline',
] as const;

/** A minimal primary_conninfo: `host=… port=… user=… application_name=… passfile=…` (+ `sslmode=…`), libpq-quoted. */
export function primaryConninfo(c: PrimaryConn): string {
  const parts: [string, string][] = [
    ['host', c.host],
    ['port', String(c.port)],
    ['user', c.user],
    ['application_name', c.applicationName],
  ];
  if (c.passfile) parts.push(['passfile', c.passfile]);
  if (c.sslmode) parts.push(...sslConninfo(c.sslmode, c.sslrootcert));
  return parts.map(([k, v]) => `${k}=${conninfoValue(v)}`).join(' ');
}

/** Whether this major reads `recovery.conf` (≤ 11) rather than `standby.signal` + settings. */
export const usesRecoveryConf = (version: number): boolean => version < 12;

/** The whole `recovery.conf` of a ≤ 11 standby (it is ours: written in full). */
export function recoveryConf(w: StandbyWanted): string {
  const lines: [string, string][] = [
    ['standby_mode', 'on'],
    ['primary_conninfo', primaryConninfo(w.conn)],
  ];
  if (w.restoreCommand) lines.push(['restore_command', w.restoreCommand]);
  if (w.slot) lines.push(['primary_slot_name', w.slot]);
  if (w.promoteTriggerFile) lines.push(['trigger_file', w.promoteTriggerFile]);
  lines.push(['recovery_target_timeline', 'latest']);
  // always quoted: recovery.conf takes the postgresql.conf grammar, and a quoted string is never misread
  for (const [k, v] of lines) checkValueText(k, v, 'recovery.conf');
  const body = lines.map(([k, v]) => `${k} = '${v.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`);
  return `# written by run-playbook (standby)\n${body.join('\n')}\n`;
}

/**
 * The settings of a ≥ 12 standby. promote_trigger_file exists only on 12–15: 16 refuses to start with it, so
 * asking for it there is an input error (use the promote task instead).
 */
export function standbySettings(version: number, w: StandbyWanted): Record<string, ConfValue> {
  const out: Record<string, ConfValue> = { primary_conninfo: primaryConninfo(w.conn) };
  if (w.restoreCommand) out.restore_command = w.restoreCommand;
  if (w.slot) out.primary_slot_name = w.slot;
  if (w.promoteTriggerFile) {
    if (version >= 16)
      throw new InputError(
        `standby: promoteTriggerFile is not supported on PostgreSQL ${version} (promote_trigger_file was removed in 16); promote with the promote task`,
      );
    out.promote_trigger_file = w.promoteTriggerFile;
  }
  return out;
}

/**
 * The default passfile: beside the data dir (in the server user's area), never inside it (a copy would carry it),
 * and named after it: one file per cluster. Clusters share a parent (Debian's /var/lib/postgresql/15/ holds
 * every 15 cluster), and a shared file would let one cluster's setup or removal rewrite another's password.
 */
export function defaultPassfile(dataDir: string): string {
  return `${dataDir.replace(/\/+$/, '') || '/'}.pgpass`;
}
