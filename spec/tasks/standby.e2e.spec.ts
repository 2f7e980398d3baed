import { existsSync, readFileSync, statSync } from 'node:fs';
import { expect } from 'chai';
import { renderDiff } from '../../lib/report/diff.js';
import { Secret } from '../../lib/secret.js';
import { baseBackup } from '../../lib/tasks/base-backup.js';
import { standby } from '../../lib/tasks/standby.js';
import { waitForReplication } from '../../lib/tasks/wait-for-replication.js';
import { converge, filesSnapshot } from '../helpers/contract.js';
import { type PgPair, pgPair, REPL_PASSWORD } from '../helpers/pg-pair.js';

describe('standby + waitForReplication (two real clusters)', function () {
  this.timeout(180_000);
  let pair: PgPair;
  beforeEach(async () => {
    pair = await pgPair();
  });
  afterEach(async () => {
    await pair?.destroy();
  });

  const primaryArg = (password: string) => ({
    host: '127.0.0.1',
    port: pair.primary.port,
    user: 'replicator',
    password: new Secret(password),
  });

  it('converges, streams, and a row written on the primary is read on the standby', async () => {
    const bb = await baseBackup(pair.db2, {
      from: 'db1',
      user: 'replicator',
      password: new Secret(REPL_PASSWORD),
    });
    expect(bb.status, bb.error).to.equal('changed');
    const passfile = `${pair.standbyDir}.pgpass`;
    const d = pair.standbyDir;
    const snap = filesSnapshot([
      `${d}/postgresql.conf`,
      `${d}/postgresql.auto.conf`,
      `${d}/standby.signal`,
      passfile,
    ]);
    const { check } = await converge(pair.db2, standby, { primary: primaryArg(REPL_PASSWORD) }, snap);
    const diff = renderDiff(check.actions);
    expect(diff).to.include("primary_conninfo = 'host=127.0.0.1");
    expect(diff).to.include(`passfile=${passfile}`);
    expect(diff).to.not.include(REPL_PASSWORD);
    expect(statSync(passfile).mode & 0o777).to.equal(0o600);
    expect(readFileSync(passfile, 'utf8')).to.equal(
      `127.0.0.1:${pair.primary.port}:*:replicator:rep\\:s3cret\\\\x\n`,
    );
    expect(readFileSync(`${d}/postgresql.conf`, 'utf8')).to.not.include(REPL_PASSWORD);
    expect(existsSync(`${d}/standby.signal`)).to.equal(true);
    pair.startStandby();
    expect(pair.standbySql('SHOW port')).to.equal(String(pair.standbyPort));
    const waitCheck = await waitForReplication(pair.db2, { primary: 'db1' }, { check: true });
    expect(waitCheck.reason).to.equal('would wait for db2 to stream from db1');
    const w = await waitForReplication(pair.db2, { primary: 'db1', timeout: 30 });
    expect(w.status).to.equal('ok');
    expect(w.actions).to.deep.equal([]);
    expect(w.data?.state).to.equal('streaming');
    expect(w.data?.lagBytes).to.be.a('number');
    const rows = await pair.primary.psql(
      "SELECT state FROM pg_stat_replication WHERE application_name = 'db2'",
    );
    expect(rows.trim()).to.equal('streaming');
    expect(pair.standbySql('SELECT pg_is_in_recovery()')).to.equal('t');
    await pair.primary.psql("CREATE TABLE t (v text); INSERT INTO t VALUES ('replicated')");
    let seen = '';
    for (let i = 0; i < 50 && seen !== 'replicated'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      seen = (() => {
        try {
          return pair.standbySql('SELECT v FROM t');
        } catch {
          return '';
        }
      })();
    }
    expect(seen).to.equal('replicated');
  });

  it('lowlevel copy + standby also streams', async () => {
    const bb = await baseBackup(pair.db2, { from: 'db1', method: 'lowlevel' });
    expect(bb.status, bb.error).to.equal('changed');
    const r = await standby(pair.db2, { primary: primaryArg(REPL_PASSWORD), applicationName: 'sb1' });
    expect(r.status).to.equal('changed');
    pair.startStandby();
    const w = await waitForReplication(pair.db2, { primary: 'db1', applicationName: 'sb1', timeout: 30 });
    expect(w.data?.receiver).to.equal('streaming');
  });

  it('a wrong password: waitForReplication times out showing "password authentication failed"', async () => {
    // pg_basebackup brings the WAL to reach consistency, so the server starts without streaming
    await baseBackup(pair.db2, { from: 'db1', user: 'replicator', password: new Secret(REPL_PASSWORD) });
    await standby(pair.db2, { primary: primaryArg('wrong') });
    pair.startStandby();
    const err = await waitForReplication(pair.db2, { primary: 'db1', timeout: 4 }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.name).to.equal('ApplyError');
    expect(err?.message).to.match(/timed out after 4s waiting for db2 to stream from db1/);
    expect(err?.message).to.include('password authentication failed');
  });
});
