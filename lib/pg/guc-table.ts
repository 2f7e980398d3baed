/**
 * Facts about the server parameters (GUCs) a replication setup touches, for PostgreSQL 10–18.
 * Contexts, types and version ranges were checked against `postgres --describe-config` of 10, 11, 12, 13, 14, 15,
 * 16, 17 and 18, and units against `pg_settings` of 15. Parameters not listed here are unknown to this table:
 * ask the server (`pg_settings`, `postgres -C`).
 */

/** When a changed value takes effect (pg_settings.context). */
export type GucContext =
  | 'internal'
  | 'postmaster'
  | 'sighup'
  | 'superuser-backend'
  | 'backend'
  | 'superuser'
  | 'user';

/** pg_settings.vartype. */
export type GucType = 'bool' | 'integer' | 'real' | 'string' | 'enum';

/** The base unit a bare number means (pg_settings.unit); `8kB` is one block of the default 8 kB BLCKSZ. */
export type GucUnit = 'B' | 'kB' | 'MB' | '8kB' | 'ms' | 's' | 'min';

/** What this table knows of one parameter; version-dependent facts are given as `from` / `until` ranges. */
export interface GucFact {
  name: string;
  type: GucType;
  context: GucContext;
  unit?: GucUnit;
  /** first major version that has it (absent: 10 or earlier) */
  addedIn?: number;
  /** first major version that no longer has it */
  removedIn?: number;
  /** what to use instead once removed */
  replacedBy?: string;
  /** the context before the given major, when it changed (e.g. primary_conninfo: postmaster until 13) */
  contextBefore?: { until: number; context: GucContext };
  /** the type before the given major, when it changed (log_connections: bool until 18) */
  typeBefore?: { until: number; type: GucType };
  /** before `addedIn`, the parameter lived in recovery.conf */
  recoveryConf?: boolean;
  /** never a server parameter (recovery.conf only) */
  notGuc?: string;
  /** canonical enum values, lowercase */
  enumValues?: readonly string[];
  /** hidden spellings PostgreSQL accepts for an enum, mapped to the canonical value */
  aliases?: Readonly<Record<string, string>>;
  /** the major from which `aliases` are no longer accepted */
  aliasesUntil?: number;
  /** a comma-separated list: elements compare trimmed */
  list?: boolean;
}

type Extra = Omit<GucFact, 'name' | 'type' | 'context'>;

function g(name: string, type: GucType, context: GucContext, extra: Extra = {}): GucFact {
  return { name, type, context, ...extra };
}

// synchronous_commit and archive_mode accept the boolean spellings as hidden enum values
const BOOL_ALIASES = { true: 'on', yes: 'on', '1': 'on', false: 'off', no: 'off', '0': 'off' } as const;
const PG12_RECOVERY = { addedIn: 12, recoveryConf: true } as const;
const REPLICA_ONLY_12_13 = { until: 13, context: 'postmaster' } as const;

