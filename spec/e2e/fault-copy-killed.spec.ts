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

const ppidOf = (pid: number): number => {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so read after the last ')'
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
};

/** Polls a condition (no fixed sleep decides anything); throws after `what` did not happen within a minute. */
async function until(what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`waited a minute for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Interrupts a copy at a point that used to look complete: the data, global/pg_control included, has arrived,
 * but the copy never finished. `hold` stops the process the copy's end waits on (SIGSTOP) as soon as it exists;
 * once `ready` holds, `victims` are killed. Whatever happens, nothing is left stopped.
 */
async function killMidCopy(hold: () => number[], ready: () => boolean, victims: () => number[]) {
  let held: number[] = [];
  try {
    await until('the copy to start', () => {
      held = hold();
      signal(held, 'SIGSTOP');
      return held.length > 0;
    });
    await until('the data and global/pg_control to arrive', ready);
    signal([...victims(), ...held], 'SIGKILL');
  } finally {
    signal(held, 'SIGCONT');
  }
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

  it('low-level copy: the sender killed after the data arrived, before the label; the run fails, the rerun moves the partial dir aside and converges', async () => {
    const run = play(s, '-l', 'standby', '-e', 'pg_backup_method=lowlevel');
    // the sending psql runs tar through \!, then pg_backup_stop: held, the label never comes
    const sender = () => pidsOf(['tar', '-C', primaryDir, '-cf']);
    const psqlOf = (tar: number) => ppidOf(ppidOf(tar));
    const control = join(standbyDir, 'global', 'pg_control');
    await killMidCopy(
      () =>
        sender()
          .map(psqlOf)
          .filter((p) => p > 0),
      () => sender().length === 0 && existsSync(control),
      () => [],
    );
    const r = await run;
    expect(r.code, r.stdout + r.stderr).to.equal(2);
    expect(r.stdout).to.match(/fatal: \[pg2\].*send pg1:/);
    const partial = partialLeft();
    expect(existsSync(join(standbyDir, 'backup_label'))).to.equal(false);
    await rerunConverges(partial);
  });

  it('pg_basebackup killed after pg_control arrived; the run fails, the rerun moves the partial dir aside and converges', async () => {
    const run = play(s, '-l', 'standby');
    // pg_basebackup -X stream forks a WAL streamer; held, the backup cannot finish after pg_control (sent last)
    const pgbb = () => pidsOf(['-D', standbyDir, '-X', 'stream']);
    const streamer = () => pgbb().filter((p) => pgbb().includes(ppidOf(p)));
    await killMidCopy(streamer, () => existsSync(join(standbyDir, 'global', 'pg_control')), pgbb);
    const r = await run;
    expect(r.code, r.stdout + r.stderr).to.equal(2);
    expect(r.stdout).to.match(/fatal: \[pg2\].*pg_basebackup/);
    await rerunConverges(partialLeft());
  });
});
