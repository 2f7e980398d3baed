import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { type SshdHandle, startSshd } from '../../lib/sandbox/sshd.js';
import { startCli } from '../helpers/cli.js';
import {
  exitKeptMasters,
  rpbDirs,
  sshClientsLeft,
  sshHostLine,
  writerTempFiles,
} from '../helpers/leftovers.js';
import { eventually } from '../helpers/sandbox.js';

/**
 * SIGINT and SIGTERM in the middle of a run over ssh: the run stops starting tasks, lets (or, on a second
 * signal, makes) what is in flight end, closes its ssh masters, removes its private directory, prints the
 * recap and exits 128 + the signal's number. The spec waits on files the remote command creates, never on time.
 */
describe('e2e: a signal stops a run cleanly', function () {
  this.timeout(120_000);
  let sshd: SshdHandle;
  let work: string;
  let target: string;
  let tmp: string;

  before(async () => {
    sshd = await startSshd();
    work = mkdtempSync(join(tmpdir(), 'rp-signals-'));
    target = join(work, 'target');
    tmp = join(work, 'tmp');
    mkdirSync(target);
    writeFileSync(join(work, 'hosts'), `[web]\n${sshHostLine('web1', sshd)}\n${sshHostLine('web2', sshd)}\n`);
    const wait = `touch ${target}/{{inventory_hostname}}.started; while [ ! -e ${target}/release ]; do sleep 0.1; done; touch ${target}/{{inventory_hostname}}.finished`;
    writeFileSync(
      join(work, 'site.yml'),
      `- hosts: web
  tasks:
    - name: first file
      file: { path: "${target}/{{inventory_hostname}}.a", content: "a\\n" }
    - name: wait for the spec
      # far longer than the spec may take: a cut that only ends with the command's own timeout fails the spec
      command: { cmd: "${wait}", timeout: 3600 }
    - name: second file
      file: { path: "${target}/{{inventory_hostname}}.b", content: "b\\n" }
`,
    );
  });

  beforeEach(() => {
    rmSync(target, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(target);
    mkdirSync(tmp);
  });

  afterEach(() => {
    // ends a remote wait that a cut session left running
    if (existsSync(target)) writeFileSync(join(target, 'release'), '');
  });

  after(async () => {
    if (work) await exitKeptMasters(join(work, 'home'));
    await sshd?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  // the masters the runs keep (the default) live under this HOME, where the spec sees them
  const start = () =>
    startCli(['site.yml', '-i', 'hosts'], { cwd: work, env: { TMPDIR: tmp, HOME: join(work, 'home') } });
  const bothStarted = async () =>
    eventually(
      async () => existsSync(join(target, 'web1.started')) && existsSync(join(target, 'web2.started')),
      300,
    );
  const expectClean = async () => {
    expect(rpbDirs(tmp), 'private dir left').to.deep.equal([]);
    expect(await sshClientsLeft(work), 'ssh client left').to.deep.equal([]);
    expect(writerTempFiles(target), 'temp file left').to.deep.equal([]);
  };

  it('Ctrl-C (SIGINT to the process group): tasks in flight finish, no new task starts, exit 130', async () => {
    const cli = start();
    expect(await bothStarted(), cli.output()).to.equal(true);
    process.kill(-cli.pid, 'SIGINT');
    await cli.waitFor(/SIGINT/);
    writeFileSync(join(target, 'release'), '');
    const r = await cli.done;
    expect(r.code, r.stdout + r.stderr).to.equal(130);
    for (const h of ['web1', 'web2']) {
      expect(existsSync(join(target, `${h}.finished`)), `${h}: the task in flight was cut`).to.equal(true);
      expect(existsSync(join(target, `${h}.b`)), `${h}: a task started after the signal`).to.equal(false);
    }
    expect(r.stdout).to.include('PLAY RECAP');
    expect(r.stdout).to.match(/web1\s+: ok=2\s+changed=2\s+unreachable=0\s+failed=0/);
    await expectClean();
  });

  it('SIGTERM twice: the second cuts the command in flight (a kept master does not hold the run); exit 143', async () => {
    const cli = start();
    expect(await bothStarted(), cli.output()).to.equal(true);
    process.kill(cli.pid, 'SIGTERM');
    await cli.waitFor(/SIGTERM/);
    process.kill(cli.pid, 'SIGTERM');
    const r = await cli.done;
    expect(r.code, r.stdout + r.stderr).to.equal(143);
    expect(existsSync(join(target, 'web1.finished'))).to.equal(false);
    expect(existsSync(join(target, 'web1.b'))).to.equal(false);
    expect(r.stdout).to.include('PLAY RECAP');
    expect(r.stdout).to.match(/web1\s+: ok=1\s+changed=1\s+unreachable=0\s+failed=1/);
    await expectClean();
  });
});
