import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseSentFiles } from '../../lib/engine/copy.js';
import { copyCluster } from '../../lib/model/actions.js';
import { sh } from '../../lib/model/command.js';
import { backupSql, lowLevelScript, pgBasebackupCmd, pgpassLine, tarSendCmd } from '../../lib/pg/backup.js';
import { readReplication } from '../../lib/pg/replication.js';
import { pgTarget } from '../../lib/pg/target.js';
import { renderDiff } from '../../lib/report/diff.js';
import { Secret } from '../../lib/secret.js';

describe('base backup: pure parts', () => {
  it('low-level start/stop SQL per version (renamed in 15)', () => {
    expect(backupSql(11, 'l', true)).to.deep.equal({
      start: "SELECT pg_start_backup('l', true, false);",
      stop: 'SELECT labelfile, spcmapfile FROM pg_stop_backup(false, true)',
    });
    expect(backupSql(14, 'l', false).start).to.equal("SELECT pg_start_backup('l', false, false);");
    expect(backupSql(15, 'l', true)).to.deep.equal({
      start: "SELECT pg_backup_start('l', true);",
      stop: 'SELECT labelfile, spcmapfile FROM pg_backup_stop(true)',
    });
    expect(backupSql(16, 'l', true).start).to.equal("SELECT pg_backup_start('l', true);");
  });

  it('the psql script keeps one session: start, tar on stdout, label on stderr', () => {
    const s = lowLevelScript(12, '/d', true).split('\n');
    expect(s[0]).to.equal('\\o /dev/null');
    expect(s[2]).to.equal("SELECT pg_start_backup('run-playbook base backup', true, false);");
    expect(s[3]).to.match(/^\\! tar -C \/d -cf - --anchored/);
    expect(s[4]).to.equal('\\o | cat >&2');
    expect(s[5]).to.include('FROM pg_stop_backup(false, true)');
    expect(s[5]).to.include("'RPB-FILE backup_label '");
  });

  it('tar leaves out what the docs say, keeping the directories', () => {
    const root = mkdtempSync(join(tmpdir(), 'bbx-'));
    try {
      const d = join(root, 'data');
      for (const dir of [
        'pg_wal/archive_status',
        'pg_replslot/s',
        'pg_stat_tmp',
        'base/1/pgsql_tmp',
        'global',
      ])
        mkdirSync(join(d, dir), { recursive: true });
      for (const f of [
        'pg_wal/000000010000000000000001',
        'postmaster.pid',
        'postmaster.opts',
        'backup_label',
        'pg_stat_tmp/x',
        'base/1/1259',
        'global/pg_internal.init',
        'global/pg_control',
        'PG_VERSION',
      ])
        writeFileSync(join(d, f), 'x');
      const r = spawnSync('sh', ['-c', `(${tarSendCmd(d)}) | tar -tf -`]);
      const names = r.stdout.toString().split('\n').filter(Boolean).sort();
      expect(names).to.include.members([
        './pg_wal/',
        './pg_replslot/',
        './pg_stat_tmp/',
        './base/1/1259',
        './global/pg_control',
        './PG_VERSION',
      ]);
      for (const gone of [
        './postmaster.pid',
        './postmaster.opts',
        './backup_label',
        './pg_stat_tmp/x',
        './global/pg_internal.init',
      ])
        expect(names).to.not.include(gone);
      expect(
        names.some(
          (n) => n.startsWith('./pg_wal/0') || n.includes('pgsql_tmp') || n.startsWith('./pg_replslot/s'),
        ),
      ).to.equal(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('reads RPB-FILE lines from stderr byte-exact, skipping empty ones', () => {
    const label = 'START WAL LOCATION: 0/2000028\nLABEL: x\n';
    const err = `WARNING: x\nRPB-FILE backup_label ${Buffer.from(label).toString('base64')}\nRPB-FILE tablespace_map \n`;
    const files = parseSentFiles(err);
    expect(files.map((f) => [f.name, f.content.toString()])).to.deep.equal([['backup_label', label]]);
  });

  it('escapes the passfile line and keeps the password secret', () => {
    const line = pgpassLine('h:1', 5432, 'u\\x', new Secret('p:w\\'));
    expect(line.toString()).to.equal('h\\:1:5432:*:u\\\\x:***\n');
  });

  it('pg_basebackup: -X stream, no -R, password file from stdin, never in argv', () => {
    const t = pgTarget({ pg_bin_dir: '/b' });
    const c = pgBasebackupCmd(t, '/d', {
      host: 'h',
      port: 5,
      user: 'r',
      applicationName: 'db 2',
      fromStdin: true,
      fast: true,
    }).sh;
    expect(c).to.include('-X stream -c fast');
    expect(c).to.include("-d 'application_name='\\''db 2'\\'''");
    expect(c).to.include('cat > "$pf"; PGPASSFILE="$pf"');
    expect(c).to.not.match(/ -R\b/);
  });

  it('renders a copy as a labelled prediction', () => {
    const a = copyCluster({
      from: 'db1',
      source: 'db1:/p',
      targetDir: '/s',
      send: { cmd: sh`true` },
      receive: { cmd: sh`true` },
      prediction: 'would copy ~30 MB from db1:/p to /s',
    });
    expect(renderDiff([a])).to.include(
      'copy db1:/p → /s\n  (prediction) would copy ~30 MB from db1:/p to /s',
    );
  });
});

describe('waitForReplication: reading both sides', () => {
  const ok = (stdout: string) => ({ code: 0, stdout, stderr: '' });
  it('streams when both sides say so, with the lag', () => {
    const r = readReplication(ok('streaming\x1f0\x1f00:00:00.0012\x1fasync\n'), ok('streaming\n'));
    expect(r.streaming).to.equal(true);
    expect(r.data).to.deep.equal({
      state: 'streaming',
      receiver: 'streaming',
      lagBytes: 0,
      replayLag: '00:00:00.0012',
      syncState: 'async',
    });
  });
  it('is not streaming until the standby has replied: no replay position yet, no lag to report', () => {
    const r = readReplication(ok('streaming\x1f\x1f\x1fasync\n'), ok('streaming\n'));
    expect(r.streaming).to.equal(false);
    expect(r.data.lagBytes).to.equal(null);
    expect(r.summary).to.equal(
      'walsender on the primary: streaming (no reply from the standby yet); walreceiver on the standby: streaming',
    );
  });
  it('says what is missing', () => {
    const r = readReplication(ok(''), { code: 2, stdout: '', stderr: 'psql: error: connection refused\n' });
    expect(r.streaming).to.equal(false);
    expect(r.summary).to.equal(
      'walsender on the primary: none; walreceiver on the standby: standby: psql: error: connection refused',
    );
  });
});
