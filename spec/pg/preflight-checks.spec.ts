import { expect } from 'chai';
import type { TargetState } from '../../lib/pg/backup-target.js';
import { chooseCopyMethod } from '../../lib/pg/copy-method.js';
import { type PreflightInput, preflightChecks } from '../../lib/pg/preflight-checks.js';
import { parsePrimaryProbe, parseStandbyProbe } from '../../lib/pg/preflight-probe.js';

const HBA = `local   all             all                                     trust
local   replication     all                                     trust
host    replication     all             127.0.0.1/32            trust
`;
const empty: TargetState = {
  dir: 'empty',
  systemIdentifier: null,
  running: false,
  clientMajor: 15,
  backupLabel: false,
  standbySignal: false,
  recoveryConf: false,
  marker: null,
  clusterState: '',
  timeline: 0,
  historyTimeline: 0,
};

/** A fresh pair as the sandbox makes it: primary 16, one empty standby with Debian's client 15. */
function input(
  over: Partial<PreflightInput> = {},
  wanted: Partial<PreflightInput['wanted']> = {},
): PreflightInput {
  return {
    primaryHost: 'pg1',
    primary: parsePrimaryProbe(
      `conf\x1f160014\x1freplica\x1f10\x1f10\x1fscram-sha-256\x1foff\x1f(disabled)\x1f30000000\n`,
    ),
    primarySysid: '7000000000000000001',
    primaryTar: true,
    hbaText: HBA,
    hbaFile: '/srv/pg1/pg_hba.conf',
    standbys: [
      {
        host: 'pg2',
        address: '127.0.0.1',
        probe: parseStandbyProbe(
          'postgres (PostgreSQL) 16.14\npg_basebackup (PostgreSQL) 15.20\ntar\n5000000\n',
        ),
        target: empty,
      },
    ],
    wanted: {
      user: 'replicator',
      authMethod: 'scram-sha-256',
      passwordEncryption: 'scram-sha-256',
      walLevel: 'replica',
      maxWalSenders: 10,
      maxSlots: 10,
      slots: true,
      copyMethod: 'auto',
      replaceExisting: false,
      ...wanted,
    },
    ...over,
  };
}

const failed = (i: PreflightInput) =>
  preflightChecks(i)
    .checks.filter((c) => !c.ok)
    .map((c) => `${c.host} ${c.name}: ${c.found}; ${c.fix}`);

