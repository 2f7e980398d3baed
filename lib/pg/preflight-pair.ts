/** Preflight checks of one primary–standby pair: the replication login against pg_hba, and the standby host. */
import type { CopyMethod } from './copy-method.js';
import { parseHba } from './hba.js';
import { ensureRule, mayShadow, specToRule } from './hba-edit.js';
import {
  type Check,
  fail,
  gib,
  type PreflightInput,
  pass,
  type StandbyFound,
  warn,
} from './preflight-check.js';

/** Which rule the standby's replication login meets first once the playbook's rule is in place. */
export function hbaCheck(i: PreflightInput, s: StandbyFound): Check {
  const w = i.wanted;
  const spec = {
    type: w.hbaType ?? 'host',
    database: 'replication',
    user: w.user,
    address: `${s.address}/32`,
    method: w.authMethod,
  };
  const added = ensureRule(i.hbaText, spec, 'present', { file: i.hbaFile }).text;
  // over TLS the playbook also removes the clear-text rule of the same login (an existing cluster switched)
  const predicted =
    spec.type === 'hostssl'
      ? ensureRule(added, { ...spec, type: 'host' }, 'absent', { file: i.hbaFile }).text
      : added;
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

/** Versions, data dir, disk and copy tools of one standby. */
export function standbyChecks(i: PreflightInput, s: StandbyFound, method: CopyMethod | undefined): Check[] {
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
