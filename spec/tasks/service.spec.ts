import { expect } from 'chai';
import type { Host } from '../../lib/engine/connect.js';
import { renderDiff } from '../../lib/report/diff.js';
import { type Cluster, createCluster } from '../../lib/sandbox/pg-cluster.js';
import { service } from '../../lib/tasks/service.js';
import { setConf } from '../../lib/tasks/set-conf.js';
import { converge, filesSnapshot } from '../helpers/contract.js';
import { pgHost } from '../helpers/pg-host.js';

/** service on a real PostgreSQL 15 cluster through pg_ctl; outcomes read from the server. */
describe('service (e2e)', function () {
  this.timeout(180_000);
  let c: Cluster;
  let host: Host;
  before(async () => {
    c = await createCluster();
    host = await pgHost(c);
  });
  after(async () => {
    await host?.close();
    await c?.destroy();
  });
  const startTime = async () => (await c.psql('select pg_postmaster_start_time()')).trim();
  const pidFile = () => filesSnapshot([`${c.dataDir}/postmaster.pid`]);

  it('stopped and started converge; each is ok when already so', async () => {
    const down = await converge(host, service, { state: 'stopped' }, pidFile());
    expect(renderDiff(down.check.actions)).to.match(/\(prediction\) the server stops/);
    await converge(host, service, { state: 'started' }, pidFile());
    expect((await c.psql('select 1')).trim()).to.equal('1');
    expect((await service(host, { state: 'started' })).reason).to.equal('running');
  });

  it('restarted changes pg_postmaster_start_time; reloaded does not; a check run does neither', async () => {
    const t0 = await startTime();
    const check = await service(host, { state: 'restarted' }, { check: true });
    expect(check.status).to.equal('changed');
    expect(await startTime()).to.equal(t0);
    expect((await service(host, { state: 'restarted' })).status).to.equal('changed');
    const t1 = await startTime();
    expect(t1).to.not.equal(t0);
    const load0 = (await c.psql('select pg_conf_load_time()')).trim();
    expect((await service(host, { state: 'reloaded' })).status).to.equal('changed');
    await new Promise((r) => setTimeout(r, 300));
    expect((await c.psql('select pg_conf_load_time()')).trim()).to.not.equal(load0);
    expect(await startTime()).to.equal(t1);
  });

  it('applied reloads only for work_mem, restarts for max_connections, and converges', async () => {
    expect((await service(host, { state: 'applied' })).status).to.equal('ok');
    await setConf(host, { settings: { work_mem: '12MB' } });
    const t0 = await startTime();
    const r = await converge(host, service, { state: 'applied' }, pidFile());
    expect(r.real.actions.map((a) => (a.kind === 'exec' ? a.summary : a.kind))).to.deep.equal([
      `pg_ctl reload (${c.dataDir})`,
    ]);
    expect(await startTime()).to.equal(t0);
    expect((await c.psql('show work_mem')).trim()).to.equal('12MB');
    await setConf(host, { settings: { max_connections: 40 } });
    const r2 = await converge(host, service, { state: 'applied' }, pidFile());
    expect(r2.real.data?.restart).to.deep.equal(['max_connections']);
    expect(await startTime()).to.not.equal(t0);
    expect((await c.psql('show max_connections')).trim()).to.equal('40');
    expect((await c.psql('select count(*) from pg_settings where pending_restart')).trim()).to.equal('0');
  });
});
