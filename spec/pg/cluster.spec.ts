import { existsSync } from 'node:fs';
import { expect } from 'chai';
import { type Cluster, confValue, createCluster } from '../../lib/sandbox/pg-cluster.js';
import { freePort } from '../../lib/sandbox/ports.js';

describe('pg-cluster sandbox', () => {
  let c: Cluster | undefined;
  after(async () => {
    await c?.destroy();
  });

  it('freePort gives a usable port number', async () => {
    const p = await freePort();
    expect(p).to.be.within(1024, 65535);
  });

  it('confValue quotes as a PostgreSQL string literal', () => {
    expect(confValue("it's")).to.equal("'it''s'");
    expect(confValue('a\\b')).to.equal("'a\\\\b'");
  });

  it('creates, starts, answers SQL on its own socket and port, stops and destroys', async () => {
    c = await createCluster({ conf: { work_mem: '8MB' } });
    expect(existsSync(`${c.dataDir}/PG_VERSION`)).to.equal(true);
    const out = await c.psql("SELECT current_setting('port'), current_setting('unix_socket_directories');");
    expect(out.trim()).to.equal(`${c.port}|${c.socketDir}`);
    expect((await c.psql('SHOW work_mem;')).trim()).to.equal('8MB');
    expect((await c.psql('SELECT current_user;')).trim()).to.equal('postgres');
    let err: unknown;
    try {
      await c.psql('SELECT nonsense_column;');
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.match(/nonsense_column/);
    await c.stop();
    expect(existsSync(`${c.dataDir}/postmaster.pid`)).to.equal(false);
    await c.start();
    expect((await c.psql('SELECT 1;')).trim()).to.equal('1');
    const dir = c.dir;
    await c.destroy();
    c = undefined;
    expect(existsSync(dir)).to.equal(false);
  });
});
