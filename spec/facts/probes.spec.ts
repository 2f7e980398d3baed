import { expect } from 'chai';
import type { Facts } from '../../lib/facts/facts.js';
import { sqlProbe } from '../../lib/facts/probes.js';
import { sh } from '../../lib/model/command.js';
import { pgTarget } from '../../lib/pg/target.js';
import { type Cluster, createCluster } from '../../lib/sandbox/pg-cluster.js';
import { localFacts } from '../helpers/local-facts.js';
import { clusterVars } from '../helpers/pg-host.js';

/** Compiled by tsc, never called: facts take only probes built in lib/facts/ (tsc fails if the line compiles). */
const notAProbe = (facts: Facts): void => {
  // @ts-expect-error a plain command is not a Probe
  void facts.run(sh`rm -rf /tmp/anything`);
};
void notAProbe;

describe('probes: SQL runs in a read-only session (real PostgreSQL 15)', () => {
  let c: Cluster;
  before(async () => {
    c = await createCluster();
    await c.psql('create table t (v int); insert into t values (1);');
  });
  after(async () => {
    await c?.destroy();
  });

  const run = (sql: string) => {
    const t = pgTarget(clusterVars(c));
    return localFacts().run(sqlProbe(t, sql), { user: t.osUser });
  };

  it('says default_transaction_read_only = on, and a write fails, also after COMMIT', async () => {
    const show = await run('show default_transaction_read_only');
    expect(show.stdout.trim()).to.equal('on');
    for (const q of ['delete from t', 'commit; delete from t', 'begin; insert into t values (2); commit']) {
      const r = await run(q);
      expect(r.code, q).to.equal(3);
      expect(r.stderr, q).to.match(/cannot execute (DELETE|INSERT) in a read-only transaction/);
    }
    expect((await c.psql('select count(*) from t')).trim()).to.equal('1');
  });
});
