import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { type Cluster, createCluster } from '../../lib/sandbox/pg-cluster.js';
import { type SshdHandle, startSshd } from '../../lib/sandbox/sshd.js';
import { runCli, startCli } from '../helpers/cli.js';
import {
  exitKeptMasters,
  rpbDirs,
  sshClientsLeft,
  sshHostLine,
  writerTempFiles,
} from '../helpers/leftovers.js';
import { clusterVars } from '../helpers/pg-host.js';
import { eventually } from '../helpers/sandbox.js';

const recap = (out: string, host: string): string =>
  new RegExp(`^${host}\\s+: (.*)$`, 'm').exec(out)?.[1] ?? '';

/**
 * The PostgreSQL server of one host stops while the run is under way (the spec stops it while a task waits,
 * after an earlier task read the server): the next task that needs it fails on that host with the server's
 * own complaint, pg_hba.conf is whole, the other host finishes, exit 2, and once the server is back reruns
 * converge.
 */
describe('e2e: fault: the server stops during the run', function () {
  this.timeout(180_000);
  let sshd: SshdHandle;
  let db1: Cluster;
  let db2: Cluster;
  let work: string;
  let tmp: string;

  before(async () => {
    [sshd, db1, db2] = await Promise.all([startSshd(), createCluster(), createCluster()]);
    work = mkdtempSync(join(tmpdir(), 'rp-faults-pg-'));
    chmodSync(work, 0o755);
    tmp = mkdtempSync(join(work, 'tmp-'));
    const line = (name: string, c: Cluster) =>
      `${sshHostLine(name, sshd)} ansible_become_method=runuser ${Object.entries(clusterVars(c))
        .map(([k, v]) => `${k}=${JSON.stringify(String(v))}`)
        .join(' ')}`;
    writeFileSync(join(work, 'hosts'), `${line('db1', db1)}\n${line('db2', db2)}\n`);
    const wait = `touch ${work}/{{inventory_hostname}}.started; while [ ! -e ${work}/release ]; do sleep 0.1; done; touch ${work}/{{inventory_hostname}}.waited`;
    writeFileSync(
      join(work, 'site.yml'),
      `- hosts: all
  tasks:
    - name: read the server
      sql: { query: "select 1" }
    - name: wait for the spec
      command: { cmd: "${wait}", creates: "${work}/{{inventory_hostname}}.waited", timeout: 60 }
    - name: an hba rule
      hbaRule: { type: host, database: all, user: app, address: 10.1.2.0/24, method: scram-sha-256 }
    - name: a query after it
      sql: { query: "select 2" }
`,
    );
  });

  after(async () => {
    if (work) writeFileSync(join(work, 'release'), '');
    if (work) await exitKeptMasters(join(work, 'home'));
    await Promise.all([sshd?.stop(), db1?.destroy(), db2?.destroy()]);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  // the masters the runs keep (the default) live under this HOME, where the spec sees them
  const env = () => ({ TMPDIR: tmp, HOME: join(work, 'home') });
  const run = () => runCli(['site.yml', '-i', 'hosts'], { cwd: work, env: env() });

  it('fails on that host only, leaves no half-written file, exit 2; converges once the server is back', async () => {
    const cli = startCli(['site.yml', '-i', 'hosts'], { cwd: work, env: env() });
    const started = await eventually(
      async () => existsSync(join(work, 'db1.started')) && existsSync(join(work, 'db2.started')),
      300,
    );
    expect(started, cli.output()).to.equal(true);
    await db1.stop();
    writeFileSync(join(work, 'release'), '');
    const r = await cli.done;
    expect(r.code, r.stdout + r.stderr).to.equal(2);
    // the hba rule sees the server down (no reload), the query after it fails with psql's own words
    expect(r.stdout).to.match(
      /fatal: \[db1\]: FAILED! => command failed \(exit 2\): psql\n.*connection to server/,
    );
    expect(recap(r.stdout, 'db1')).to.match(/ok=3\s+changed=2\s+unreachable=0\s+failed=1/);
    expect(recap(r.stdout, 'db2')).to.match(/ok=4\s+changed=2\s+unreachable=0\s+failed=0/);
    const hba1 = readFileSync(join(db1.dataDir, 'pg_hba.conf'), 'utf8');
    expect(hba1.split('\n').filter((l) => l.includes('10.1.2.0/24'))).to.have.length(1);
    expect(writerTempFiles(db1.dataDir)).to.deep.equal([]);
    expect(rpbDirs(tmp)).to.deep.equal([]);
    expect(await sshClientsLeft(work)).to.deep.equal([]);
    await db1.start();
    const back = await run();
    expect(back.code, back.stdout + back.stderr).to.equal(0);
    expect(
      (await db1.psql("select count(*) from pg_hba_file_rules where address = '10.1.2.0'")).trim(),
    ).to.equal('1');
    const again = await run();
    expect(again.code, again.stdout).to.equal(0);
    for (const h of ['db1', 'db2']) expect(recap(again.stdout, h)).to.match(/ok=4\s+changed=0\s/);
  });
});
