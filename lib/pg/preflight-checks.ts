/**
 * Replication preflight, decided in pure functions: every check the run can make before its first write, with
 * what was found and what to set. Inputs come from {@link ./preflight-probe.ts} and the playbook's wanted values.
 */
import { type CopyMethod, chooseCopyMethod, copyUsesWalsender } from './copy-method.js';
import {
  type Check,
  fail,
  type PreflightInput,
  type PreflightResult,
  pass,
  warn,
} from './preflight-check.js';
import { hbaCheck, standbyChecks } from './preflight-pair.js';
import { slotName } from './slots.js';

export type {
  Check,
  PreflightInput,
  PreflightResult,
  PreflightWanted,
  StandbyFound,
} from './preflight-check.js';

const REPLICA_LEVELS = new Set(['replica', 'logical', 'hot_standby', 'archive']);

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
