import { expect } from 'chai';
import { pgFacts } from '../../lib/facts/pg.js';
import { pgTarget } from '../../lib/pg/target.js';
import { type Cluster, createCluster } from '../../lib/sandbox/pg-cluster.js';
import { clusterVars, pgHost } from '../helpers/pg-host.js';

/** PostgreSQL facts from a real server: one round trip when it runs, the data dir when it does not. */
describe('pg facts', function () {
  this.timeout(120_000);
  let c: Cluster;
  before(async () => {
    c = await createCluster();
  });
  after(async () => c?.destroy());

  it('reads a running server, then the data dir of a stopped one', async () => {
    const host = await pgHost(c);
    try {
      const t = pgTarget(clusterVars(c));
      const up = await pgFacts(host.facts, t);
      expect(up).to.include({ running: true, version: 15, dataDir: c.dataDir, inRecovery: false });
      expect(up.configFile).to.equal(`${c.dataDir}/postgresql.conf`);
      expect(up.systemIdentifier).to.match(/^\d{10,}$/);
      // every parameter's context comes with them, so setConf needs no query of its own
      expect(up.contexts).to.include({
        wal_level: 'postmaster',
        archive_command: 'sighup',
        work_mem: 'user',
      });
      expect(Object.keys(up.contexts ?? {}).length).to.be.greaterThan(300);
      expect(up.timeline).to.equal(1); // a primary's current timeline, which baseBackup compares a target's with
      const sysid = (await c.psql('select system_identifier from pg_control_system()')).trim();
      expect(up.systemIdentifier).to.equal(sysid);
      await c.stop();
      const down = await pgFacts(host.facts, t);
      expect(down).to.include({ running: false, version: 15, systemIdentifier: sysid, inRecovery: false });
      expect(down.hbaFile).to.equal(`${c.dataDir}/pg_hba.conf`);
      await c.start();
    } finally {
      await host.close();
    }
  });
});
