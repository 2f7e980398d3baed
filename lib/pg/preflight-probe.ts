/** What replication preflight reads on the primary and on each standby: read-only SQL and shell probes, parsed. */
import { type Cmd, sh } from '../model/command.js';
import { binDirScript, type PgTarget, parseRows, sqlLiteral } from './target.js';

/** The primary as preflight needs it. */
export interface PrimaryProbe {
  version: number;
  walLevel: string;
  maxWalSenders: number;
  /** application names of the walsenders connected now */
  senders: string[];
  maxSlots: number;
  slots: string[];
  passwordEncryption: string;
  archiveMode: string;
  archiveCommand: string;
  dataBytes: number;
  /** the replication role, when it exists */
  role?: {
    login: boolean;
    replication: boolean;
    connLimit: number;
    verifier: 'scram-sha-256' | 'md5' | 'none';
  };
}

/** One query per aspect, tagged rows (psql as superuser: pg_authid is not readable otherwise). */
export function primaryProbeSql(user: string): string {
  return `SELECT 'conf', current_setting('server_version_num'), current_setting('wal_level'), current_setting('max_wal_senders'), current_setting('max_replication_slots'), current_setting('password_encryption'), current_setting('archive_mode'), current_setting('archive_command'), (SELECT sum(pg_database_size(oid)) FROM pg_database)::bigint;
SELECT 'sender', coalesce(application_name, '') FROM pg_stat_replication;
SELECT 'slot', slot_name FROM pg_replication_slots;
SELECT 'role', rolcanlogin, rolreplication, rolconnlimit, CASE WHEN rolpassword IS NULL THEN 'none' WHEN rolpassword LIKE 'SCRAM-SHA-256$%' THEN 'scram-sha-256' ELSE 'md5' END FROM pg_catalog.pg_authid WHERE rolname = ${sqlLiteral(user)};
`;
}

/** Parses {@link primaryProbeSql}. */
export function parsePrimaryProbe(out: string): PrimaryProbe {
  const p: PrimaryProbe = {
    version: 0,
    walLevel: '',
    maxWalSenders: 0,
    senders: [],
    maxSlots: 0,
    slots: [],
    passwordEncryption: '',
    archiveMode: '',
    archiveCommand: '',
    dataBytes: 0,
  };
  for (const [tag, ...f] of parseRows(out)) {
    if (tag === 'conf') {
      const [num, wal = '', senders, slots, enc = '', mode = '', cmd = '', bytes] = f;
      Object.assign(p, {
        version: Math.floor(Number(num) / 10000),
        walLevel: wal,
        maxWalSenders: Number(senders),
        maxSlots: Number(slots),
        passwordEncryption: enc,
        archiveMode: mode,
        archiveCommand: cmd,
        dataBytes: Number(bytes),
      });
    } else if (tag === 'sender') p.senders.push(f[0] ?? '');
    else if (tag === 'slot') p.slots.push(f[0] ?? '');
    else if (tag === 'role') {
      const [login, repl, limit, verifier] = f;
      p.role = {
        login: login === 't',
        replication: repl === 't',
        connLimit: Number(limit),
        verifier: verifier as 'scram-sha-256' | 'md5' | 'none',
      };
    }
  }
  return p;
}

/** A standby host as preflight needs it. */
export interface StandbyProbe {
  /** major of the server binaries (`postgres --version`); 0 when none were found */
  serverMajor: number;
  /** major of pg_basebackup; 0 when missing */
  clientMajor: number;
  tar: boolean;
  /** free bytes where the data dir is (or would be made); -1 when unknown */
  freeBytes: number;
}

/**
 * As the server's OS user: the binaries' majors, tar, and the free space of the file system that holds the data
 * dir, or its nearest existing parent when the dir does not exist yet.
 */
export function standbyProbe(t: PgTarget, dataDir: string): Cmd {
  return sh`${binDirScript(t)}; "$B/postgres" --version 2>/dev/null || echo; "$B/pg_basebackup" --version 2>/dev/null || echo
if command -v tar >/dev/null 2>&1; then echo tar; else echo; fi
p=${dataDir}; while [ ! -d "$p" ] && [ "$p" != / ]; do p=$(dirname "$p"); done; df -Pk "$p" 2>/dev/null | awk 'NR==2 {print $4}'`;
}

const major = (line: string | undefined): number =>
  Number(/\(PostgreSQL\)\s+(\d+)/.exec(line ?? '')?.[1] ?? 0);

/** Parses {@link standbyProbe}. */
export function parseStandbyProbe(out: string): StandbyProbe {
  const [server, client, tar, kb = ''] = out.split('\n');
  return {
    serverMajor: major(server),
    clientMajor: major(client),
    tar: tar?.trim() === 'tar',
    freeBytes: /^\d+$/.test(kb.trim()) ? Number(kb.trim()) * 1024 : -1,
  };
}
