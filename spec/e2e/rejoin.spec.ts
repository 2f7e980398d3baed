import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { expect } from 'chai';
import { parseRewindOutput } from '../../lib/pg/rewind-cmd.js';
import { type SandboxNode, type SandboxState, sandboxDown, sandboxUp } from '../../lib/sandbox/sandbox.js';
import { hostsChanged, root as projectRoot, runCli } from '../helpers/cli.js';
import { binDirFor } from '../helpers/pg-bins.js';
import { eventually, nodeSql } from '../helpers/sandbox.js';

const playbook = (name: string) => join(projectRoot, 'playbooks', name);
const play = (s: SandboxState, name: string, ...extra: string[]) =>
  runCli([playbook(name), '-i', s.inventory, '-e', `@${s.secrets}`, ...extra]);
const node = (s: SandboxState, name: string) => s.nodes.find((n) => n.name === name)!;

/**
 * A run's output as a check run must predict it: without play banners (check runs mark theirs), progress lines
 * (the check run labels its path a prediction, the real run adds what pg_rewind did) and the moved-aside dir's
 * time stamp (taken when each run plans).
 */
const comparable = (out: string): string[] =>
  out
    .split('\n')
    .filter((l) => !/^PLAY \[|^progress:/.test(l))
    .map((l) => l.replace(/\.replaced-\d{8}T\d{6}/g, '.replaced-<time>'));

/** Where a node's data dir is, in either layout. */
const dataDirOf = (n: SandboxNode): string => n.vars.pg_data_dir ?? `/var/lib/postgresql/15/${n.cluster}`;

/** Stops (`immediate`: a crash) or starts a sandbox node as its server user: pg_ctl, or pg_ctlcluster on Debian. */
function server(s: SandboxState, n: SandboxNode, what: 'crash' | 'start'): void {
  const argv = n.cluster
    ? [
        'pg_ctlcluster',
        ...(what === 'crash' ? ['-m', 'immediate'] : []),
        '15',
        n.cluster,
        what === 'crash' ? 'stop' : 'start',
      ]
    : [
        join(n.vars.pg_bin_dir!, 'pg_ctl'),
        '-D',
        dataDirOf(n),
        ...(what === 'crash'
          ? ['-m', 'immediate', '-w', 'stop']
          : ['-l', n.vars.pg_log_file ?? `${dataDirOf(n)}.log`, '-w', 'start']),
      ];
  const r =
    process.getuid?.() === 0
      ? spawnSync('runuser', ['-u', s.osUser, '--', ...argv], { cwd: '/' })
      : spawnSync(argv[0]!, argv.slice(1), { cwd: '/' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} on ${n.name}: ${r.stdout}${r.stderr}`);
}

/** Content hashes of a node's config files and the names in its data dir: what a run must not change. */
function files(n: SandboxNode): string {
  const dir = dataDirOf(n);
  const etc = n.cluster ? `/etc/postgresql/15/${n.cluster}` : dir;
  const hash = (p: string) =>
    existsSync(p) ? createHash('sha256').update(readFileSync(p)).digest('hex') : 'absent';
  const names = ['postgresql.auto.conf', 'standby.signal', 'backup_label'];
  return [
    ...['postgresql.conf', 'pg_hba.conf'].map((f) => `${f}: ${hash(join(etc, f))}`),
    ...names.map((f) => `${f}: ${hash(join(dir, f))}`),
    `data dir: ${readdirSync(dir).sort().join(',')}`,
  ].join('\n');
}

/** The data dirs of a node moved aside (`<data dir>.replaced-<stamp>`). */
const asideOf = (n: SandboxNode): string[] =>
  readdirSync(dirname(dataDirOf(n))).filter((f) => f.startsWith(`${basename(dataDirOf(n))}.replaced-`));

function describeRejoin(
  major: number,
  expectedPath: 'rewind' | 'copy',
  layout: 'initdb' | 'debian' = 'initdb',
): void {
  describe(`e2e: rejoin.yml after a forced failover, PostgreSQL ${major} (${expectedPath}, ${layout} layout)`, function () {
    this.timeout(600_000);
    let s: SandboxState;
    let dir: string;
    let checkOutput = '';

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'rp-rejoin-'));
      chmodSync(dir, 0o755);
      s = await sandboxUp({
        root: join(dir, 'sandbox'),
        ssh: true,
        standbys: 2,
        layout,
        ...(layout === 'initdb' ? { bin: binDirFor(major) } : {}),
      });
      const r = await play(s, 'replication.yml');
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      const pg1 = node(s, 'pg1');
      await nodeSql(s, pg1, 'create table proof (v text); insert into proof values ($$before failover$$)');
      // the row is on pg2 before the crash
      const seen = await eventually(() =>
        nodeSql(s, node(s, 'pg2'), 'select count(*) from proof').catch(() => ''),
      );
      expect(seen).to.equal('1');
    });
    after(async () => {
      if (s) await sandboxDown(s.root);
      rmSync(dir, { recursive: true, force: true });
    });

    it('a forced failover leaves a split brain: pg1 restarted alone takes a row pg2 never gets', async () => {
      const [pg1, pg2] = [node(s, 'pg1'), node(s, 'pg2')];
      server(s, pg1, 'crash');
      const r = await runCli([playbook('promote.yml'), '-i', s.inventory, '-e', 'new_primary=pg2']);
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      await nodeSql(s, pg2, 'insert into proof values ($$on the new primary$$)');
      server(s, pg1, 'start');
      await nodeSql(s, pg1, 'insert into proof values ($$stray$$); select pg_switch_wal()');
      expect(await nodeSql(s, pg1, 'select pg_is_in_recovery()')).to.equal('f');
      expect(await nodeSql(s, pg2, 'select pg_is_in_recovery()')).to.equal('f');
    });

    it('refuses to rewind pg2, the newer primary of the split, onto the stray pg1', async () => {
      const pg2 = node(s, 'pg2');
      const before = files(pg2);
      const r = await play(s, 'rejoin.yml', '-e', 'host=pg2');
      expect(r.code, r.stdout + r.stderr).to.equal(2);
      expect(r.stdout).to.match(
        /pg2 is a primary on timeline 2, pg1 on 1: pg2 is the newer one; nothing written/,
      );
      expect(files(pg2)).to.equal(before);
      expect(await nodeSql(s, pg2, 'select pg_is_in_recovery()')).to.equal('f');
    });

    it('--check predicts the path, names the primary and writes nothing', async () => {
      const pg1 = node(s, 'pg1');
      const before = files(pg1);
      const started = await nodeSql(s, pg1, 'select pg_postmaster_start_time()');
      const r = await play(s, 'rejoin.yml', '-e', 'host=pg1', '--check', '--diff');
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(r.stdout, r.stdout).to.include(`rejoin: (prediction) path ${expectedPath}`);
      expect(r.stdout, r.stdout).to.include(
        'pg2 is the primary now (timeline 2): move pg2 to [primary] and pg1 to [standby]',
      );
      expect(r.stdout, r.stdout).to.match(/\(prediction\) would stop the server running in/);
      checkOutput = r.stdout;
      expect(files(pg1)).to.equal(before);
      expect(await nodeSql(s, pg1, 'select pg_postmaster_start_time()')).to.equal(started);
      expect(await nodeSql(s, pg1, 'select v from proof where v = $$stray$$')).to.equal('stray');
    });

    it(`rejoin.yml makes pg1 a standby of pg2 (${expectedPath}): the stray row is gone, it streams from pg2`, async () => {
      const [pg1, pg2, pg3] = [node(s, 'pg1'), node(s, 'pg2'), node(s, 'pg3')];
      const pg3Before = files(pg3);
      const r = await play(s, 'rejoin.yml', '-e', 'host=pg1', '--diff');
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      // the dry run showed what the real run did, line for line
      expect(comparable(r.stdout)).to.deep.equal(comparable(checkOutput));
      if (expectedPath === 'rewind') {
        const m =
          /rejoin: pg_rewind from pg2: rewound \S+ \S+ \((\d+) bytes\), diverged at \S+ on timeline 1/.exec(
            r.stdout,
          );
        expect(m, r.stdout).to.not.equal(null);
        expect(Number(m?.[1])).to.be.greaterThan(0);
        // the figure comes from pg_rewind's own output, kept beside the data dir
        const log = readFileSync(`${dataDirOf(pg1)}.rewind.log`, 'utf8');
        expect(parseRewindOutput(log)).to.deep.include({ done: true, bytes: Number(m?.[1]) });
        console.log(`      pg_rewind: ${m?.[0]}`);
      } else {
        expect(r.stdout).to.include('rejoin: copied afresh from pg2');
        expect(asideOf(pg1), 'the old data dir moved aside').to.have.length(1);
      }
      expect(await nodeSql(s, pg1, 'select pg_is_in_recovery()')).to.equal('t');
      expect(await nodeSql(s, pg1, 'select status from pg_stat_wal_receiver')).to.equal('streaming');
      expect(
        await nodeSql(s, pg2, 'select state from pg_stat_replication where application_name = $$pg1$$'),
      ).to.equal('streaming');
      await nodeSql(s, pg2, 'insert into proof values ($$after rejoin$$)');
      const rows = await eventually(async () => {
        const v = await nodeSql(s, pg1, 'select string_agg(v, $$,$$ order by v) from proof');
        return v.includes('after rejoin') ? v : '';
      });
      expect(rows).to.equal('after rejoin,before failover,on the new primary');
      // its own port and socket again, not pg2's
      expect(await nodeSql(s, pg1, 'show port')).to.equal(String(pg1.port));
      expect(files(pg3), 'pg3 untouched').to.equal(pg3Before);
    });

    it('a rerun is ok with changed=0', async () => {
      const r = await play(s, 'rejoin.yml', '-e', 'host=pg1');
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(r.stdout).to.include('rejoin: path standby');
      expect(hostsChanged(r.stdout), r.stdout).to.deep.equal([0]);
    });

    it('refuses to touch pg2, the only primary', async () => {
      const pg2 = node(s, 'pg2');
      const before = files(pg2);
      const r = await play(s, 'rejoin.yml', '-e', 'host=pg2');
      expect(r.code, r.stdout + r.stderr).to.equal(2);
      expect(r.stdout).to.include('pg2: no other node is a running primary');
      expect(files(pg2)).to.equal(before);
      expect(await nodeSql(s, pg2, 'select pg_is_in_recovery()')).to.equal('f');
    });

    it('a crashed primary that was not restarted rejoins too (pg_rewind finishes its crash recovery first)', async () => {
      const [pg1, pg2] = [node(s, 'pg1'), node(s, 'pg2')];
      // pg_rewind needs wal_log_hints on pg2: its own configuration has it when copied from pg1 (initdb layout);
      // Debian keeps it in /etc, where the standby role never set it: then the fallback, a fresh copy
      const hints = await nodeSql(s, pg2, 'show wal_log_hints');
      const path = expectedPath === 'rewind' && hints === 'on' ? 'rewind' : 'copy';
      server(s, pg2, 'crash');
      const p = await runCli([playbook('promote.yml'), '-i', s.inventory, '-e', 'new_primary=pg1']);
      expect(p.code, p.stdout + p.stderr).to.equal(0);
      await nodeSql(s, pg1, 'insert into proof values ($$second failover$$)');
      const r = await play(s, 'rejoin.yml', '-e', 'host=pg2');
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      // the npm builds have no pg_controldata: the state is read only where it is there
      expect(r.stdout, r.stdout).to.match(
        new RegExp(`rejoin: path ${path}: pg2 is a stopped primary \\((in production|pg_control unread)\\)`),
      );
      if (path === 'rewind')
        expect(r.stdout).to.match(
          /rejoin: pg_rewind from pg1: (rewound \S+ \S+ \(\d+ bytes\)|no rewind required)/,
        );
      else expect(asideOf(pg2), "pg2's old data dir moved aside").to.have.length(1);
      if (path === 'copy' && expectedPath === 'rewind')
        expect(r.stdout).to.include('neither wal_log_hints = on nor data checksums');
      expect(await nodeSql(s, pg2, 'select pg_is_in_recovery()')).to.equal('t');
      const seen = await eventually(() =>
        nodeSql(s, pg2, 'select count(*) from proof where v = $$second failover$$').catch(() => ''),
      );
      expect(seen).to.equal('1');
      expect(
        await nodeSql(s, pg1, 'select state from pg_stat_replication where application_name = $$pg2$$'),
      ).to.equal('streaming');
      const again = await play(s, 'rejoin.yml', '-e', 'host=pg2');
      expect(again.code, again.stdout + again.stderr).to.equal(0);
      expect(hostsChanged(again.stdout), again.stdout).to.deep.equal([0]);
    });
  });
}

describeRejoin(15, 'rewind');
// pg_ctlcluster, and configuration files outside the data dir (pg_rewind does not copy them there)
describeRejoin(15, 'rewind', 'debian');
// the npm builds of 16-18 carry no pg_rewind: the fallback path, a fresh copy with the old dir moved aside
describeRejoin(16, 'copy');
