import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { type SandboxState, sandboxDown, sandboxUp } from '../../lib/sandbox/sandbox.js';
import { root as projectRoot, runCli } from '../helpers/cli.js';
import { binDirFor } from '../helpers/pg-bins.js';
import { nodeSql } from '../helpers/sandbox.js';

/**
 * Preflight on a fresh PostgreSQL 16 pair (Debian's pg_basebackup 15 refuses 16): a run that cannot succeed
 * fails in the first play, names host, what was found and what to set, and changes nothing on any host —
 * in --check and in a real run.
 */
describe('e2e: a fresh PostgreSQL 16 pair: preflight fails before any change, unlisted slots are reported', function () {
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

  /** Config files, roles, slots, server start time, the standby's dir: what a write would change. */
  async function fingerprint(): Promise<string> {
    const [p, sb] = s.nodes as [SandboxState['nodes'][0], SandboxState['nodes'][0]];
    const data = p.vars.pg_data_dir as string;
    const files = ['postgresql.conf', 'postgresql.auto.conf', 'pg_hba.conf'].map(
      (f) =>
        `${f}:${createHash('sha256')
          .update(readFileSync(join(data, f)))
          .digest('hex')}`,
    );
    return [
      ...files,
      await nodeSql(s, p, 'select string_agg(rolname, $$,$$ order by rolname) from pg_roles'),
      await nodeSql(s, p, 'select count(*) from pg_replication_slots'),
      await nodeSql(s, p, 'select pg_postmaster_start_time()'),
      readdirSync(sb.vars.pg_data_dir as string).join(','),
    ].join('\n');
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rp-preflight-'));
    chmodSync(dir, 0o755);
    s = await sandboxUp({ root: join(dir, 'sandbox'), ssh: true, bin: binDirFor(16) });
  });
  after(async () => {
    if (s) await sandboxDown(s.root);
    rmSync(dir, { recursive: true, force: true });
  });

  const refused = async (mode: string[], extra: string[], message: RegExp) => {
    const before = await fingerprint();
    const r = await play(...mode, ...extra);
    expect(r.code, r.stdout + r.stderr).to.equal(2);
    expect(r.stdout).to.match(message);
    expect(r.stdout).to.match(/preflight failed, nothing was changed/);
    // the first play stopped the run: no task of the primary's play ran
    expect(r.stdout).not.to.match(/TASK \[postgres_primary/);
    expect(await fingerprint()).to.equal(before);
  };

  for (const mode of [['--check'], []])
    it(`pg_basebackup asked for on a 16 primary with a 15 client: exit 2, primary untouched (${mode[0] ?? 'real run'})`, () =>
      refused(
        mode,
        ['-e', 'pg_backup_method=pg_basebackup'],
        /pg2: preflight FAILED: copy method: pg_basebackup 15 on the standby cannot copy from server 16 \(it refuses a newer server\); set pg_backup_method: auto/,
      ));

  it('standby binaries of another major than the primary: exit 2 on the standby, naming pg_bin_dir', () =>
    refused(
      [],
      ['-e', 'pg_bin_dir=/usr/lib/postgresql/15/bin'],
      /pg2: preflight FAILED: major version: server binaries 15, primary 16; set pg_bin_dir \(or pg_version\) to PostgreSQL 16 binaries/,
    ));

  it('a standby data dir that is not empty: exit 2, naming pg_replace_existing', async () => {
    const stray = join(s.nodes[1]!.vars.pg_data_dir as string, 'left-over');
    writeFileSync(stray, 'x');
    try {
      await refused(
        [],
        [],
        /pg2: preflight FAILED: data dir: nonempty; empty it, or set pg_replace_existing: true/,
      );
    } finally {
      rmSync(stray);
    }
  });

  it('a slot no standby of the inventory uses is reported by replication.yml and status, dropped only when asked', async () => {
    const p = s.nodes[0]!;
    await nodeSql(s, p, "select pg_create_physical_replication_slot('old_standby')");
    const kept = await play('--check', '--diff');
    expect(kept.code, kept.stdout + kept.stderr).to.equal(0);
    expect(kept.stdout).to.match(
      /slot old_standby is used by no standby of the inventory \(inactive\); drop it with dropUnlisted/,
    );
    expect(kept.stdout).not.to.include('drop replication slot old_standby');
    const status = await runCli(['status', '-i', s.inventory]);
    expect(status.stdout).to.match(/slot old_standby: inactive.* — no host of the inventory uses it/);
    const dropping = await play('--check', '--diff', '-e', 'pg_drop_unlisted_slots=true');
    expect(dropping.code, dropping.stdout + dropping.stderr).to.equal(0);
    expect(dropping.stdout).to.include('drop replication slot old_standby (no standby uses it)');
    expect(await nodeSql(s, p, 'select slot_name from pg_replication_slots')).to.equal('old_standby');
    await nodeSql(s, p, "select pg_drop_replication_slot('old_standby')");
  });

  it('with pg_replication_slots=false the pair converges and streams without a slot', async () => {
    const [p, sb] = s.nodes as [SandboxState['nodes'][0], SandboxState['nodes'][0]];
    const r = await play('-e', 'pg_replication_slots=false');
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(await nodeSql(s, p, 'select application_name, state from pg_stat_replication')).to.equal(
      'pg2|streaming',
    );
    expect(await nodeSql(s, p, 'select count(*) from pg_replication_slots')).to.equal('0');
    expect(await nodeSql(s, sb, 'show primary_slot_name')).to.equal('');
  });
});
