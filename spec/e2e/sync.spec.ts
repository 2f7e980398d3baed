import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { NodeStatus } from '../../lib/cli/status.js';
import { type SandboxState, sandboxDown, sandboxUp } from '../../lib/sandbox/sandbox.js';
import { hostsChanged, root as projectRoot, runCli } from '../helpers/cli.js';
import { binDirFor } from '../helpers/pg-bins.js';
import { eventually, nodeSql } from '../helpers/sandbox.js';

const sync = (mode: string, count: number, names: string[]) =>
  JSON.stringify({ pg_synchronous_mode: mode, pg_synchronous_count: count, pg_synchronous_standbys: names });

/**
 * Synchronous standbys on PostgreSQL 15 (Debian's) and 18, a primary and two standbys over the test sshd: synchronous_standby_names
 * built from inventory hosts, applied by a reload, shown by status with the topology; preflight warns on a name
 * that matches no standby.
 */
const describeMajor = (major: number) =>
  describe(`e2e: synchronous standbys and the topology in status (PostgreSQL ${major}, two standbys)`, function () {
    this.timeout(300_000);
    let s: SandboxState;
    let dir: string;
    const play = (...extra: string[]) =>
      runCli([
        join(projectRoot, 'playbooks', 'replication.yml'),
        '-i',
        s.inventory,
        '-e',
        `@${s.secrets}`,
        ...extra,
      ]);
    const primary = () => s.nodes[0]!;
    const syncStates = () =>
      nodeSql(s, primary(), 'select application_name, sync_state from pg_stat_replication order by 1');

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'rp-sync-'));
      chmodSync(dir, 0o755);
      const bin = major === 15 ? {} : { bin: binDirFor(major) };
      s = await sandboxUp({ root: join(dir, 'sandbox'), ssh: true, standbys: 2, ...bin });
    });
    after(async () => {
      if (s) await sandboxDown(s.root);
      rmSync(dir, { recursive: true, force: true });
    });

    it('preflight warns (the run goes on) about a name that matches no standby and a count above the standbys', async () => {
      const r = await play('--check', '--diff', '-e', sync('any', 2, ['pg2', 'nosuch']));
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(r.stdout).to.include(
        'preflight warning: synchronous standbys: nosuch matches no standby of the inventory (standbys: pg2, pg3)',
      );
      expect(r.stdout).to.include(
        'preflight warning: synchronous standbys: ANY 2 ("pg2", "nosuch") waits for 2 standby(s), the inventory has 1 of them',
      );
      expect(r.stdout).to.match(/synchronous_standby_names = 'ANY 2 \("pg2", "nosuch"\)'/);
    });

    it('a count above the names is an input error at the YAML position: exit 3, no host contacted', async () => {
      const r = await play('-e', sync('first', 3, ['pg2', 'pg3']));
      expect(r.code, r.stdout + r.stderr).to.equal(3);
      expect(r.stdout + r.stderr).to.match(
        /roles\/postgres_primary\/tasks\/main\.yml:\d+:\d+: pg_synchronous_count: 3 exceeds the 2 name\(s\)/,
      );
      expect(r.stdout).not.to.match(/TASK \[/);
    });

    it('converges with FIRST 1 (pg2): pg2 is sync, pg3 async, a commit on the primary succeeds', async () => {
      const r = await play('-e', sync('first', 1, ['pg2']));
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(await nodeSql(s, primary(), 'show synchronous_standby_names')).to.equal('FIRST 1 ("pg2")');
      const want = 'pg2|sync\npg3|async';
      expect(await eventually(async () => (await syncStates()) === want)).to.equal(true);
      expect(
        await nodeSql(s, primary(), 'create table t (v text); insert into t values ($$synced$$) returning v'),
      ).to.equal('synced');
      const seen = await eventually(() => nodeSql(s, s.nodes[1]!, 'select v from t').catch(() => ''));
      expect(seen).to.equal('synced');
    });

    it('status shows who streams from whom, timelines, sync state and ssl off on each walsender', async () => {
      const r = await runCli(['status', '-i', s.inventory]);
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(r.stdout.split('\n')[0], r.stdout).to.equal(
        'topology: pg1 is the primary (timeline 1); pg2, pg3 stream from pg1',
      );
      expect(r.stdout, r.stdout).to.match(
        new RegExp(`^pg1: primary \\(PostgreSQL ${major}\\.\\d+.*\\), timeline 1$`, 'm'),
      );
      expect(r.stdout, r.stdout).to.match(
        /^ {2}standby pg2 from 127\.0\.0\.1: streaming \(sync\), ssl off, lag \d+ bytes/m,
      );
      expect(r.stdout, r.stdout).to.match(
        /^ {2}standby pg3 from 127\.0\.0\.1: streaming \(async\), ssl off, lag \d+ bytes/m,
      );
      for (const sb of s.nodes.slice(1)) {
        expect(r.stdout, r.stdout).to.match(
          new RegExp(`^${sb.name}: standby \\(PostgreSQL ${major}\\.\\d+.*\\), timeline 1$`, 'm'),
        );
        expect(r.stdout).to.include(
          `wal receiver: streaming from pg1 (127.0.0.1:${primary().port}), timeline 1`,
        );
      }
      const json = await runCli(['status', '-i', s.inventory, '--json']);
      const nodes = JSON.parse(json.stdout) as NodeStatus[];
      expect(nodes.map((n) => [n.host, n.role, n.timeline])).to.deep.equal([
        ['pg1', 'primary', 1],
        ['pg2', 'standby', 1],
        ['pg3', 'standby', 1],
      ]);
      expect(nodes[0]?.replicas.map((x) => [x.name, x.sync, x.ssl])).to.deep.equal([
        ['pg2', 'sync', false],
        ['pg3', 'async', false],
      ]);
      expect(nodes[2]?.receiver?.from).to.equal('pg1');
    });

    it('a rerun with the same choice reports changed=0 on every host', async () => {
      const r = await play('-e', sync('first', 1, ['pg2']));
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(hostsChanged(r.stdout), r.stdout).to.deep.equal([0, 0, 0]);
    });

    it('a longer list makes pg3 potential, ANY 1 makes both quorum, off empties the setting, by a reload (the primary never restarts)', async () => {
      const started = await nodeSql(s, primary(), 'select pg_postmaster_start_time()');
      const r = await play('-e', sync('first', 1, ['pg2', 'pg3']));
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(await eventually(async () => (await syncStates()) === 'pg2|sync\npg3|potential')).to.equal(true);
      // one list for every node that can be primary: the primary's own name is left out
      const any = await play('-e', sync('any', 1, ['pg1', 'pg2', 'pg3']));
      expect(any.code, any.stdout + any.stderr).to.equal(0);
      expect(await nodeSql(s, primary(), 'show synchronous_standby_names')).to.equal('ANY 1 ("pg2", "pg3")');
      expect(await eventually(async () => (await syncStates()) === 'pg2|quorum\npg3|quorum')).to.equal(true);
      const off = await play('-e', sync('off', 1, []));
      expect(off.code, off.stdout + off.stderr).to.equal(0);
      expect(await nodeSql(s, primary(), 'show synchronous_standby_names')).to.equal('');
      expect(await eventually(async () => (await syncStates()) === 'pg2|async\npg3|async')).to.equal(true);
      expect(await nodeSql(s, primary(), 'select pg_postmaster_start_time()')).to.equal(started);
      const again = await play('-e', sync('off', 1, []));
      expect(hostsChanged(again.stdout), again.stdout).to.deep.equal([0, 0, 0]);
    });

    it('a standby promoted while the primary runs: status shows the split brain loudly, with timelines, and exits 2', async () => {
      const r = await runCli([
        join(projectRoot, 'playbooks', 'promote.yml'),
        '-i',
        s.inventory,
        '-e',
        'new_primary=pg3',
      ]);
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      const status = await runCli(['status', '-i', s.inventory]);
      expect(status.code, status.stdout).to.equal(2);
      expect(status.stdout.split('\n')[0], status.stdout).to.match(
        /^SPLIT BRAIN — more than one primary: pg3 \(timeline 2\), pg1 \(timeline 1\); /,
      );
      expect(status.stdout).to.match(/^pg3: primary \(SPLIT BRAIN: another primary runs\) .*, timeline 2$/m);
      expect(status.stdout).to.match(/^pg1: primary \(SPLIT BRAIN: another primary runs\) .*, timeline 1$/m);
    });
  });

describeMajor(15);
describeMajor(18);
