/**
 * Replication preflight, decided in pure functions: every check the run can make before its first write, with
 * what was found and what to set. Inputs come from {@link ./preflight-probe.ts} and the playbook's wanted values.
 */
import type { TargetState } from './backup.js';
import {
  type CopyMethod,
  type CopyMethodWanted,
  chooseCopyMethod,
  copyUsesWalsender,
} from './copy-method.js';
import { parseHba } from './hba.js';
import { ensureRule, mayShadow, specToRule } from './hba-edit.js';
import type { PrimaryProbe, StandbyProbe } from './preflight-probe.js';
import { slotName } from './slots.js';

/** One check's outcome. `warning`: reported, the run goes on. */
export interface Check {
  host: string;
  name: string;
  ok: boolean;
  warning?: boolean;
  found: string;
  fix?: string;
}

/** What the playbook is about to make, as far as the checks need it. */
export interface PreflightWanted {
  user: string;
  authMethod: string;
  passwordEncryption: 'scram-sha-256' | 'md5';
  connectionLimit?: number;
  /** values the playbook sets on the primary (else the current ones count) */
  walLevel?: string;
  maxWalSenders?: number;
  maxSlots?: number;
  slots: boolean;
  copyMethod: CopyMethodWanted;
  replaceExisting: boolean;
}

/** One standby as found. */
export interface StandbyFound {
  host: string;
  address: string;
  probe: StandbyProbe;
  target: TargetState;
}

/** Everything found before the run. */
export interface PreflightInput {
  primaryHost: string;
  primary: PrimaryProbe;
  primarySysid: string;
  primaryTar: boolean;
  hbaText: string;
  hbaFile: string;
  standbys: StandbyFound[];
  wanted: PreflightWanted;
}

/** The checks, and the copy method of each standby that needs a copy. */
export interface PreflightResult {
  checks: Check[];
  methods: Record<string, CopyMethod>;
}

const REPLICA_LEVELS = new Set(['replica', 'logical', 'hot_standby', 'archive']);
const pass = (host: string, name: string, found: string): Check => ({ host, name, ok: true, found });
const fail = (host: string, name: string, found: string, fix: string): Check => ({
  host,
  name,
  ok: false,
  found,
  fix,
});
const warn = (host: string, name: string, found: string, fix: string): Check => ({
  host,
  name,
  ok: true,
  warning: true,
  found,
  fix,
});
const gib = (b: number): string => `${(b / 1024 ** 3).toFixed(2)} GiB`;

function walLevelCheck(i: PreflightInput): Check[] {
  const h = i.primaryHost;
  const level = i.wanted.walLevel ?? i.primary.walLevel;
  const found = `wal_level=${i.primary.walLevel}${i.wanted.walLevel ? ` (the playbook sets ${i.wanted.walLevel})` : ''}`;
  if (!REPLICA_LEVELS.has(level)) return [fail(h, 'wal_level', found, 'set wal_level: replica')];
  if (level === 'hot_standby' || level === 'archive')
    return [
      warn(h, 'wal_level', found, `'${level}' is an old alias the server shows as replica: write replica`),
    ];
  return [pass(h, 'wal_level', found)];
}

/** Walsenders and slots: every standby streams at once, and a pg_basebackup copy needs one more of each. */
function capacityChecks(i: PreflightInput, copying: number): Check[] {
  const h = i.primaryHost;
  const ours = new Set(i.standbys.map((s) => s.host));
  const others = i.primary.senders.filter((a) => !ours.has(a)).length;
  const senders = i.standbys.length + copying + others;
  const maxSenders = i.wanted.maxWalSenders ?? i.primary.maxWalSenders;
  const extra = copying ? ' + 1 for a streaming base backup' : '';
  const out: Check[] = [];
  const sFound = `max_wal_senders=${maxSenders}; needed ${senders} (${i.standbys.length} standby(s)${extra}${others ? ` + ${others} other walsender(s)` : ''})`;
  out.push(
    maxSenders >= senders
      ? pass(h, 'walsenders', sFound)
      : fail(h, 'walsenders', sFound, `set pg_max_wal_senders: ${senders} (or more)`),
  );
  if (!i.wanted.slots) return out;
  const wantedSlots = new Set(i.standbys.map((s) => slotName(s.host)));
  const foreign = i.primary.slots.filter((n) => !wantedSlots.has(n)).length;
  const slots = wantedSlots.size + copying + foreign;
  const maxSlots = i.wanted.maxSlots ?? i.primary.maxSlots;
  const found = `max_replication_slots=${maxSlots}; needed ${slots} (${wantedSlots.size} standby slot(s)${extra}${foreign ? ` + ${foreign} other slot(s)` : ''})`;
  out.push(
    maxSlots >= slots
      ? pass(h, 'replication slots', found)
      : fail(h, 'replication slots', found, `set pg_max_replication_slots: ${slots} (or more)`),
  );
  return out;
}

/** On 10–12 a role's CONNECTION LIMIT counts its walsenders (13+ does not). */
function connLimitCheck(i: PreflightInput, copying: number): Check[] {
  const h = i.primaryHost;
  const limit = i.wanted.connectionLimit ?? i.primary.role?.connLimit ?? -1;
  const needed = i.standbys.length + copying;
  const found = `role ${i.wanted.user} CONNECTION LIMIT ${limit} on PostgreSQL ${i.primary.version}; ${needed} replication connection(s) at once`;
  if (i.primary.version > 12 || limit < 0 || limit >= needed) return [pass(h, 'connection limit', found)];
  return [
    fail(
      h,
      'connection limit',
      found,
      `on 10–12 walsenders count: set the role's connection limit to -1 or ≥ ${needed}`,
    ),
  ];
}

