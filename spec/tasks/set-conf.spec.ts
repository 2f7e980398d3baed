import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import type { Host } from '../../lib/engine/connect.js';
import { ApplyError, InputError } from '../../lib/errors.js';
import { type Cluster, createCluster } from '../../lib/sandbox/pg-cluster.js';
import { service } from '../../lib/tasks/service.js';
import { setConf } from '../../lib/tasks/set-conf.js';
import { converge, filesSnapshot } from '../helpers/contract.js';
import { pgHost } from '../helpers/pg-host.js';

/** setConf on a real PostgreSQL 15 cluster, checked by asking the server. */
describe('setConf (e2e)', function () {
  this.timeout(120_000);
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
  const conf = () => `${c.dataDir}/postgresql.conf`;
  const show = async (name: string) => (await c.psql(`show ${name}`)).trim();

  it('converges, reports restart vs reload, and service applied makes SHOW agree', async () => {
    const args = { settings: { work_mem: '16MB', max_connections: 50, hot_standby: 'true' } };
    const r = await converge(host, setConf, args, filesSnapshot([conf()]));
    expect(r.real.data?.changes).to.deep.equal([
      { name: 'max_connections', before: '100', after: '50', needs: 'restart' },
      { name: 'work_mem', after: '16MB', needs: 'reload' },
      { name: 'hot_standby', after: 'true', needs: 'restart' },
    ]);
    expect(r.real.restartRequired).to.equal(true);
    expect(r.real.reloadRequired).to.equal(true);
    // a different spelling of the same values is no change
    const same = await setConf(host, { settings: { work_mem: '16384kB', max_connections: '50' } });
    expect(same.status).to.equal('ok');
    const applied = await service(host, { state: 'applied' });
    expect(applied.status, applied.error).to.equal('changed');
    expect(await show('work_mem')).to.equal('16MB');
    expect(await show('max_connections')).to.equal('50');
    const fs = await c.psql(
      "select setting, applied from pg_file_settings where name = 'work_mem' and sourcefile like '%postgresql.conf'",
    );
    expect(fs.trim()).to.equal('16MB|t');
  });

  it('fails naming the postgresql.auto.conf line that ALTER SYSTEM wrote, unless allowOverride', async () => {
    await c.psql("alter system set work_mem = '32MB'");
    const before = await filesSnapshot([conf()])();
    const r = await setConf(host, { settings: { work_mem: '8MB' } }).catch((e: Error) => e);
    const msg = r instanceof Error ? r.message : String(r.error);
    expect(msg).to.match(/work_mem is set again in .*postgresql\.auto\.conf:3 \(to '32MB'\)/);
    expect(await filesSnapshot([conf()])()).to.equal(before);
    const ok = await setConf(host, { settings: { work_mem: '8MB' }, allowOverride: true });
    expect(ok.status, ok.error).to.equal('changed');
    expect(ok.data?.overridden).to.have.length(1);
    await c.psql('alter system reset work_mem');
  });

  it('puts the previous file back when PostgreSQL rejects a written value, and fails naming its error', async () => {
    const before = await filesSnapshot([conf()])();
    // PostgreSQL's parser reads the line; only the server knows there is no such time zone
    const r = await setConf(host, { settings: { log_timezone: 'Mars/Olympus' } }).catch((e: Error) => e);
    expect(r).to.be.instanceOf(ApplyError);
    expect((r as Error).message).to.match(/invalid value for parameter "log_timezone": "Mars\/Olympus"/);
    expect((r as Error).message).to.match(/put back/);
    expect(await filesSnapshot([conf()])()).to.equal(before);
    const fs = await c.psql("select count(*) from pg_file_settings where setting = 'Mars/Olympus'");
    expect(fs.trim()).to.equal('0');
  });

  it('refuses a value with a control character before writing (PostgreSQL would stop reading at a NUL)', async () => {
    const before = await filesSnapshot([conf()])();
    const r = await setConf(host, { settings: { application_name: 'a\u0000b' } }).catch((e: Error) => e);
    expect(r).to.be.instanceOf(InputError);
    expect(await filesSnapshot([conf()])()).to.equal(before);
  });

  it('server down: an included file that postgresql.conf or postgresql.auto.conf overrides fails (check too), untouched', async () => {
    await c.writeFile('data/tune.conf', 'shared_buffers = 64MB\n');
    const main = await readFile(conf(), 'utf8');
    await c.writeFile('data/postgresql.conf', `${main}include 'tune.conf'\nshared_buffers = 128MB\n`);
    await c.psql("alter system set maintenance_work_mem = '99MB'");
    await c.stop();
    const tune = `${c.dataDir}/tune.conf`;
    const files = filesSnapshot([conf(), tune, `${c.dataDir}/postgresql.auto.conf`]);
    const before = await files();
    try {
      const lines = main.split('\n').length + 1;
      const cases = [
        [
          { shared_buffers: '16MB' },
          new RegExp(`shared_buffers is set again in .*/postgresql\\.conf:${lines} \\(to '128MB'\\)`),
        ],
        [
          { maintenance_work_mem: '1GB' },
          /maintenance_work_mem is set again in .*postgresql\.auto\.conf:3 \(to '99MB'\)/,
        ],
      ] as const;
      for (const [settings, wins] of cases)
        for (const check of [true, false]) {
          const r = await setConf(host, { path: tune, settings }, { check }).catch((e: Error) => e);
          expect(r instanceof Error ? r.message : `${r.status}`).to.match(wins);
        }
      // the same value winning elsewhere is no harm: it takes effect
      const same = await setConf(
        host,
        { path: tune, settings: { shared_buffers: '128MB' } },
        { check: true },
      );
      expect(same.status, same.error).to.equal('changed');
      expect(await files()).to.equal(before);
    } finally {
      await c.writeFile('data/postgresql.conf', main);
      await c.start();
      await c.psql('alter system reset maintenance_work_mem');
    }
  });

  it('refuses a parameter the server does not know before writing', async () => {
    const before = await filesSnapshot([conf()])();
    for (const settings of [{ wal_keep_segments: 10 }, { no_such_parameter: 1 }] as Record<
      string,
      number
    >[]) {
      const r = await setConf(host, { settings }).catch((e: Error) => e);
      expect(r instanceof Error ? r.message : r.error).to.match(/does not exist|unrecognized/);
    }
    expect(await filesSnapshot([conf()])()).to.equal(before);
  });
});
