import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { type SandboxNode, type SandboxState, sandboxDown, sandboxUp } from '../../lib/sandbox/sandbox.js';
import { hostsChanged, root as projectRoot, runCli } from '../helpers/cli.js';
import { binDirFor } from '../helpers/pg-bins.js';
import { eventually, nodeSql } from '../helpers/sandbox.js';

const play = (s: SandboxState, inventory: string, name: string, ...extra: string[]) =>
  runCli([join(projectRoot, 'playbooks', name), '-i', inventory, '-e', `@${s.secrets}`, ...extra]);

const node = (s: SandboxState, name: string) => s.nodes.find((n) => n.name === name) as SandboxNode;

/** The inventory with `primary` alone in [primary] and the others in [standby] (host lines moved, vars kept). */
function inventoryWith(s: SandboxState, primary: string): string {
  const text = readFileSync(s.inventory, 'utf8');
  const hostLine = (n: string) => text.split('\n').find((l) => l.startsWith(`${n} `)) as string;
  const others = s.nodes.map((n) => n.name).filter((n) => n !== primary);
  const vars = text.slice(text.indexOf('[all:vars]'));
  const out = ['[primary]', hostLine(primary), '', '[standby]', ...others.map(hostLine), '', vars].join('\n');
  const file = join(s.root, `hosts-${primary}`);
  writeFileSync(file, out);
  return file;
}

/** The application names that stream from a node (its pg_stat_replication), sorted. */
async function followersOf(s: SandboxState, n: SandboxNode): Promise<string> {
  return nodeSql(
    s,
    n,
    "select coalesce(string_agg(application_name, ',' order by application_name), '') from pg_stat_replication where state = 'streaming'",
  );
}

/** What a run that must write nothing leaves as it was: who is in recovery, server start times, conf files. */
async function snapshot(s: SandboxState): Promise<string> {
  const out: string[] = [];
  for (const n of s.nodes) {
    const [rec, started, conf] = (
      await nodeSql(
        s,
        n,
        "select concat_ws('|', pg_is_in_recovery(), pg_postmaster_start_time(), current_setting('config_file'))",
      )
    ).split('|');
    out.push(`${n.name} ${rec} ${started} ${readFileSync(conf as string, 'utf8').length}`);
  }
  return out.join('\n');
}

/** Switches to `to` and checks that the two others stream from it and that `row` is on all three. */
async function switchTo(s: SandboxState, inventory: string, to: string, row: string): Promise<string> {
  const r = await play(s, inventory, 'switchover.yml', '-e', `new_primary=${to}`);
  expect(r.code, r.stdout + r.stderr).to.equal(0);
  if (process.env.RP_SWITCH_OUT) writeFileSync(`${process.env.RP_SWITCH_OUT}-${to}.txt`, r.stdout);
  const p = node(s, to);
  expect(await nodeSql(s, p, 'select pg_is_in_recovery()')).to.equal('f');
  const others = s.nodes.filter((n) => n.name !== to).map((n) => n.name);
  const streaming = await eventually(async () => (await followersOf(s, p)) === others.join(','));
  expect(streaming, `${others.join(',')} stream from ${to}: ${await followersOf(s, p)}`).to.equal(true);
  // slots: one per follower on the new primary; none left on a follower (a standby's slot holds its WAL back)
  const slots =
    "select coalesce(string_agg(slot_name, ',' order by slot_name), '') from pg_replication_slots";
  expect(await nodeSql(s, p, slots)).to.equal(others.join(','));
  for (const n of s.nodes.filter((x) => x !== p)) expect(await nodeSql(s, n, slots), n.name).to.equal('');
  for (const n of s.nodes) {
    const seen = await eventually(() =>
      nodeSql(s, n, `select count(*) from proof where v = '${row}'`).then((c) => c === '1'),
    );
    expect(seen, `row '${row}' on ${n.name}`).to.equal(true);
  }
  return r.stdout;
}

