import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Host } from '../../lib/engine/connect.js';
import { renderDiff } from '../../lib/report/diff.js';
import { type Cluster, createCluster } from '../../lib/sandbox/pg-cluster.js';
import { promote } from '../../lib/tasks/promote.js';
import { converge, filesSnapshot } from '../helpers/contract.js';
import { pgHost } from '../helpers/pg-host.js';

const BIN = '/usr/lib/postgresql/15/bin';

/** promote on a real standby made with pg_basebackup -R from a test primary. */
describe('promote (e2e)', function () {
  this.timeout(180_000);
  let primary: Cluster;
  let standby: Cluster;
  before(async () => {
    primary = await createCluster();
    standby = await createCluster({ start: false });
    spawnSync('rm', ['-rf', standby.dataDir]);
    const bb = spawnSync(
      'runuser',
      [
        '-u',
        'postgres',
        '--',
        `${BIN}/pg_basebackup`,
        '-D',
        standby.dataDir,
        '-R',
        '-X',
        'stream',
        '-h',
        primary.socketDir,
        '-p',
        String(primary.port),
        '-U',
        'postgres',
      ],
      { cwd: '/', encoding: 'utf8' },
    );
    expect(bb.status, bb.stderr).to.equal(0);
    writeFileSync(
      `${standby.dataDir}/postgresql.conf`,
      `\nport = ${standby.port}\nunix_socket_directories = '${standby.socketDir}'\n`,
      { flag: 'a' },
    );
    chmodSync(standby.dataDir, 0o700);
    await standby.start();
  });
  after(async () => {
    await standby?.destroy();
    await primary?.destroy();
  });

  it('promotes a standby (converge), and is ok on a primary', async () => {
    expect((await standby.psql('select pg_is_in_recovery()')).trim()).to.equal('t');
    const host: Host = await pgHost(standby);
    try {
      const r = await converge(host, promote, {}, filesSnapshot([`${standby.dataDir}/standby.signal`]));
      expect(renderDiff(r.check.actions)).to.match(/pg_promote\(true, 60\)/);
      expect(r.again.reason).to.equal('not a standby: the server answers and is not in recovery');
      expect((await standby.psql('select pg_is_in_recovery()')).trim()).to.equal('f');
      await standby.psql('create table after_promotion (x int)');
    } finally {
      await host.close();
    }
    const ph = await pgHost(primary);
    try {
      const r = await promote(ph, {});
      expect(r.status).to.equal('ok');
      expect(r.reason).to.equal('not a standby: the server answers and is not in recovery');
    } finally {
      await ph.close();
    }
  });

  /** promote's outcome (check run and real run) on a host, as an error message or the status. */
  async function outcome(host: Host): Promise<string[]> {
    const out: string[] = [];
    for (const check of [true, false]) {
      const r = await promote(host, {}, { check }).catch((e: Error) => e);
      out.push(r instanceof Error ? `${r.name}: ${r.message}` : `${r.status}: ${r.error ?? r.reason}`);
    }
    return out;
  }

  it('fails, in --check too, when no server answers: a stopped primary, an empty data dir', async () => {
    const stopped = await createCluster({ start: false });
    const empty = mkdtempSync(join(tmpdir(), 'promote-empty-'));
    const h1 = await pgHost(stopped);
    const h2 = await pgHost(stopped, { pg_data_dir: empty });
    try {
      for (const o of await outcome(h1))
        expect(o).to.match(/^ApplyError: promote: no server answers in .*data: .*; start it first/);
      for (const o of await outcome(h2))
        expect(o).to.match(/^ApplyError: promote: no server answers in .*promote-empty-.*: no cluster there/);
    } finally {
      await h1.close();
      await h2.close();
      await stopped.destroy();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
