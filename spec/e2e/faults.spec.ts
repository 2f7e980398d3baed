import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { freePort } from '../../lib/sandbox/ports.js';
import { type SshdHandle, startSshd } from '../../lib/sandbox/sshd.js';
import { runCli, startCli } from '../helpers/cli.js';
import {
  exitKeptMasters,
  keptMasterSocket,
  killAll,
  rpbDirs,
  sshClientsLeft,
  sshHostLine,
  sshProcessesUnder,
  writerTempFiles,
} from '../helpers/leftovers.js';
import { eventually } from '../helpers/sandbox.js';

const recap = (out: string, host: string): string =>
  new RegExp(`^${host}\\s+: (.*)$`, 'm').exec(out)?.[1] ?? '';

/**
 * Faults over a real sshd: the ssh connection killed while a task applies, permission denied on a file, one
 * host of three unreachable. Each time: no half-written or temp file, the other hosts finish, the recap and the
 * exit code say what happened, and reruns converge. Waits are on files the remote commands create.
 */
describe('e2e: faults over ssh', function () {
  this.timeout(180_000);
  let sshd: SshdHandle;
  let work: string;
  let target: string;
  let tmp: string;
  let home: string;
  let env: Record<string, string>;

  before(async () => {
    sshd = await startSshd();
    work = mkdtempSync(join(tmpdir(), 'rp-faults-'));
    chmodSync(work, 0o755); // the users we become (postgres) pass through
    // the runs keep their masters (the default) under this HOME, where the spec can find and kill them
    home = join(work, 'home');
  });
  beforeEach(() => {
    target = mkdtempSync(join(work, 'target-'));
    chmodSync(target, 0o755);
    tmp = mkdtempSync(join(work, 'tmp-'));
    env = { TMPDIR: tmp, HOME: home };
  });
  afterEach(async () => {
    writeFileSync(join(target, 'release'), '');
    // whatever a run did, it must not leave its private dir or an ssh client behind (masters are kept)
    expect(rpbDirs(tmp), 'private dir left').to.deep.equal([]);
    expect(await sshClientsLeft(work), 'ssh client left').to.deep.equal([]);
  });
  after(async () => {
    if (home) await exitKeptMasters(home);
    await sshd?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const files = () => `    - name: a config file
      file: { path: "${target}/{{inventory_hostname}}.conf", content: "a = 1\\n" }
    - name: a line in it
      ensureLine: { path: "${target}/{{inventory_hostname}}.ini", line: "b = 2", create: true }
`;
  const setup = (hosts: string, tasks: string, play = '') => {
    writeFileSync(join(work, 'hosts'), hosts);
    writeFileSync(join(work, 'site.yml'), `- hosts: all\n${play}  tasks:\n${tasks}`);
  };
  const run = (...extra: string[]) => runCli(['site.yml', '-i', 'hosts', ...extra], { cwd: work, env });

  it('ssh killed mid-apply: that host is unreachable, the others finish; exit 4; reruns converge', async () => {
    const wait = `touch ${target}/{{inventory_hostname}}.started; while [ ! -e ${target}/release ]; do sleep 0.1; done`;
    setup(
      `${sshHostLine('web1', sshd)}\n${sshHostLine('web2', sshd)}\n`,
      `${files()}    - name: wait for the spec
      command: { cmd: "${wait}", creates: "${target}/{{inventory_hostname}}.done", timeout: 60 }
    - name: mark done
      file: { path: "${target}/{{inventory_hostname}}.done", content: "done\\n" }
`,
    );
    const cli = startCli(['site.yml', '-i', 'hosts'], { cwd: work, env });
    const started = await eventually(
      async () => existsSync(join(target, 'web1.started')) && existsSync(join(target, 'web2.started')),
      300,
    );
    expect(started, cli.output()).to.equal(true);
    // kill the ssh clients that carry web1's sessions (the command runs in one of them), then its kept master
    const web1 = sshProcessesUnder(keptMasterSocket(home, 'web1', sshd.hostVars()));
    const [clients, masters] = [
      web1.filter((p) => !/\[mux\]/.test(p.args)),
      web1.filter((p) => /\[mux\]/.test(p.args)),
    ];
    expect(clients, `no ssh client of web1 in ${JSON.stringify(web1)}`).to.have.length.above(0);
    expect(masters, 'no ssh master of web1').to.have.length(1);
    killAll([...clients, ...masters]);
    await cli.waitFor(/\[web1\]: UNREACHABLE!/);
    writeFileSync(join(target, 'release'), '');
    const r = await cli.done;
    expect(r.code, r.stdout + r.stderr).to.equal(4);
    expect(recap(r.stdout, 'web1')).to.match(/ok=2\s+changed=2\s+unreachable=1\s+failed=0/);
    expect(recap(r.stdout, 'web2')).to.match(/ok=4\s+changed=4\s+unreachable=0\s+failed=0/);
    expect(existsSync(join(target, 'web1.done'))).to.equal(false);
    expect(readFileSync(join(target, 'web2.done'), 'utf8')).to.equal('done\n');
    expect(writerTempFiles(target)).to.deep.equal([]);
    const again = await run();
    expect(again.code, again.stdout).to.equal(0);
    expect(recap(again.stdout, 'web1')).to.match(/changed=2\s/);
    const third = await run();
    expect(third.code, third.stdout).to.equal(0);
    for (const h of ['web1', 'web2']) expect(recap(third.stdout, h)).to.match(/ok=4\s+changed=0\s/);
  });

  it('ssh killed during a file write: the file is old or whole, never cut; no temp file stays', async () => {
    const big = `${'x'.repeat(1023)}\n`.repeat(16 * 1024); // 16 MiB: long enough to be cut on its way
    writeFileSync(join(work, 'big.json'), JSON.stringify({ big }));
    const path = join(target, 'web1.big');
    writeFileSync(path, 'old\n');
    setup(
      `${sshHostLine('web1', sshd)}\n`,
      `    - name: a big file\n      file: { path: "${target}/{{inventory_hostname}}.big", content: "{{ big }}" }\n`,
    );
    const args = ['site.yml', '-i', 'hosts', '-e', '@big.json'];
    const cli = startCli(args, { cwd: work, env });
    // the writer's temp file appears as the content starts to arrive: cut the connection then
    expect(await eventually(async () => writerTempFiles(target).length > 0, 1500, 20), cli.output()).to.equal(
      true,
    );
    killAll(sshProcessesUnder(work)); // the run's clients and its master
    const r = await cli.done;
    expect(r.code, r.stdout + r.stderr).to.be.oneOf([0, 4]);
    expect(readFileSync(path, 'utf8') === (r.code === 0 ? big : 'old\n'), 'the file was cut').to.equal(true);
    // the host's side notices its stdin ended early and removes the temp file
    expect(await eventually(async () => writerTempFiles(target).length === 0)).to.equal(true);
    const again = await runCli(args, { cwd: work, env });
    expect(again.code, again.stdout).to.equal(0);
    expect(readFileSync(path, 'utf8') === big).to.equal(true);
  });

  it('permission denied on a file: that host fails, its file untouched; the others finish; exit 2', async () => {
    for (const h of ['web1', 'web2']) mkdirSync(join(target, h));
    // web1's directory belongs to postgres; web2's stays root's: postgres cannot create a file there
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(join(target, 'web1'), uid, -1);
    const locked = join(target, 'web2', 'app.conf');
    writeFileSync(locked, 'old\n');
    setup(
      `${sshHostLine('web1', sshd)}\n${sshHostLine('web2', sshd)}\n`,
      `    - name: a config file
      file: { path: "${target}/{{inventory_hostname}}/app.conf", content: "new\\n" }
    - name: a second file
      file: { path: "${target}/{{inventory_hostname}}.second", content: "x\\n" }
      become: false
`,
      '  become: true\n  become_user: postgres\n  become_method: runuser\n',
    );
    const r = await run();
    expect(r.code, r.stdout + r.stderr).to.equal(2);
    expect(r.stdout).to.match(/fatal: \[web2\]: FAILED! => .*\n.*web2\/\.run-playbook.*: Permission denied/);
    expect(recap(r.stdout, 'web2')).to.match(/ok=0\s+changed=0\s+unreachable=0\s+failed=1/);
    expect(recap(r.stdout, 'web1')).to.match(/ok=2\s+changed=2\s+unreachable=0\s+failed=0/);
    expect(readFileSync(locked, 'utf8')).to.equal('old\n');
    expect(existsSync(join(target, 'web2.second'))).to.equal(false);
    for (const d of [target, join(target, 'web1'), join(target, 'web2')])
      expect(writerTempFiles(d)).to.deep.equal([]);
    chownSync(join(target, 'web2'), uid, -1);
    const fixed = await run();
    expect(fixed.code, fixed.stdout).to.equal(0);
    expect(readFileSync(locked, 'utf8')).to.equal('new\n');
    const again = await run();
    for (const h of ['web1', 'web2']) expect(recap(again.stdout, h)).to.match(/ok=2\s+changed=0\s/);
  });

  it('one host of three unreachable: the two others finish; exit 4; reruns converge', async () => {
    const closed = await freePort();
    const web3 = sshHostLine('web3', sshd).replace(/ansible_port="\d+"/, `ansible_port="${closed}"`);
    setup(`${sshHostLine('web1', sshd)}\n${sshHostLine('web2', sshd)}\n${web3}\n`, files());
    const r = await run();
    expect(r.code, r.stdout + r.stderr).to.equal(4);
    expect(r.stdout).to.match(/fatal: \[web3\]: UNREACHABLE!/);
    expect(recap(r.stdout, 'web3')).to.match(/ok=0\s+changed=0\s+unreachable=1\s+failed=0/);
    for (const h of ['web1', 'web2']) {
      expect(recap(r.stdout, h)).to.match(/ok=2\s+changed=2\s+unreachable=0\s+failed=0/);
      expect(readFileSync(join(target, `${h}.conf`), 'utf8')).to.equal('a = 1\n');
      expect(readFileSync(join(target, `${h}.ini`), 'utf8')).to.equal('b = 2\n');
    }
    expect(existsSync(join(target, 'web3.conf'))).to.equal(false);
    // the host comes back (the right port from -e): the rerun does its part only
    const back = await run('-e', `ansible_port=${sshd.port}`);
    expect(back.code, back.stdout).to.equal(0);
    expect(recap(back.stdout, 'web1')).to.match(/ok=2\s+changed=0\s/);
    expect(recap(back.stdout, 'web3')).to.match(/ok=2\s+changed=2\s/);
    const again = await run('-e', `ansible_port=${sshd.port}`);
    for (const h of ['web1', 'web2', 'web3']) expect(recap(again.stdout, h)).to.match(/ok=2\s+changed=0\s/);
  });
});
