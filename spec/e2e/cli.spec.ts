import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { root, runCli } from '../helpers/cli.js';

/** The command line as a user meets it: help, version, usage errors, listings, JSON, an unreachable host. */
describe('e2e: the command line', function () {
  this.timeout(60_000);
  let dir: string;
  let closed: Server;
  let closedPort = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rp-cli-'));
    chmodSync(dir, 0o755);
    // a port that accepts and drops: ssh fails there with its own message
    closed = createServer((s) => s.destroy());
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    closedPort = (closed.address() as { port: number }).port;
  });
  after(async () => {
    await new Promise((r) => closed.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('--help lists the options, every task and the exit codes; --version prints the version', async () => {
    const h = await runCli(['--help']);
    expect(h.code).to.equal(0);
    for (const word of [
      '--check',
      '--diff',
      '--limit',
      'ensureLine',
      'setConf',
      'baseBackup',
      'waitForReplication',
    ])
      expect(h.stdout).to.include(word);
    expect(h.stdout).to.match(/3\s+invalid playbook, inventory or variables/);
    const v = await runCli(['--version']);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(v.stdout.trim()).to.equal(`run-playbook ${pkg.version}`);
  });

  it('help TASK lists the arguments from the task schema; an unknown task exits 5 with a suggestion', async () => {
    const h = await runCli(['help', 'waitForReplication']);
    expect(h.code, h.stderr).to.equal(0);
    expect(h.stdout).to.match(/timeout\s+number >0, default 60\n\s+seconds to wait/);
    expect(h.stdout).to.match(/primary\s+string, required\n/);
    const u = await runCli(['help', 'waitForReplicaton']);
    expect(u.code).to.equal(5);
    expect(u.stderr.trim()).to.equal(
      "ERROR: help: unknown task 'waitForReplicaton'; did you mean 'waitForReplication'? (run-playbook --help lists the tasks)",
    );
  });

  it('bad usage exits 5 with one line', async () => {
    const r = await runCli(['site.yml', '--bogus']);
    expect(r.code).to.equal(5);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
    expect((await runCli(['site.yml'])).code).to.equal(5);
  });

  it('lists the example inventory as ansible-inventory does, and the hosts each play runs on', async () => {
    const inv = join(root, 'inventory/hosts.example');
    const l = await runCli(['inventory', '-i', inv, '--list']);
    expect(l.code, l.stderr).to.equal(0);
    const json = JSON.parse(l.stdout) as {
      _meta: { hostvars: Record<string, Record<string, unknown>> };
      primary: { hosts: string[] };
    };
    expect(json.primary.hosts).to.deep.equal(['db1']);
    expect(json._meta.hostvars.db2).to.include({ ansible_host: '203.0.113.11', pg_cluster: 'main' });
    const hosts = await runCli([join(root, 'playbooks/replication.yml'), '-i', inv, '--list-hosts']);
    expect(hosts.code, hosts.stderr).to.equal(0);
    expect(hosts.stdout).to.match(
      /play #1 \(primary:standby\): Preflight \(reads only\)[\s\S]*hosts \(2\):\s+db1\s+db2/,
    );
    // the controller's play (the TLS CA, made only with replication_sslmode other than disable)
    expect(hosts.stdout).to.match(
      /play #2 \(localhost\): TLS certificates \(on the controller\)[\s\S]*hosts \(1\):\s+localhost/,
    );
    expect(hosts.stdout).to.match(/play #3 \(primary\): PostgreSQL primary[\s\S]*hosts \(1\):\s+db1/);
    expect(hosts.stdout).to.match(/play #4 \(standby\): PostgreSQL standbys[\s\S]*hosts \(1\):\s+db2/);
    const syntax = await runCli([join(root, 'playbooks/promote.yml'), '--syntax-check']);
    expect(syntax.code, syntax.stderr).to.equal(0);
  });

  it('an unreachable host is reported with ssh’s message, the others go on, exit 4; --json is one report', async () => {
    writeFileSync(
      join(dir, 'hosts'),
      `[web]\nok1 ansible_connection=local\ndown1 ansible_host=127.0.0.1 ansible_port=${closedPort} ansible_user=root\n`,
    );
    writeFileSync(
      join(dir, 'site.yml'),
      `- hosts: web\n  tasks:\n    - file: { path: "${dir}/{{inventory_hostname}}.txt", content: "x" }\n`,
    );
    const r = await runCli(['site.yml', '-i', 'hosts'], { cwd: dir });
    expect(r.code, r.stdout + r.stderr).to.equal(4);
    expect(r.stdout).to.match(
      /fatal: \[down1\]: UNREACHABLE! => .*(Connection closed|kex_exchange_identification|Connection reset)/,
    );
    expect(r.stdout).to.match(/ok1\s+: ok=1\s+changed=1\s+unreachable=0/);
    expect(r.stdout).to.match(/down1\s+: ok=0\s+changed=0\s+unreachable=1/);
    const j = await runCli(['site.yml', '-i', 'hosts', '--json', '-l', 'ok1'], { cwd: dir });
    expect(j.code, j.stderr).to.equal(0);
    const report = JSON.parse(j.stdout) as { stats: Record<string, { ok: number; changed: number }> };
    expect(report.stats.ok1).to.include({ ok: 1, changed: 0 });
  });
});
