import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { expect } from 'chai';
import { type SandboxState, sandboxDown, sandboxUp } from '../../lib/sandbox/sandbox.js';
import { root as projectRoot, runCli } from '../helpers/cli.js';
import { eventually, nodeSql } from '../helpers/sandbox.js';

const play = (s: SandboxState, ...extra: string[]) =>
  runCli([
    join(projectRoot, 'playbooks', 'replication.yml'),
    '-i',
    s.inventory,
    '-e',
    `@${s.secrets}`,
    ...extra,
  ]);

/** Pids whose argv (NUL-separated in /proc) contains every one of `parts` as a whole argument. */
function pidsOf(parts: readonly string[]): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (parts.every((p) => argv.includes(p))) out.push(Number(d));
  }
  return out;
}

const signal = (pids: readonly number[], sig: NodeJS.Signals) => {
  for (const p of pids) {
    try {
      process.kill(p, sig);
    } catch {
      // it ended meanwhile
    }
  }
};

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Holds the copy's sending side in small steps (SIGSTOP/SIGCONT) until the target holds global/pg_control — the
 * file whose system identifier made an interrupted copy look complete — then kills `victims` mid-copy.
 */
async function killMidCopy(
  sender: readonly string[],
  target: string,
  victims: readonly string[],
): Promise<void> {
  let pids: number[] = [];
  for (let i = 0; i < 6000 && pids.length === 0; i++) {
    pids = pidsOf(sender);
    if (pids.length === 0) await tick(5);
  }
  if (pids.length === 0) throw new Error(`the copy never started (${sender.join(' ')})`);
  signal(pids, 'SIGSTOP');
  for (let i = 0; i < 3000 && !existsSync(join(target, 'global', 'pg_control')); i++) {
    pids = pidsOf(sender);
    signal(pids, 'SIGCONT');
    await tick(2);
    signal(pids, 'SIGSTOP');
    await tick(10);
  }
  if (!existsSync(join(target, 'global', 'pg_control'))) throw new Error('pg_control never arrived');
  signal(pidsOf(victims), 'SIGKILL');
  signal(pidsOf(sender), 'SIGKILL');
}

/** Every file under a dir with its content hash: the bytes that must never be deleted. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(`${relative(dir, p)} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`);
    }
  };
  walk(dir);
  return out.sort();
}

describe('fault: a copy killed halfway (real sshd, real servers)', function () {
  this.timeout(600_000);
  let s: SandboxState;
  let dir: string;
  let primaryDir: string;
  let standbyDir: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rp-copykill-'));
    chmodSync(dir, 0o755);
    s = await sandboxUp({ root: join(dir, 'sandbox'), ssh: true });
    const [p, sb] = s.nodes;
    primaryDir = p?.vars.pg_data_dir ?? '';
    standbyDir = sb?.vars.pg_data_dir ?? '';
    const primary = await play(s, '-l', 'primary');
    expect(primary.code, primary.stdout + primary.stderr).to.equal(0);
    // enough data that the copy is still under way when it is held
    await nodeSql(
      s,
      p!,
      "create table big as select g, (select string_agg(md5(g::text || i::text), '') from generate_series(1, 30) i) v from generate_series(1, 60000) g",
    );
  });
  afterEach(async () => {
    if (s) await sandboxDown(s.root);
    rmSync(dir, { recursive: true, force: true });
  });

  /** The rerun after the kill: the partial dir moved aside intact, a new copy streams, no server ever ran on it. */
  async function rerunConverges(partial: string[]): Promise<void> {
    const sb = s.nodes[1]!;
    const r = await play(s, '-l', 'standby', '-v');
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.match(
      /holds an interrupted copy \(no run-playbook\.copied\): moved aside, never deleted/,
    );
    const aside = readdirSync(dirname(standbyDir)).filter((n) => /^data\.incomplete-\d{8}T\d{6}$/.test(n));
    expect(aside).to.have.length(1);
    expect(tree(join(dirname(standbyDir), aside[0]!)), 'the partial copy, byte for byte').to.deep.equal(
      partial,
    );
    expect(await nodeSql(s, sb, 'select pg_is_in_recovery()')).to.equal('t');
    const rows = await eventually(() => nodeSql(s, sb, 'select count(*) from big').catch(() => ''));
    expect(rows).to.equal('60000');
  }

  /** What the failed run left: no server on the partial copy, no completion marker, pg_control present. */
  function partialLeft(): string[] {
    expect(existsSync(join(standbyDir, 'global', 'pg_control'))).to.equal(true);
    expect(existsSync(join(standbyDir, 'run-playbook.copied'))).to.equal(false);
    expect(existsSync(join(standbyDir, 'postmaster.pid')), 'a server started on the partial copy').to.equal(
      false,
    );
    expect(existsSync(join(standbyDir, 'standby.signal'))).to.equal(false);
    return tree(standbyDir);
  }

  it('low-level copy: the receiving tar killed; the run fails, the rerun moves the partial dir aside and converges', async () => {
    const run = play(s, '-l', 'standby', '-e', 'pg_backup_method=lowlevel');
    await killMidCopy(['tar', '-C', primaryDir, '-cf'], standbyDir, ['tar', '-C', standbyDir, '-xf']);
    const r = await run;
    expect(r.code, r.stdout + r.stderr).to.equal(2);
    expect(r.stdout).to.match(/fatal: \[pg2\].*receive into/);
    const partial = partialLeft();
    expect(existsSync(join(standbyDir, 'backup_label'))).to.equal(false);
    await rerunConverges(partial);
  });

  it('pg_basebackup killed after pg_control arrived; the run fails, the rerun moves the partial dir aside and converges', async () => {
    const run = play(s, '-l', 'standby');
    const pgbb = ['-D', standbyDir, '-X', 'stream'];
    await killMidCopy(pgbb, standbyDir, pgbb);
    const r = await run;
    expect(r.code, r.stdout + r.stderr).to.equal(2);
    expect(r.stdout).to.match(/fatal: \[pg2\].*pg_basebackup/);
    await rerunConverges(partialLeft());
  });
});
