import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { expect } from 'chai';
import { defaultPassfile } from '../../lib/pg/standby-conf.js';
import { type SandboxNode, type SandboxState, sandboxDown, sandboxUp } from '../../lib/sandbox/sandbox.js';
import { hostsChanged, root as projectRoot, runCli } from '../helpers/cli.js';
import { eventually, nodeLog, nodeSql } from '../helpers/sandbox.js';

const playbook = (name: string) => join(projectRoot, 'playbooks', name);

/** Runs a playbook of the project against a sandbox's inventory, with its secrets file. */
const play = (s: SandboxState, name: string, ...extra: string[]) =>
  runCli([playbook(name), '-i', s.inventory, '-e', `@${s.secrets}`, ...extra]);

/**
 * A run's output without play banners (check runs mark theirs) and progress lines (timing-dependent), sorted:
 * hosts of one task report in the order they finish.
 */
const comparable = (out: string): string[] =>
  out
    .split('\n')
    .filter((l) => !/^PLAY \[|^progress:/.test(l))
    .sort();

const primaryOf = (s: SandboxState) => s.nodes.find((n) => n.group === 'primary')!;
const standbyOf = (s: SandboxState) => s.nodes.find((n) => n.group === 'standby')!;
const standbys = (s: SandboxState) => s.nodes.filter((n) => n.group === 'standby');
const dataDirOf = (n: SandboxNode) => n.vars.pg_data_dir ?? `/var/lib/postgresql/15/${n.cluster}`;

/**
 * The passfile a standby's primary_conninfo names must be its own: Debian keeps every cluster of a version in one
 * parent dir, and a file shared with a neighbour's setup could be rewritten under it (a rerun then changed it).
 */
async function expectOwnPassfile(s: SandboxState, sb: SandboxNode): Promise<void> {
  const conninfo = await nodeSql(s, sb, 'select current_setting($$primary_conninfo$$)');
  const passfile = /passfile=(\S+)/.exec(conninfo)?.[1] ?? '';
  for (const other of s.nodes.filter((n) => n !== sb))
    expect(passfile, `${sb.name}'s passfile`).to.not.equal(defaultPassfile(dataDirOf(other)));
  const lines = readFileSync(passfile, 'utf8').trim().split('\n');
  expect(lines.map((l) => l.split(':').slice(0, 4).join(':'))).to.deep.equal([
    `127.0.0.1:${primaryOf(s).port}:*:replicator`,
  ]);
}

/** What a check run must leave as it was: config files, roles, server start times, the standby's empty dir. */
async function fingerprint(s: SandboxState): Promise<string> {
  const p = primaryOf(s);
  const sb = standbyOf(s);
  const conf = (
    await nodeSql(
      s,
      p,
      'select config_file, hba_file from (select current_setting($$config_file$$) config_file, current_setting($$hba_file$$) hba_file) x',
    )
  ).split('|');
  const files = [
    ...conf,
    join(p.vars.pg_data_dir ?? `/var/lib/postgresql/15/${p.cluster}`, 'postgresql.auto.conf'),
  ];
  const hashes = files.map((f) => `${f}:${createHash('sha256').update(readFileSync(f)).digest('hex')}`);
  const standbyDir = sb.vars.pg_data_dir ?? `/var/lib/postgresql/15/${sb.cluster}`;
  return [
    ...hashes,
    `roles:${await nodeSql(s, p, 'select string_agg(rolname, $$,$$ order by rolname) from pg_roles')}`,
    `started:${await nodeSql(s, p, 'select pg_postmaster_start_time()')}`,
    `standby dir:${readdirSync(standbyDir).join(',')}`,
    `archive:${readdirSync(join(s.root, 'archive')).join(',')}`,
  ].join('\n');
}

/**
 * The files a server reads (and the passfile beside its data dir), as content hashes, and the names at the top of
 * its data dir: what a run must leave byte-identical on a server it must not touch.
 */
async function serverFiles(s: SandboxState, n: SandboxNode): Promise<string> {
  const [conf = '', hba = '', ident = '', data = ''] = (
    await nodeSql(
      s,
      n,
      "select concat_ws('|', current_setting('config_file'), current_setting('hba_file'), current_setting('ident_file'), current_setting('data_directory'))",
    )
  ).split('|');
  const paths = [
    conf,
    hba,
    ident,
    `${data}/postgresql.auto.conf`,
    `${data}/standby.signal`,
    `${data}/recovery.conf`,
  ];
  // the default passfile sits beside the data dir and belongs to this cluster alone (both layouts)
  paths.push(defaultPassfile(data));
  const hash = (p: string) =>
    existsSync(p) ? createHash('sha256').update(readFileSync(p)).digest('hex') : 'absent';
  return [
    ...paths.map((p) => `${basename(p)}: ${hash(p)}`),
    `data dir: ${readdirSync(data).sort().join(',')}`,
  ].join('\n');
}

function describeLayout(layout: 'initdb' | 'debian', count: number): void {
  describe(`e2e: replication.yml over ssh, ${layout} layout, ${count} standby(s)`, function () {
    this.timeout(300_000);
    let s: SandboxState;
    let dir: string;
    let checkOutput = '';

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'rp-repl-'));
      chmodSync(dir, 0o755);
      s = await sandboxUp({ root: join(dir, 'sandbox'), ssh: true, layout, standbys: count });
    });
    after(async () => {
      if (s) await sandboxDown(s.root);
      rmSync(dir, { recursive: true, force: true });
    });

    it('--check --diff on the fresh pair predicts every change and leaves everything as it was', async () => {
      const before = await fingerprint(s);
      const r = await play(s, 'replication.yml', '--check', '--diff');
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(r.stdout).to.include('CREATE ROLE "replicator" LOGIN REPLICATION PASSWORD \'***\'');
      expect(r.stdout).to.match(/\+host\s+replication\s+replicator\s+127\.0\.0\.1\/32\s+scram-sha-256/);
      expect(r.stdout).to.match(/\+archive_mode = on/);
      expect(r.stdout).to.match(/\(prediction\) would copy .* from pg1:/);
      expect(r.stdout).to.match(/\(prediction\) .*restart/);
      expect(r.stdout).to.match(/\(prediction\) the server starts/);
      expect(await fingerprint(s)).to.equal(before);
      checkOutput = r.stdout;
    });

    it('converges from scratch: every standby streams, rows and WAL reach it, the archive is used', async () => {
      const r = await play(s, 'replication.yml', '--diff');
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      // the dry run showed exactly what the real run did, line for line
      expect(comparable(r.stdout)).to.deep.equal(comparable(checkOutput));
      const p = primaryOf(s);
      const names = standbys(s).map((n) => `${n.name}|streaming`);
      expect(
        await nodeSql(s, p, 'select application_name, state from pg_stat_replication order by 1'),
      ).to.equal(names.join('\n'));
      await nodeSql(
        s,
        p,
        'create table if not exists proof (v text); insert into proof values ($$from the primary$$)',
      );
      const segment = await nodeSql(s, p, 'select pg_walfile_name(pg_switch_wal())');
      for (const sb of standbys(s)) {
        expect(await nodeSql(s, sb, 'select status from pg_stat_wal_receiver')).to.equal('streaming');
        expect(await nodeSql(s, sb, 'select pg_is_in_recovery()')).to.equal('t');
        const seen = await eventually(() => nodeSql(s, sb, 'select v from proof').catch(() => ''));
        expect(seen, `row on ${sb.name}`).to.equal('from the primary');
        expect(readFileSync(nodeLog(sb), 'utf8')).to.match(/restored log file "[0-9A-F]{24}" from archive/);
        await expectOwnPassfile(s, sb);
      }
      const archived = await eventually(async () => existsSync(join(s.root, 'archive', segment)));
      expect(archived, `${segment} in the archive`).to.equal(true);
      const status = await runCli(['status', '-i', s.inventory]);
      expect(status.code, status.stdout + status.stderr).to.equal(0);
      for (const sb of standbys(s))
        expect(status.stdout).to.match(new RegExp(`standby ${sb.name} from \\S+: streaming`));
      expect(status.stdout).to.match(/wal receiver: streaming/);
    });

    it("removing another cluster's passfile (as dropping that cluster does) leaves the standby's", async () => {
      // on Debian every cluster of a version lives in one parent dir: the primary's cluster is a neighbour
      rmSync(defaultPassfile(dataDirOf(primaryOf(s))), { force: true });
      for (const sb of standbys(s)) await expectOwnPassfile(s, sb);
    });

    it('a second run reports changed=0 on every host', async () => {
      const r = await play(s, 'replication.yml');
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(hostsChanged(r.stdout), r.stdout).to.deep.equal(s.nodes.map(() => 0));
    });

    it('promote.yml makes the standby writable', async () => {
      const r = await runCli([playbook('promote.yml'), '-i', s.inventory, '-e', 'new_primary=pg2']);
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      const sb = standbyOf(s);
      expect(await nodeSql(s, sb, 'select pg_is_in_recovery()')).to.equal('f');
      expect(await nodeSql(s, sb, 'insert into proof values ($$after promotion$$) returning v')).to.equal(
        'after promotion',
      );
    });

    it('after failover (pg1 still running: two primaries), replication.yml exits 2 in preflight naming both, and no byte of the promoted server changes', async () => {
      const sb = standbyOf(s);
      const before = await serverFiles(s, sb);
      expect(before).to.include('standby.signal: absent');
      for (const extra of [['--check', '--diff'], []]) {
        const r = await play(s, 'replication.yml', ...extra);
        expect(r.code, r.stdout + r.stderr).to.equal(2);
        // read from the servers before any write: the newest timeline first, the one a failover promoted
        expect(r.stdout).to.match(
          /fatal: \[pg\d\].*nothing was changed: more than one primary: pg2 \(timeline 2\), pg1 \(timeline 1\)/,
        );
        expect(r.stdout).to.include('playbooks/rejoin.yml');
        expect(await serverFiles(s, sb), `pg2 after ${extra.join(' ') || 'a real run'}`).to.equal(before);
        expect(await nodeSql(s, sb, 'select pg_is_in_recovery()')).to.equal('f');
      }
    });
  });
}

