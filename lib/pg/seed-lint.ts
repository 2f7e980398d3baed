/**
 * Values from the old tutorials that break on today's PostgreSQL, found in a playbook's rendered task arguments
 * before any host is contacted: an error (exit 3) where the run cannot succeed, else a warning. The versions
 * come from `pg_version` where the inventory says it; host-side checks (replicationPreflight) catch the rest.
 */
import type { Position } from '../errors.js';
import { type HbaRule, parseHba } from './hba.js';
import { mayShadow } from './hba-edit.js';

/** One task as one host would run it, arguments rendered (values known only at run time are absent). */
export interface LintTask {
  host: string;
  action: string;
  args: Record<string, unknown>;
  where?: Position;
  /** the host's major version when the inventory says it (pg_version) */
  version?: number;
}

/** A finding; `error`: the run cannot succeed. */
export interface Finding {
  error: boolean;
  host: string;
  message: string;
  where?: Position;
}

const NOOP_ARCHIVE = /^\s*(cd \.|true|\/bin\/true|:|exit 0)\s*$/;
const str = (v: unknown): string | undefined =>
  typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** The copy method and standby count the playbook will use, from its preflight task. */
interface Shape {
  standbys: number;
  copy: string;
}

function shapeOf(tasks: readonly LintTask[]): Shape {
  const pre = tasks.find((t) => t.action === 'replicationPreflight');
  const standbys = Array.isArray(pre?.args.standbys)
    ? pre.args.standbys.length
    : new Set(tasks.filter((t) => t.action === 'baseBackup').map((t) => t.host)).size;
  const explicit = tasks.find((t) => t.action === 'baseBackup' && str(t.args.method));
  return { standbys, copy: str(pre?.args.copyMethod) ?? str(explicit?.args.method) ?? 'auto' };
}

const at = (t: LintTask, error: boolean, message: string): Finding => ({
  error,
  host: t.host,
  message,
  where: t.where,
});

function sendersFindings(t: LintTask, senders: number, s: Shape): Finding[] {
  const base = `max_wal_senders = ${senders}`;
  if (senders < s.standbys)
    return [
      at(
        t,
        true,
        `${base} cannot serve ${s.standbys} standbys streaming at once: set pg_max_wal_senders: ${s.standbys + 1}`,
      ),
    ];
  if (senders >= s.standbys + 1 || s.copy === 'lowlevel') return [];
  const why = `pg_basebackup -X stream needs one more walsender than the standbys use ("number of requested standby connections exceeds max_wal_senders")`;
  return [
    at(t, s.copy === 'pg_basebackup', `${base}: ${why}; set pg_max_wal_senders: ${s.standbys + 1} or more`),
  ];
}

function settingFindings(t: LintTask, s: Shape): Finding[] {
  const settings = obj(t.args.settings);
  const out: Finding[] = [];
  const wal = str(settings.wal_level);
  if (wal === 'hot_standby' || wal === 'archive')
    out.push(
      at(t, false, `wal_level = '${wal}' is an old alias: the server shows it as replica; write replica`),
    );
  const senders = str(settings.max_wal_senders);
  if (senders !== undefined && /^\d+$/.test(senders)) out.push(...sendersFindings(t, Number(senders), s));
  for (const name of ['trigger_file', 'standby_mode'])
    if (name in settings)
      out.push(
        at(
          t,
          true,
          `${name} is not a postgresql.conf setting (the server refuses to start): the standby task writes the standby config; promote with promote.yml`,
        ),
      );
  if ('promote_trigger_file' in settings) out.push(triggerFinding(t, 'promote_trigger_file'));
  return out;
}

function triggerFinding(t: LintTask, name: string): Finding {
  const msg = `${name} was removed in PostgreSQL 16 (the server refuses to start): promote with promote.yml (pg_promote)`;
  if (t.version !== undefined)
    return at(t, t.version >= 16, t.version >= 16 ? msg : `${msg}; fine on ${t.version}`);
  return at(t, false, `${msg}; on 16+ this run fails`);
}

function roleFindings(t: LintTask, s: Shape): Finding[] {
  const limit = Number(t.args.connectionLimit ?? -1);
  const out: Finding[] = [];
  if (t.args.replication === true && limit >= 0) {
    const needed = s.standbys + (s.copy === 'lowlevel' ? 0 : 1);
    if (limit < needed && (t.version === undefined || t.version <= 12)) {
      const msg = `CONNECTION LIMIT ${limit} on the replication role: on 10–12 walsenders count against it (${needed} needed: "too many connections for role"); set replication_connection_limit: -1`;
      out.push(at(t, t.version !== undefined && limit < s.standbys, msg));
    }
  }
  if (t.args.passwordEncryption === 'md5' && t.version !== undefined && t.version >= 18)
    out.push(at(t, false, 'an md5 password is deprecated on PostgreSQL 18: use scram-sha-256'));
  return out;
}

