import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { verifierMatches } from '../../lib/pg/scram.js';
import { type Cluster, createCluster } from '../../lib/sandbox/pg-cluster.js';
import { type CliRun, runCli } from '../helpers/cli.js';

const PASSWORD = 'Zq9-never-seen-pw';

/** Reads every process's argv now; processes that end meanwhile are skipped. */
async function sampleArgv(): Promise<string[]> {
  const pids = (await readdir('/proc')).filter((p) => /^\d+$/.test(p));
  const out = await Promise.all(
    pids.map((p) =>
      readFile(`/proc/${p}/cmdline`, 'utf8').then(
        (s) => s.split('\0').join(' '),
        () => '',
      ),
    ),
  );
  return out.filter((s) => s !== '');
}

describe('ensureUser keeps the password secret (log_statement = all, argv sampled, all output captured)', () => {
  let c: Cluster;
  let dir: string;
  before(async () => {
    c = await createCluster();
    await c.psql("ALTER SYSTEM SET log_statement = 'all'; SELECT pg_reload_conf();");
    dir = await mkdtemp(join(tmpdir(), 'secret-spec-'));
    const vars = `pg_port=${c.port} pg_socket_dir=${c.socketDir} pg_data_dir=${c.dataDir} pg_bin_dir=${c.bin} pg_os_user=${c.osUser}`;
    await writeFile(join(dir, 'hosts'), `db1 ansible_connection=local ${vars}\n`);
    const play = `- hosts: db1\n  tasks:\n    - name: app role\n      ensureUser:\n        name: app\n        password: "${PASSWORD}"\n`;
    await writeFile(join(dir, 'play.yml'), play);
  });
  after(async () => {
    await c?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the password is in no server log line, no argv and no output; the stored verifier is right', async () => {
    const argvSeen = new Set<string>();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) for (const a of await sampleArgv()) argvSeen.add(a);
    })();
    const runs: CliRun[] = [];
    const cli = (...args: string[]) => runCli(['play.yml', '-i', 'hosts', ...args], { cwd: dir });
    try {
      runs.push(await cli('--check', '--diff', '-vvv'));
      runs.push(await cli('--diff', '-vvv'));
      runs.push(await cli('--json', '--diff'));
    } finally {
      sampling = false;
      await sampler;
    }
    const [check, real, again] = runs;
    expect(check?.code, check?.stderr).to.equal(0);
    expect(check?.stdout).to.match(/PASSWORD '\*\*\*'/);
    expect(real?.code, real?.stderr).to.equal(0);
    expect(real?.stdout).to.match(/changed: \[db1\]/);
    expect(again?.code, again?.stderr).to.equal(0);
    expect(JSON.parse(again?.stdout ?? '')).to.be.an('object');
    const stored = (await c.psql("select rolpassword from pg_authid where rolname = 'app';")).trim();
    expect(verifierMatches(stored, PASSWORD, 'app')).to.equal(true);

    const log = await readFile(c.logFile, 'utf8');
    // the logging is on: the role probe is logged, the statement carrying the verifier is not
    expect(log).to.contain("current_setting('password_encryption')");
    expect(log).to.not.match(/CREATE ROLE/);
    expect(log).to.not.contain(PASSWORD);
    expect(log).to.not.contain('SCRAM-SHA-256$');
    expect(
      [...argvSeen].some((a) => a.includes('lib/cli.ts')),
      'the sampler saw the run',
    ).to.equal(true);
    expect([...argvSeen].filter((a) => a.includes(PASSWORD))).to.deep.equal([]);
    for (const r of runs) expect(r.stdout + r.stderr).to.not.contain(PASSWORD);
  });
});