describeLayout('initdb', 2);
describeLayout('debian', 1);

describe('e2e: a wrong replication password', function () {
  this.timeout(300_000);
  let s: SandboxState;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rp-wrongpw-'));
    chmodSync(dir, 0o755);
    s = await sandboxUp({ root: join(dir, 'sandbox'), ssh: true });
  });
  after(async () => {
    if (s) await sandboxDown(s.root);
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails at waitForReplication with the standby log lines that say why, exit 2', async () => {
    const primary = await play(s, 'replication.yml', '-l', 'primary');
    expect(primary.code, primary.stdout + primary.stderr).to.equal(0);
    // the low-level copy needs no replication password, so the run gets as far as streaming
    const r = await play(
      s,
      'replication.yml',
      '-l',
      'standby',
      '-e',
      'replication_password=not-the-password',
      '-e',
      'pg_backup_method=lowlevel',
      '-e',
      'pg_replication_timeout=10',
    );
    expect(r.code, r.stdout + r.stderr).to.equal(2);
    expect(r.stdout).to.match(/TASK \[postgres_standby : streaming from the primary\][\s\S]*fatal: \[pg2\]/);
    expect(r.stdout).to.include('password authentication failed for user "replicator"');
    expect(r.stdout).not.to.include('not-the-password');
  });
});
