import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { renderDiff } from '../../lib/report/diff.js';
import { Secret } from '../../lib/secret.js';
import { baseBackup } from '../../lib/tasks/base-backup.js';
import { converge, filesSnapshot } from '../helpers/contract.js';
import { type PgPair, pgPair, REPL_PASSWORD } from '../helpers/pg-pair.js';

const sysid = (p: PgPair) =>
  p.primary.psql('SELECT system_identifier FROM pg_control_system()').then((s) => s.trim());

describe('baseBackup (two real clusters)', function () {
  this.timeout(180_000);
  let pair: PgPair;
  beforeEach(async () => {
    pair = await pgPair();
  });
  afterEach(async () => {
    await pair?.destroy();
  });

  it('pg_basebackup: converges, the check run creates nothing, rerun is a no-op by system identifier', async () => {
    const args = { from: 'db1', user: 'replicator', password: new Secret(REPL_PASSWORD) };
    const snap = filesSnapshot([pair.standbyDir, join(pair.standbyDir, 'PG_VERSION')]);
    const { check, again } = await converge(pair.db2, baseBackup, args, snap);
    const diff = renderDiff(check.actions);
    expect(diff).to.match(/\(prediction\) would copy ~\S+ \S+ from db1:/);
    expect(diff).to.not.include(REPL_PASSWORD);
    expect(again.reason).to.include(await sysid(pair));
    expect(readFileSync(join(pair.standbyDir, 'PG_VERSION'), 'utf8').trim()).to.equal('15');
    expect(existsSync(join(pair.standbyDir, 'standby.signal')), 'no -R').to.equal(false);
  });

  it('lowlevel: converges; backup_label is written byte-exact and the copy has no pid file', async () => {
    const args = { from: 'db1', method: 'lowlevel' as const };
    const snap = filesSnapshot([pair.standbyDir]);
    const { check, again } = await converge(pair.db2, baseBackup, args, snap);
    expect(renderDiff(check.actions)).to.include('low-level backup');
    expect(again.reason).to.include(await sysid(pair));
    const label = readFileSync(join(pair.standbyDir, 'backup_label'), 'utf8');
    expect(label).to.match(/^START WAL LOCATION: /);
    expect(label).to.include('BACKUP METHOD: streamed');
    expect(label).to.include('LABEL: run-playbook base backup');
    expect(statSync(join(pair.standbyDir, 'backup_label')).mode & 0o777).to.equal(0o600);
    expect(existsSync(join(pair.standbyDir, 'postmaster.pid'))).to.equal(false);
    expect(existsSync(join(pair.standbyDir, 'pg_wal')), 'directories are kept').to.equal(true);
    expect(existsSync(join(pair.standbyDir, 'pg_replslot'))).to.equal(true);
    // the primary is no longer in backup mode: a second backup can start
    await pair.primary.psql("SELECT pg_backup_start('x', true); SELECT pg_backup_stop(true);");
  });

  it('refuses a foreign non-empty data dir and leaves it untouched', async () => {
    pair.asPostgres(['mkdir', '-m', '0700', pair.standbyDir]);
    pair.asPostgres(['sh', '-c', `echo mine > ${pair.standbyDir}/keep.txt`]);
    const err = await baseBackup(pair.db2, { from: 'db1', method: 'lowlevel' }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.name).to.equal('ApplyError');
    expect(err?.message).to.match(/refusing to copy into .*: it is not empty; set replaceExisting/);
    expect(readFileSync(join(pair.standbyDir, 'keep.txt'), 'utf8')).to.equal('mine\n');
  });

  it('replaceExisting moves the old dir aside intact, never deleting it', async () => {
    pair.asPostgres(['mkdir', '-m', '0700', pair.standbyDir]);
    pair.asPostgres(['sh', '-c', `echo mine > ${pair.standbyDir}/keep.txt`]);
    const args = { from: 'db1', method: 'lowlevel' as const, replaceExisting: true };
    const check = await baseBackup(pair.db2, args, { check: true });
    expect(renderDiff(check.actions)).to.match(/move .*\/data → .*\/data\.replaced-\d{8}T\d{6}/);
    expect(existsSync(join(pair.standbyDir, 'PG_VERSION')), 'check run copied nothing').to.equal(false);
    const real = await baseBackup(pair.db2, args);
    expect(real.status, real.error).to.equal('changed');
    const moved = real.actions.find((a) => a.kind === 'movePath');
    if (moved?.kind !== 'movePath') throw new Error('no movePath action');
    expect(readFileSync(join(moved.to, 'keep.txt'), 'utf8')).to.equal('mine\n');
    expect(readFileSync(join(pair.standbyDir, 'PG_VERSION'), 'utf8').trim()).to.equal('15');
  });
});