function describeSwitchover(major: number): void {
  describe(`e2e: switchover.yml over ssh, PostgreSQL ${major}, a primary and two standbys`, function () {
    this.timeout(600_000);
    let s: SandboxState;
    let dir: string;
    let edited = '';

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'rp-switch-'));
      chmodSync(dir, 0o755);
      s = await sandboxUp({ root: join(dir, 'sandbox'), ssh: true, standbys: 2, bin: binDirFor(major) });
      const r = await play(s, s.inventory, 'replication.yml');
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      await nodeSql(s, node(s, 'pg1'), 'create table proof (v text)');
    });
    after(async () => {
      if (s) await sandboxDown(s.root);
      rmSync(dir, { recursive: true, force: true });
    });

    it('--check shows the gates and the whole sequence as predictions, and changes nothing', async () => {
      const before = await snapshot(s);
      const r = await play(s, s.inventory, 'switchover.yml', '-e', 'new_primary=pg2', '--check', '--diff');
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(r.stdout).to.match(/gate ok: pg2: streams from pg1/);
      expect(r.stdout).to.match(/gate ok: pg1: archive has no backlog/);
      expect(r.stdout).to.match(/\(prediction\) the server stops \(fast shutdown\)/);
      expect(r.stdout).to.match(
        /\(prediction\) would wait until pg2 has received and replayed pg1's shutdown checkpoint/,
      );
      expect(r.stdout).to.match(/\(prediction\) the standby leaves recovery/);
      expect(r.stdout).to.match(/\(prediction\) the server starts/);
      expect(r.stdout).to.include(
        '(prediction) inventory: pg2 is the primary now: move pg2 to [primary] and pg1 to [standby]',
      );
      expect(await snapshot(s)).to.equal(before);
    });

    it('a switchover to the primary it already is (pg1) is ok and changes nothing', async () => {
      const before = await snapshot(s);
      const r = await play(s, s.inventory, 'switchover.yml', '-e', 'new_primary=pg1');
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(hostsChanged(r.stdout), r.stdout).to.deep.equal(s.nodes.map(() => 0));
      expect(await snapshot(s)).to.equal(before);
    });

    it('a gate that fails (the candidate lags) changes nothing and names the host and what to do', async () => {
      const before = await snapshot(s);
      const pg2 = node(s, 'pg2');
      await nodeSql(s, pg2, 'select pg_wal_replay_pause()');
      try {
        // WAL pg2 receives but does not replay: its replay lag is over a bound of 0 bytes
        await nodeSql(s, node(s, 'pg1'), "insert into proof values ('while pg2 replays nothing')");
        const lagging = await eventually(async () => {
          const lag = await nodeSql(
            s,
            node(s, 'pg1'),
            "select coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), 0) > 0 from pg_stat_replication where application_name = 'pg2'",
          );
          return lag === 't';
        });
        expect(lagging, 'pg2 lags').to.equal(true);
        const r = await play(
          s,
          s.inventory,
          'switchover.yml',
          '-e',
          'new_primary=pg2',
          '-e',
          'switchover_max_lag_bytes=0',
        );
        expect(r.code, r.stdout + r.stderr).to.equal(2);
        expect(r.stdout).to.match(/switchover gates failed, nothing was changed/);
        expect(r.stdout).to.match(
          /pg2: replay lag \d+ bytes over the bound 0 \(switchover_max_lag_bytes\): wait until it catches up/,
        );
      } finally {
        await nodeSql(s, pg2, 'select pg_wal_replay_resume()');
      }
      expect(await snapshot(s)).to.equal(before);
    });

    it('switches pg1 → pg2: the old primary and pg3 follow pg2, the row written before is on all three', async () => {
      await nodeSql(s, node(s, 'pg1'), "insert into proof values ('before the first switchover')");
      const out = await switchTo(s, s.inventory, 'pg2', 'before the first switchover');
      expect(out).to.match(/no rewind needed/);
      expect(out).to.match(
        /inventory: pg2 is the primary now \(timeline 2\): move pg2 to \[primary\] and pg1 to \[standby\]/,
      );
    });

    it('a rerun of switchover.yml changes nothing', async () => {
      const r = await play(s, s.inventory, 'switchover.yml', '-e', 'new_primary=pg2');
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(hostsChanged(r.stdout), r.stdout).to.deep.equal(s.nodes.map(() => 0));
    });

    it('replication.yml with the unchanged inventory refuses with the exact inventory change and writes nothing', async () => {
      const before = await snapshot(s);
      const r = await play(s, s.inventory, 'replication.yml');
      expect(r.code, r.stdout + r.stderr).to.equal(2);
      expect(r.stdout).to.include(
        'pg2 is the primary now (timeline 2): move pg2 to [primary] and pg1 to [standby]',
      );
      expect(r.stdout).to.include('nothing was changed');
      expect(await snapshot(s)).to.equal(before);
    });

    it('with the inventory edited, replication.yml reruns with changed=0', async () => {
      edited = inventoryWith(s, 'pg2');
      const r = await play(s, edited, 'replication.yml');
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(hostsChanged(r.stdout), r.stdout).to.deep.equal(s.nodes.map(() => 0));
    });

    it('switches back pg2 → pg1: both follow, the row written on pg2 is on all three', async () => {
      await nodeSql(s, node(s, 'pg2'), "insert into proof values ('before the switch back')");
      const out = await switchTo(s, edited, 'pg1', 'before the switch back');
      expect(out).to.match(
        /inventory: pg1 is the primary now \(timeline 3\): move pg1 to \[primary\] and pg2 to \[standby\]/,
      );
      expect(await nodeSql(s, node(s, 'pg1'), 'select count(*) from proof')).to.equal('3');
    });
  });
}

describeSwitchover(15);
describeSwitchover(17);