/** Which rule the standby's replication login meets first once the playbook's rule is in place. */
function hbaCheck(i: PreflightInput, s: StandbyFound): Check {
  const w = i.wanted;
  const spec = {
    type: 'host' as const,
    database: 'replication',
    user: w.user,
    address: `${s.address}/32`,
    method: w.authMethod,
  };
  const predicted = ensureRule(i.hbaText, spec, 'present', { file: i.hbaFile }).text;
  const login = specToRule(spec);
  const rule = parseHba(predicted, i.hbaFile).find(
    (l) => l.kind === 'include' || (l.kind === 'rule' && mayShadow(l.rule, login)),
  );
  const name = `pg_hba for ${s.host}`;
  if (!rule)
    return fail(
      i.primaryHost,
      name,
      `no rule matches ${w.user} from ${s.address}`,
      'add a host replication rule',
    );
  if (rule.kind !== 'rule')
    return warn(
      i.primaryHost,
      name,
      `an include at line ${rule.line} comes first`,
      'check the included file by hand',
    );
  const m = rule.rule.method;
  const found = `${w.user} from ${s.address} meets line ${rule.line} (${m}); the password is stored as ${w.passwordEncryption}`;
  if (m === 'scram-sha-256' && w.passwordEncryption !== 'scram-sha-256')
    return fail(
      i.primaryHost,
      name,
      found,
      'set replication_password_encryption: scram-sha-256 (an md5 verifier cannot answer SCRAM)',
    );
  if (m === 'md5' && i.primary.version >= 18)
    return warn(i.primaryHost, name, found, 'md5 is deprecated on 18: use scram-sha-256');
  if (m === 'trust')
    return warn(i.primaryHost, name, found, 'trust checks no password: a rule before it is needed');
  if (!['scram-sha-256', 'md5', 'password'].includes(m))
    return fail(
      i.primaryHost,
      name,
      found,
      `the method ${m} does not let the standby log in with a password`,
    );
  return pass(i.primaryHost, name, found);
}

function standbyChecks(i: PreflightInput, s: StandbyFound, method: CopyMethod | undefined): Check[] {
  const out: Check[] = [];
  const v = i.primary.version;
  const bins = `server binaries ${s.probe.serverMajor || 'not found'}, primary ${v}`;
  out.push(
    s.probe.serverMajor === v
      ? pass(s.host, 'major version', bins)
      : fail(s.host, 'major version', bins, `set pg_bin_dir (or pg_version) to PostgreSQL ${v} binaries`),
  );
  const t = s.target;
  if (t.systemIdentifier === i.primarySysid) {
    out.push(
      pass(s.host, 'data dir', `already a copy of this primary (system identifier ${i.primarySysid})`),
    );
    return out;
  }
  const dirFound = t.running
    ? 'a server runs in it'
    : t.systemIdentifier
      ? `another cluster (system identifier ${t.systemIdentifier})`
      : t.dir;
  const movable = i.wanted.replaceExisting;
  if ((t.dir === 'absent' || t.dir === 'empty') && !t.running) out.push(pass(s.host, 'data dir', t.dir));
  else if (movable)
    out.push(warn(s.host, 'data dir', dirFound, 'it will be moved aside (pg_replace_existing)'));
  else
    out.push(
      fail(s.host, 'data dir', dirFound, 'empty it, or set pg_replace_existing: true to move it aside'),
    );
  const size = `free ${s.probe.freeBytes < 0 ? '?' : gib(s.probe.freeBytes)}, primary data ${gib(i.primary.dataBytes)}`;
  out.push(
    s.probe.freeBytes < 0 || s.probe.freeBytes >= i.primary.dataBytes
      ? pass(s.host, 'free disk', size)
      : fail(
          s.host,
          'free disk',
          size,
          'free space on the standby, or put pg_data_dir on a larger file system',
        ),
  );
  if (method === 'lowlevel' && !(s.probe.tar && i.primaryTar))
    out.push(fail(s.host, 'copy tools', 'tar is missing on the primary or the standby', 'install tar'));
  return out;
}

/** Runs every check; a standby that already holds a copy needs no method. */
export function preflightChecks(i: PreflightInput): PreflightResult {
  const checks: Check[] = [];
  const methods: Record<string, CopyMethod> = {};
  for (const s of i.standbys) {
    if (s.target.systemIdentifier === i.primarySysid) continue;
    const d = chooseCopyMethod(i.wanted.copyMethod, s.probe.clientMajor, i.primary.version);
    if ('error' in d) checks.push(fail(s.host, 'copy method', d.error, d.fix));
    else {
      methods[s.host] = d.method;
      checks.push(pass(s.host, 'copy method', `${d.method}: ${d.reason}`));
    }
  }
  const copying = Object.values(methods).some(copyUsesWalsender) ? 1 : 0;
  checks.push(...walLevelCheck(i), ...capacityChecks(i, copying), ...connLimitCheck(i, copying));
  for (const s of i.standbys) checks.push(hbaCheck(i, s), ...standbyChecks(i, s, methods[s.host]));
  return { checks, methods };
}

/** One line per check, as `--check` and a real run print them. */
export function formatCheck(c: Check): string {
  const mark = !c.ok ? 'FAILED' : c.warning ? 'warning' : 'ok';
  return `preflight ${mark}: ${c.name}: ${c.found}${c.fix ? `; ${c.fix}` : ''}`;
}