/** pg_hba rules the playbook writes, in order, per host; a rule an earlier one shadows is never reached. */
function hbaFindings(tasks: readonly LintTask[]): Finding[] {
  const out: Finding[] = [];
  const seen = new Map<string, HbaRule[]>();
  for (const t of tasks) {
    const appended = t.action === 'ensureLine' && /pg_hba\.conf$/.test(str(t.args.path) ?? '');
    const line = appended ? str(t.args.line) : undefined;
    const rules = seen.get(t.host) ?? [];
    seen.set(t.host, rules);
    if (t.action === 'hbaRule' && t.args.method === 'md5' && t.version !== undefined && t.version >= 18)
      out.push(at(t, false, 'pg_hba method md5 is deprecated on PostgreSQL 18: use scram-sha-256'));
    if (line === undefined) continue;
    const parsed = parseHba(line, 'pg_hba.conf').find((l) => l.kind === 'rule');
    if (parsed?.kind !== 'rule') continue;
    const shadow = rules.find((r) => mayShadow(r, parsed.rule));
    out.push(
      at(
        t,
        false,
        shadow
          ? `this pg_hba rule comes after an earlier one that matches the same connections first (pg_hba is first-match): it is never reached; use hbaRule`
          : `a pg_hba rule appended at the end comes after every existing rule (initdb's 'host replication all … trust' matches first): use hbaRule, which inserts it before any rule that would shadow it`,
      ),
    );
    rules.push(parsed.rule);
  }
  return out;
}

function fileFindings(t: LintTask): Finding[] {
  const path = str(t.args.path) ?? str(t.args.dest) ?? '';
  if (!/(^|\/)recovery\.conf$/.test(path) || t.action === 'standby') return [];
  const msg = `recovery.conf: PostgreSQL 12+ refuses to start while it exists ("using recovery command file is not supported"); the standby task writes standby.signal and the settings per version`;
  if (t.version !== undefined) return t.version >= 12 ? [at(t, true, msg)] : [];
  return [at(t, false, `${msg}; this task breaks a 12+ server`)];
}

function archiveFindings(tasks: readonly LintTask[]): Finding[] {
  const restores = tasks.filter((t) => t.action === 'standby' && str(t.args.restoreCommand));
  if (restores.length === 0) return [];
  return tasks
    .filter(
      (t) => t.action === 'setConf' && NOOP_ARCHIVE.test(str(obj(t.args.settings).archive_command) ?? 'x'),
    )
    .map((t) =>
      at(
        t,
        false,
        `archive_command = '${str(obj(t.args.settings).archive_command)}' archives nothing, but the standbys' restore_command expects an archive: set pg_archive_command to a real copy, or leave pg_restore_command empty`,
      ),
    );
}

/** A scram-sha-256 pg_hba rule for a role whose verifier the playbook stores as md5: that login always fails. */
function verifierFindings(tasks: readonly LintTask[]): Finding[] {
  const md5 = new Set(
    tasks
      .filter((t) => t.action === 'ensureUser' && t.args.passwordEncryption === 'md5')
      .map((t) => str(t.args.name)),
  );
  return tasks
    .filter((t) => t.action === 'hbaRule' && t.args.method === 'scram-sha-256' && md5.has(str(t.args.user)))
    .map((t) =>
      at(
        t,
        true,
        `pg_hba method scram-sha-256 for ${str(t.args.user)}, whose password is stored as md5: an md5 verifier cannot answer SCRAM; set replication_password_encryption: scram-sha-256 (or replication_auth_method: md5)`,
      ),
    );
}

/** Every finding for a playbook's tasks (in play order, per host). */
export function lintSeedValues(tasks: readonly LintTask[]): Finding[] {
  const s = shapeOf(tasks);
  const out: Finding[] = [];
  for (const t of tasks) {
    if (t.action === 'setConf') out.push(...settingFindings(t, s));
    if (t.action === 'ensureUser') out.push(...roleFindings(t, s));
    if (t.action === 'standby' && str(t.args.promoteTriggerFile))
      out.push(triggerFinding(t, 'promoteTriggerFile'));
    out.push(...fileFindings(t));
  }
  out.push(...hbaFindings(tasks), ...archiveFindings(tasks), ...verifierFindings(tasks));
  // one finding per message and place: a role's task is linted once per host
  const key = (f: Finding) => `${f.message}|${f.where?.file}:${f.where?.line}:${f.where?.col}`;
  return [...new Map(out.map((f) => [key(f), f])).values()];
}
