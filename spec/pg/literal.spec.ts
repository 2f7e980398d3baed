import { expect } from 'chai';
import type { Host } from '../../lib/engine/connect.js';
import { sqlLiteral } from '../../lib/pg/target.js';
import { type Cluster, createCluster } from '../../lib/sandbox/pg-cluster.js';
import { Secret } from '../../lib/secret.js';
import { ensureUser } from '../../lib/tasks/ensure-user.js';
import { converge } from '../helpers/contract.js';
import { pgHost } from '../helpers/pg-host.js';

/** Literals the tasks build must mean the same whatever standard_conforming_strings says. */
describe('SQL literals with standard_conforming_strings = off (real PostgreSQL 15)', () => {
  let c: Cluster;
  let host: Host;
  const tricky = "o'k\\r\\'; select 1; --";
  before(async () => {
    c = await createCluster({ conf: { standard_conforming_strings: 'off' } });
    host = await pgHost(c);
  });
  after(async () => {
    await host?.close();
    await c?.destroy();
  });

  it('a value with a backslash and a quote round-trips, with the setting off and on', async () => {
    expect((await c.psql('show standard_conforming_strings')).trim()).to.equal('off');
    for (const scs of ['off', 'on']) {
      const out = await c.psql(`set standard_conforming_strings = ${scs}; select ${sqlLiteral(tricky)};`);
      expect(out, `standard_conforming_strings = ${scs}`).to.equal(`SET\n${tricky}\n`);
    }
  });

  it('ensureUser converges on a role whose name holds a backslash and a quote', async () => {
    const args = { name: tricky, login: true, password: new Secret('pw\\x') };
    const r = await converge(host, ensureUser, args, async () => '');
    expect(r.check.status).to.equal('changed');
    const found = await c.psql(
      "select count(*) from pg_roles where rolname = E'o\\'k\\\\r\\\\\\'; select 1; --'",
    );
    expect(found.trim()).to.equal('1');
  });
});