describe('pg/preflight-checks: everything checked before the first write', () => {
  it('a fresh 16 pair passes, and the copy method is low-level (client 15 refuses server 16)', () => {
    const r = preflightChecks(input());
    expect(failed(input())).to.deep.equal([]);
    expect(r.methods).to.deep.equal({ pg2: 'lowlevel' });
    const hba = r.checks.find((c) => c.name === 'pg_hba for pg2');
    // the playbook's rule goes before initdb's trust rule, so the login meets it first
    expect(hba?.found).to.equal(
      'replicator from 127.0.0.1 meets line 3 (scram-sha-256); the password is stored as scram-sha-256',
    );
  });

  it('chooses pg_basebackup when the client is as new as the server, and refuses it when asked for on a newer server', () => {
    expect(chooseCopyMethod('auto', 15, 14)).to.include({ method: 'pg_basebackup' });
    expect(chooseCopyMethod('auto', 15, 18)).to.include({ method: 'lowlevel' });
    expect(chooseCopyMethod('auto', 0, 12)).to.include({ method: 'lowlevel' });
    expect(failed(input({}, { copyMethod: 'pg_basebackup' }))).to.deep.equal([
      'pg2 copy method: pg_basebackup 15 on the standby cannot copy from server 16 (it refuses a newer server); set pg_backup_method: auto (or lowlevel), or install a client at least as new as the primary',
    ]);
  });

  it('a scram-sha-256 rule with an md5 verifier fails on the primary, naming what to set', () => {
    expect(failed(input({}, { passwordEncryption: 'md5' }))).to.deep.equal([
      'pg1 pg_hba for pg2: replicator from 127.0.0.1 meets line 3 (scram-sha-256); the password is stored as md5; set replication_password_encryption: scram-sha-256 (an md5 verifier cannot answer SCRAM)',
    ]);
  });

  it('walsenders and slots count every standby, +1 for a streaming base backup', () => {
    const i = input({}, { maxWalSenders: 1, maxSlots: 1 });
    i.primary.version = 14;
    expect(failed(i)).to.deep.equal([
      'pg1 walsenders: max_wal_senders=1; needed 2 (1 standby(s) + 1 for a streaming base backup); set pg_max_wal_senders: 2 (or more)',
      'pg1 replication slots: max_replication_slots=1; needed 2 (1 standby slot(s) + 1 for a streaming base backup); set pg_max_replication_slots: 2 (or more)',
      'pg2 major version: server binaries 16, primary 14; set pg_bin_dir (or pg_version) to PostgreSQL 14 binaries',
    ]);
  });

  it('CONNECTION LIMIT 1 fails on 12 (walsenders count there), not on 13', () => {
    const at = (v: number) => {
      const i = input({}, { connectionLimit: 1 });
      i.primary.version = v;
      i.standbys[0]!.probe.serverMajor = v;
      return failed(i);
    };
    expect(at(12)).to.deep.equal([
      "pg1 connection limit: role replicator CONNECTION LIMIT 1 on PostgreSQL 12; 2 replication connection(s) at once; on 10–12 walsenders count: set the role's connection limit to -1 or ≥ 2",
    ]);
    expect(at(13)).to.deep.equal([]);
  });

  it('wal_level minimal fails unless the playbook sets replica; hot_standby is a warning', () => {
    const i = input({}, { walLevel: undefined });
    i.primary.walLevel = 'minimal';
    expect(failed(i)[0]).to.match(/^pg1 wal_level: wal_level=minimal; set wal_level: replica$/);
    const alias = preflightChecks(input({}, { walLevel: 'hot_standby' })).checks.find(
      (c) => c.name === 'wal_level',
    );
    expect(alias).to.include({ ok: true, warning: true });
    expect(alias?.fix).to.match(/shows as replica/);
  });

  it('a standby data dir holding another cluster, or too little disk, fails; its own copy passes', () => {
    const foreign = input();
    foreign.standbys[0]!.target = { ...empty, dir: 'nonempty', systemIdentifier: '42' };
    foreign.standbys[0]!.probe.freeBytes = 1000;
    expect(failed(foreign)).to.deep.equal([
      'pg2 data dir: another cluster (system identifier 42); empty it, or set pg_replace_existing: true to move it aside',
      'pg2 free disk: free 0.00 GiB, primary data 0.03 GiB; free space on the standby, or put pg_data_dir on a larger file system',
    ]);
    const same = input();
    same.standbys[0]!.target = { ...empty, dir: 'nonempty', systemIdentifier: '7000000000000000001' };
    expect(failed(same)).to.deep.equal([]);
    expect(preflightChecks(same).methods).to.deep.equal({});
  });

  it('over TLS it predicts the hostssl rule the playbook writes, and the clear-text rule it removes', () => {
    // a server that already refuses clear text, switched to TLS replication: a clear-text login would meet the
    // reject rule, the playbook's TLS login meets its own hostssl rule
    const hbaText = `local   all             all                                     trust
hostnossl replication   all             0.0.0.0/0               reject
host    replication     replicator      127.0.0.1/32            md5
`;
    const hba = (hbaType?: 'host' | 'hostssl') =>
      preflightChecks(input({ hbaText }, { hbaType })).checks.find((c) => c.name === 'pg_hba for pg2');
    expect(hba('hostssl')).to.include({
      ok: true,
      found:
        'replicator from 127.0.0.1 meets line 3 (scram-sha-256); the password is stored as scram-sha-256',
    });
    expect(hba('host')).to.include({
      ok: false,
      found: 'replicator from 127.0.0.1 meets line 2 (reject); the password is stored as scram-sha-256',
    });
  });

  it('md5 on 18 is a warning', () => {
    const i = input({}, { authMethod: 'md5', passwordEncryption: 'md5' });
    i.primary.version = 18;
    i.standbys[0]!.probe.serverMajor = 18;
    const hba = preflightChecks(i).checks.find((c) => c.name === 'pg_hba for pg2');
    expect(hba).to.include({ ok: true, warning: true, fix: 'md5 is deprecated on 18: use scram-sha-256' });
  });
});
