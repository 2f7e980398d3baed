import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import { renderDiff } from '../../lib/report/diff.js';
import { Secret } from '../../lib/secret.js';
import { baseBackup } from '../../lib/tasks/base-backup.js';
import { standby } from '../../lib/tasks/standby.js';
import { type PgPair, pgPair } from '../helpers/pg-pair.js';

/** The standby's passfile: compared for real, only this host:port:user's line changed, written by the engine's writer. */
describe('standby passfile (a real standby data dir)', function () {
  this.timeout(180_000);
  let pair: PgPair;
  let passfile: string;
  const line = (pw: string) => `127.0.0.1:${pair.primary.port}:*:replicator:${pw}\n`;
  const args = (pw: string) => ({
    primary: {
      host: '127.0.0.1',
      port: pair.primary.port,
      user: 'replicator',
      passfile,
      password: new Secret(pw),
    },
  });
  before(async () => {
    pair = await pgPair();
    const bb = await baseBackup(pair.db2, { from: 'db1', method: 'lowlevel' });
    expect(bb.status, bb.error).to.equal('changed');
    passfile = join(dirname(pair.standbyDir), 'pgpass');
  });
  after(async () => {
    await pair?.destroy();
  });

  /** A user's own passfile (owned by postgres, 0600) with lines for other servers. */
  function userPassfile(text: string): void {
    writeFileSync(passfile, text, { mode: 0o600 });
    spawnSync('chown', ['postgres:postgres', passfile]);
  }

  it('other lines of an existing passfile survive; only this host:port:user line changes', async () => {
    const others = `# my servers\nother.example:5432:*:bob:b\\:ob\n*:*:app:app:apppw\n`;
    userPassfile(`${others}${line('old\\:pw')}`);
    const r = await standby(pair.db2, args('first:pw'));
    expect(r.status, r.error).to.equal('changed');
    expect(readFileSync(passfile, 'utf8')).to.equal(`${others}${line('first\\:pw')}`);
    expect(statSync(passfile).mode & 0o777).to.equal(0o600);
    const diff = renderDiff(r.actions);
    expect(diff).to.include(`${passfile}: content changes (hidden: sensitive)`);
    expect(diff).to.not.include('first').and.not.include('apppw');
    expect(JSON.stringify(r.actions)).to.not.include('first:pw').and.not.include('first\\\\:pw');
  });

  it('a rotated password is written (the old one is a known secret too), then the rerun is ok', async () => {
    userPassfile(line('old-pw'));
    await standby(pair.db2, args('old-pw'));
    expect((await standby(pair.db2, args('old-pw'))).status).to.equal('ok');
    const check = await standby(pair.db2, args('rotated-pw'), { check: true });
    expect(check.status).to.equal('changed');
    expect(readFileSync(passfile, 'utf8')).to.equal(line('old-pw'));
    const r = await standby(pair.db2, args('rotated-pw'));
    expect(r.status, r.error).to.equal('changed');
    expect(readFileSync(passfile, 'utf8')).to.equal(line('rotated-pw'));
    expect((await standby(pair.db2, args('rotated-pw'))).status).to.equal('ok');
  });

  it('a new line goes before an earlier line that would match this connection (libpq takes the first)', async () => {
    userPassfile('*:*:*:replicator:wildcard\n');
    const r = await standby(pair.db2, args('mine-9x7'));
    expect(r.status, r.error).to.equal('changed');
    expect(readFileSync(passfile, 'utf8')).to.equal(`${line('mine-9x7')}*:*:*:replicator:wildcard\n`);
  });
});
