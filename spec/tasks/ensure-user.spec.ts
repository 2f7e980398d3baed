import { spawn } from 'node:child_process';
import { expect } from 'chai';
import type { Host } from '../../lib/engine/connect.js';
import { InputError } from '../../lib/errors.js';
import { type Cluster, createCluster } from '../../lib/sandbox/pg-cluster.js';
import { Secret } from '../../lib/secret.js';
import { ensureUser } from '../../lib/tasks/ensure-user.js';
import { converge } from '../helpers/contract.js';
import { pgHost } from '../helpers/pg-host.js';

/** Logs in over TCP (127.0.0.1, so the md5 rule initdb's `-A` gives applies) with a password; true on success. */
function login(c: Cluster, user: string, password: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(
      `${c.bin}/psql`,
      ['-X', '-h', '127.0.0.1', '-p', String(c.port), '-U', user, '-d', 'postgres', '-c', 'select 1'],
      { env: { ...process.env, PGPASSWORD: password }, stdio: 'ignore' },
    );
    child.on('close', (code) => resolve(code === 0));
  });
}

describe('ensureUser on a real PostgreSQL 15', () => {
  let c: Cluster;
  let host: Host;
  const noFiles = async () => '';
  before(async () => {
    c = await createCluster();
    // password logins over TCP; local socket stays trust for the test harness
    const hba = `local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n`;
    await c.writeFile(`${c.dataDir}/pg_hba.conf`, hba);
    await c.reload();
    host = await pgHost(c);
  });
  after(async () => {
    await host?.close();
    await c?.destroy();
  });

  it('converges: creates the role, a login with the password works, a rerun is ok', async () => {
    const args = { name: 'app', createdb: true, connectionLimit: 4, password: new Secret('first-pw') };
    const r = await converge(host, ensureUser, args, noFiles);
    expect(r.check.status).to.equal('changed');
    const attrs = await c.psql(
      "select rolcanlogin, rolcreatedb, rolconnlimit, left(rolpassword, 14) from pg_authid where rolname = 'app';",
    );
    expect(attrs.trim()).to.equal('t|t|4|SCRAM-SHA-256$');
    expect(await login(c, 'app', 'first-pw')).to.equal(true);
    expect(await login(c, 'app', 'wrong')).to.equal(false);
  });

  it('a changed password is a change; the new one logs in, the old one no longer', async () => {
    const res = await ensureUser(host, { name: 'app', password: 'second-pw' });
    expect(res.status).to.equal('changed');
    expect(await login(c, 'app', 'second-pw')).to.equal(true);
    expect(await login(c, 'app', 'first-pw')).to.equal(false);
    expect((await ensureUser(host, { name: 'app', password: 'second-pw' })).status).to.equal('ok');
  });

  it('md5 when asked: stored as md5, then scram wanted again is a change', async () => {
    const md5 = { name: 'app', password: 'second-pw', passwordEncryption: 'md5' as const };
    expect((await ensureUser(host, md5)).status).to.equal('changed');
    expect(
      (await c.psql("select left(rolpassword, 3) from pg_authid where rolname = 'app';")).trim(),
    ).to.equal('md5');
    expect((await ensureUser(host, md5)).status).to.equal('ok');
    expect((await ensureUser(host, { name: 'app', password: 'second-pw' })).status).to.equal('changed');
    expect(await login(c, 'app', 'second-pw')).to.equal(true);
  });

  it('alters attributes and drops the role', async () => {
    const alter = await ensureUser(host, { name: 'app', createdb: false, replication: true });
    expect(alter.status).to.equal('changed');
    expect(
      (await c.psql("select rolcreatedb, rolreplication from pg_roles where rolname = 'app';")).trim(),
    ).to.equal('f|t');
    await converge(host, ensureUser, { name: 'app', state: 'absent' as const }, noFiles);
    expect((await c.psql("select count(*) from pg_roles where rolname = 'app';")).trim()).to.equal('0');
  });
  it('refuses an empty password, an empty Secret or a mapping (exit 3); the working password stays', async () => {
    await ensureUser(host, { name: 'keeper', password: new Secret('keeper-pw') });
    const bad: unknown[] = ['', new Secret(''), { a: 1 }, {}, null];
    for (const password of bad) {
      const e = await ensureUser(host, { name: 'keeper', password } as never).catch((x: Error) => x);
      expect(e, String(JSON.stringify(password))).to.be.instanceOf(InputError);
      expect((e as Error).message).to.match(/password/);
    }
    expect(await login(c, 'keeper', 'keeper-pw')).to.equal(true);
  });
});
