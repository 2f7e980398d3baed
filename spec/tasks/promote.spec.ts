import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { expect } from 'chai';
import type { Host } from '../../lib/engine/connect.js';
import { renderDiff } from '../../lib/report/diff.js';
import { type Cluster, createCluster } from '../../lib/sandbox/pg-cluster.js';
import { promote } from '../../lib/tasks/promote.js';
import { converge, filesSnapshot } from '../helpers/contract.js';
import { pgHost } from '../helpers/pg-host.js';

const BIN = '/usr/lib/postgresql/15/bin';

/** promote on a real standby made with pg_basebackup -R from a test primary. */
describe('promote (e2e)', function () {
  this.timeout(180_000);
  let primary: Cluster;
  let standby: Cluster;
  before(async () => {
    primary = await createCluster();
    standby = await createCluster({ start: false });
    spawnSync('rm', ['-rf', standby.dataDir]);
    const bb = spawnSync(
      'runuser',
      [
        '-u',
        'postgres',
        '--',
        `${BIN}/pg_basebackup`,
        '-D',
        standby.dataDir,
        '-R',
        '-X',
        'stream',
        '-h',
        primary.socketDir,
        '-p',
        String(primary.port),
        '-U',
        'postgres',
      ],
      { cwd: '/', encoding: 'utf8' },
    );
    expect(bb.status, bb.stderr).to.equal(0);
    writeFileSync(
      `${standby.dataDir}/postgresql.conf`,
      `\nport = ${standby.port}\nunix_socket_directories = '${standby.socketDir}'\n`,
      { flag: 'a' },
    );
    chmodSync(standby.dataDir, 0o700);
    await standby.start();
  });
  after(async () => {
    await standby?.destroy();
    await primary?.destroy();
  });

  it('promotes a standby (converge), and is ok on a primary', async () => {
    expect((await standby.psql('select pg_is_in_recovery()')).trim()).to.equal('t');
    const host: Host = await pgHost(standby);
    try {
      const r = await converge(host, promote, {}, filesSnapshot([`${standby.dataDir}/standby.signal`]));
      expect(renderDiff(r.check.actions)).to.match(/pg_promote\(true, 60\)/);
      expect(r.again.reason).to.equal('not a standby');
      expect((await standby.psql('select pg_is_in_recovery()')).trim()).to.equal('f');
      await standby.psql('create table after_promotion (x int)');
    } finally {
      await host.close();
    }
    const ph = await pgHost(primary);
    try {
      const r = await promote(ph, {});
      expect(r.status).to.equal('ok');
      expect(r.reason).to.equal('not a standby');
    } finally {
      await ph.close();
    }
  });
});
