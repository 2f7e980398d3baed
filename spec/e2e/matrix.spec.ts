import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { pool } from '../../lib/engine/pool.js';
import { type SandboxState, sandboxDown, sandboxUp } from '../../lib/sandbox/sandbox.js';
import { hostsChanged, root as projectRoot, runCli } from '../helpers/cli.js';
import { binDirFor, MAJORS } from '../helpers/pg-bins.js';
import { eventually, nodeSql } from '../helpers/sandbox.js';

/**
 * The version matrix: the project's own replication.yml then promote.yml, with the playbook's defaults, on each
 * major 10–18 (only pg_bin_dir differs). Majors run a few at a time (MATRIX_PARALLEL, default 3: the CI machine
 * has 2 cores); each records its outcome and one `it` per major reports it.
 */
const PARALLEL = Number(process.env.MATRIX_PARALLEL ?? 3);
/** MATRIX_MAJORS="12 16" runs some majors only, while working on one. */
const SELECTED = process.env.MATRIX_MAJORS?.split(/[\s,]+/).map(Number) ?? [...MAJORS];

const playbook = (name: string) => join(projectRoot, 'playbooks', name);
const play = (s: SandboxState, name: string, ...extra: string[]) =>
  runCli([playbook(name), '-i', s.inventory, '-e', `@${s.secrets}`, ...extra]);
const ok = (r: { code: number; stdout: string; stderr: string }, what: string) =>
  expect(r.code, `${what}:\n${r.stdout}${r.stderr}`).to.equal(0);

/** The whole flow on one major; throws at the first wrong outcome. */
async function runMajor(major: number, s: SandboxState): Promise<void> {
  const [p, sb] = s.nodes as [SandboxState['nodes'][0], SandboxState['nodes'][0]];
  const copy = major <= 15 ? 'pg_basebackup' : 'lowlevel';
  const check = await play(s, 'replication.yml', '--check', '--diff');
  ok(check, `--check on ${major}`);
  // the defaults raise no warning on any major
  expect(check.stdout).not.to.include('[WARNING]');
  // preflight results, the copy method it chose and the slot, before anything changed
  expect(check.stdout).to.match(new RegExp(`preflight ok: copy method: ${copy}:`));
  expect(check.stdout).to.match(
    /preflight ok: pg_hba for pg2: .*\(scram-sha-256\); the password is stored as scram-sha-256/,
  );
  expect(check.stdout).to.match(/preflight ok: walsenders: /);
  expect(check.stdout).to.include('create physical replication slot pg2');
  expect(readdirSync(sb.vars.pg_data_dir as string), 'standby dir after --check').to.deep.equal([]);

  ok(await play(s, 'replication.yml'), `converge on ${major}`);
  expect(await nodeSql(s, p, 'select application_name, state from pg_stat_replication')).to.equal(
    'pg2|streaming',
  );
  expect(await nodeSql(s, sb, 'select status from pg_stat_wal_receiver')).to.equal('streaming');
  expect(await nodeSql(s, p, "select active from pg_replication_slots where slot_name = 'pg2'")).to.equal(
    't',
  );
  expect(
    await nodeSql(s, p, "select left(rolpassword, 14) from pg_authid where rolname = 'replicator'"),
  ).to.equal('SCRAM-SHA-256$');
  await nodeSql(s, p, 'create table proof (v text); insert into proof values ($$from the primary$$)');
  const segment = await nodeSql(s, p, 'select pg_walfile_name(pg_switch_wal())');
  const seen = await eventually(() => nodeSql(s, sb, 'select v from proof').catch(() => ''));
  expect(seen, `row on the standby (${major})`).to.equal('from the primary');
  const archived = await eventually(async () => existsSync(join(s.root, 'archive', segment)));
  expect(archived, `${segment} archived (${major})`).to.equal(true);

  const status = await runCli(['status', '-i', s.inventory]);
  ok(status, `status on ${major}`);
  // wal_status exists from 13 on
  expect(status.stdout).to.match(
    major >= 13
      ? /slot pg2: active, wal_status reserved, holds \d+ bytes/
      : /slot pg2: active, holds \d+ bytes/,
  );

  const rerun = await play(s, 'replication.yml');
  ok(rerun, `rerun on ${major}`);
  expect(hostsChanged(rerun.stdout), `rerun on ${major}`).to.deep.equal([0, 0]);

  ok(
    await runCli([playbook('promote.yml'), '-i', s.inventory, '-e', 'new_primary=pg2']),
    `promote on ${major}`,
  );
  expect(await nodeSql(s, sb, 'select pg_is_in_recovery()')).to.equal('f');
  expect(await nodeSql(s, sb, 'insert into proof values ($$after promotion$$) returning v')).to.equal(
    'after promotion',
  );
}

describe('e2e: version matrix, replication.yml then promote.yml on PostgreSQL 10–18', function () {
  this.timeout(1_200_000);
  const outcomes = new Map<number, Error | null>();
  let dir: string;

  before(async function () {
    this.timeout(1_200_000);
    dir = mkdtempSync(join(tmpdir(), 'rp-matrix-'));
    chmodSync(dir, 0o755);
    await pool(SELECTED, PARALLEL, async (major) => {
      let s: SandboxState | undefined;
      try {
        s = await sandboxUp({ root: join(dir, `pg${major}`), ssh: true, bin: binDirFor(major) });
        await runMajor(major, s);
        outcomes.set(major, null);
      } catch (e) {
        outcomes.set(major, e instanceof Error ? e : new Error(String(e)));
      } finally {
        if (s) await sandboxDown(s.root);
      }
    });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const major of SELECTED)
    it(`PostgreSQL ${major}: preflight, slot and copy method in --check; streams, archives, reruns changed=0, promotes`, () => {
      const e = outcomes.get(major);
      if (e === undefined) throw new Error(`PostgreSQL ${major} did not run`);
      if (e) throw e;
    });
});