const FACTS: readonly GucFact[] = [
  // replication: sending side
  g('wal_level', 'enum', 'postmaster', {
    enumValues: ['minimal', 'replica', 'logical'],
    aliases: { archive: 'replica', hot_standby: 'replica' },
  }),
  g('max_wal_senders', 'integer', 'postmaster'),
  g('max_replication_slots', 'integer', 'postmaster'),
  g('wal_keep_segments', 'integer', 'sighup', { removedIn: 13, replacedBy: 'wal_keep_size' }),
  g('wal_keep_size', 'integer', 'sighup', { unit: 'MB', addedIn: 13 }),
  g('max_slot_wal_keep_size', 'integer', 'sighup', { unit: 'MB', addedIn: 13 }),
  g('wal_sender_timeout', 'integer', 'user', { unit: 'ms', contextBefore: { until: 12, context: 'sighup' } }),
  g('wal_log_hints', 'bool', 'postmaster'),
  g('track_commit_timestamp', 'bool', 'postmaster'),
  g('synchronous_standby_names', 'string', 'sighup'),
  g('synchronous_commit', 'enum', 'user', {
    enumValues: ['local', 'remote_write', 'remote_apply', 'on', 'off'],
    aliases: BOOL_ALIASES,
  }),
  // archiving
  g('archive_mode', 'enum', 'postmaster', { enumValues: ['always', 'on', 'off'], aliases: BOOL_ALIASES }),
  g('archive_command', 'string', 'sighup'),
  g('archive_library', 'string', 'sighup', { addedIn: 15 }),
  g('archive_timeout', 'integer', 'sighup', { unit: 's' }),
  // standby side
  g('hot_standby', 'bool', 'postmaster'),
  g('hot_standby_feedback', 'bool', 'sighup'),
  g('wal_receiver_timeout', 'integer', 'sighup', { unit: 'ms' }),
  g('wal_receiver_status_interval', 'integer', 'sighup', { unit: 's' }),
  g('max_standby_streaming_delay', 'integer', 'sighup', { unit: 'ms' }),
  g('max_standby_archive_delay', 'integer', 'sighup', { unit: 'ms' }),
  g('primary_conninfo', 'string', 'sighup', { ...PG12_RECOVERY, contextBefore: REPLICA_ONLY_12_13 }),
  g('primary_slot_name', 'string', 'sighup', { ...PG12_RECOVERY, contextBefore: REPLICA_ONLY_12_13 }),
  g('restore_command', 'string', 'sighup', {
    ...PG12_RECOVERY,
    contextBefore: { until: 14, context: 'postmaster' },
  }),
  g('archive_cleanup_command', 'string', 'sighup', PG12_RECOVERY),
  g('recovery_end_command', 'string', 'sighup', PG12_RECOVERY),
  g('recovery_min_apply_delay', 'integer', 'sighup', { ...PG12_RECOVERY, unit: 'ms' }),
  g('promote_trigger_file', 'string', 'sighup', {
    addedIn: 12,
    removedIn: 16,
    replacedBy: 'pg_promote() or pg_ctl promote',
  }),
  g('recovery_target', 'string', 'postmaster', PG12_RECOVERY),
  g('recovery_target_name', 'string', 'postmaster', PG12_RECOVERY),
  g('recovery_target_time', 'string', 'postmaster', PG12_RECOVERY),
  g('recovery_target_xid', 'string', 'postmaster', PG12_RECOVERY),
  g('recovery_target_lsn', 'string', 'postmaster', PG12_RECOVERY),
  g('recovery_target_inclusive', 'bool', 'postmaster', PG12_RECOVERY),
  g('recovery_target_timeline', 'string', 'postmaster', PG12_RECOVERY),
  g('recovery_target_action', 'enum', 'postmaster', {
    ...PG12_RECOVERY,
    enumValues: ['pause', 'promote', 'shutdown'],
  }),
  g('standby_mode', 'string', 'postmaster', {
    notGuc: 'on PostgreSQL 12+ create standby.signal in the data directory',
  }),
  g('trigger_file', 'string', 'postmaster', {
    notGuc: 'promote with pg_promote() or pg_ctl promote instead',
  }),
  // connections and authentication
  g('listen_addresses', 'string', 'postmaster', { list: true }),
  g('port', 'integer', 'postmaster'),
  g('unix_socket_directories', 'string', 'postmaster', { list: true }),
  g('max_connections', 'integer', 'postmaster'),
  g('superuser_reserved_connections', 'integer', 'postmaster'),
  g('password_encryption', 'enum', 'user', {
    enumValues: ['md5', 'scram-sha-256'],
    aliases: { on: 'md5', true: 'md5', yes: 'md5', '1': 'md5' },
    aliasesUntil: 14,
  }),
  g('ssl', 'bool', 'sighup'),
  // resources, WAL and checkpoints
  g('shared_buffers', 'integer', 'postmaster', { unit: '8kB' }),
  g('work_mem', 'integer', 'user', { unit: 'kB' }),
  g('maintenance_work_mem', 'integer', 'user', { unit: 'kB' }),
  g('effective_cache_size', 'integer', 'user', { unit: '8kB' }),
  g('wal_buffers', 'integer', 'postmaster', { unit: '8kB' }),
  g('max_worker_processes', 'integer', 'postmaster'),
  g('shared_preload_libraries', 'string', 'postmaster', { list: true }),
  g('max_wal_size', 'integer', 'sighup', { unit: 'MB' }),
  g('min_wal_size', 'integer', 'sighup', { unit: 'MB' }),
  g('checkpoint_timeout', 'integer', 'sighup', { unit: 's' }),
  g('checkpoint_completion_target', 'real', 'sighup'),
  g('full_page_writes', 'bool', 'sighup'),
  g('statement_timeout', 'integer', 'user', { unit: 'ms' }),
  // logging
  g('logging_collector', 'bool', 'postmaster'),
  g('log_destination', 'string', 'sighup', { list: true }),
  g('log_directory', 'string', 'sighup'),
  g('log_filename', 'string', 'sighup'),
  g('log_line_prefix', 'string', 'sighup'),
  g('log_statement', 'enum', 'superuser', { enumValues: ['none', 'ddl', 'mod', 'all'] }),
  g('log_min_messages', 'enum', 'superuser', {
    enumValues: [
      'debug5',
      'debug4',
      'debug3',
      'debug2',
      'debug1',
      'info',
      'notice',
      'warning',
      'error',
      'log',
      'fatal',
      'panic',
    ],
  }),
  g('log_min_duration_statement', 'integer', 'superuser', { unit: 'ms' }),
  g('log_checkpoints', 'bool', 'sighup'),
  g('log_connections', 'string', 'superuser-backend', { typeBefore: { until: 18, type: 'bool' } }),
  g('log_disconnections', 'bool', 'superuser-backend'),
  g('cluster_name', 'string', 'postmaster'),
  // file locations
  g('data_directory', 'string', 'postmaster'),
  g('hba_file', 'string', 'postmaster'),
  g('ident_file', 'string', 'postmaster'),
  g('external_pid_file', 'string', 'postmaster'),
  // read-only facts of the cluster (set by initdb, shown by SHOW; never settable in postgresql.conf)
  g('data_checksums', 'bool', 'internal'),
  g('block_size', 'integer', 'internal'),
  g('wal_segment_size', 'integer', 'internal'),
  g('server_version_num', 'integer', 'internal'),
];

const BY_NAME: ReadonlyMap<string, GucFact> = new Map(FACTS.map((f) => [f.name, f]));

/** The whole table, in a stable order (for docs and specs). */
export function gucFacts(): readonly GucFact[] {
  return FACTS;
}

/** The table's entry for `name` (case-insensitive), whatever the version; undefined when the table does not know it. */
export function gucFact(name: string): GucFact | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/** True when the built-in table has an entry for `name`; otherwise the server must be asked. */
export function isKnownInTable(name: string): boolean {
  return BY_NAME.has(name.toLowerCase());
}

/** Lowest and highest majors the table describes. */
export const TABLE_VERSIONS = { min: 10, max: 18 } as const;
