import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { type SshdHandle, startSshd } from '../../lib/sandbox/sshd.js';
import { runCli } from '../helpers/cli.js';

/**
 * The core end to end: a playbook of the generic tasks over a real sshd on loopback, with become, run twice
 * (the rerun changes nothing), then a hand-made drift shown by --check --diff without being touched.
 */
describe('e2e: generic tasks over ssh with become', function () {
  this.timeout(120_000);
  let sshd: SshdHandle;
  let work: string;
  let target: string;

  before(async () => {
    sshd = await startSshd();
    work = mkdtempSync(join(tmpdir(), 'rp-core-'));
    chmodSync(work, 0o755);
    target = join(work, 'target');
    mkdirSync(target);
    chmodSync(target, 0o777);
    const v = sshd.hostVars();
    const vars = Object.entries(v)
      .map(([k, val]) => `${k}=${JSON.stringify(val)}`)
      .join(' ');
    writeFileSync(join(work, 'hosts'), `[web]\nweb1 ${vars}\nweb2 ${vars}\n\n[web:vars]\ngreeting=hello\n`);
    mkdirSync(join(work, 'roles/motd/templates'), { recursive: true });
    mkdirSync(join(work, 'roles/motd/tasks'), { recursive: true });
    writeFileSync(join(work, 'roles/motd/templates/motd.hbs'), '{{greeting}} from {{inventory_hostname}}\n');
    writeFileSync(
      join(work, 'roles/motd/tasks/main.yml'),
      `- name: motd from a template\n  template: { src: motd.hbs, dest: "${target}/{{inventory_hostname}}.motd", mode: "0640" }\n`,
    );
    writeFileSync(
      join(work, 'site.yml'),
      `- name: generic tasks
  hosts: web
  become: true
  become_user: postgres
  become_method: runuser
  roles: [motd]
  tasks:
    - name: a config file
      file: { path: "${target}/{{inventory_hostname}}.conf", content: "a = 1\\nb = 2\\n", mode: "0600" }
    - name: a line in it
      ensureLine: { path: "${target}/{{inventory_hostname}}.ini", line: "c = 3", insertAfter: "^a =", create: true, mode: "0644" }
    - name: a command guarded by creates
      command: { cmd: "id -un > ${target}/{{inventory_hostname}}.who", creates: "${target}/{{inventory_hostname}}.who" }
`,
    );
  });

  after(async () => {
    await sshd?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const diffLines = (out: string) => out.split('\n').filter((l) => /^(---|\+\+\+|@@|[-+ ])/.test(l));
  const run = (...extra: string[]) => runCli(['site.yml', '-i', 'hosts', ...extra], { cwd: work });

  it('converges, as the become user', async () => {
    const r = await run();
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.match(/web1\s+: ok=4\s+changed=4/);
    expect(readFileSync(join(target, 'web1.conf'), 'utf8')).to.equal('a = 1\nb = 2\n');
    expect(readFileSync(join(target, 'web1.ini'), 'utf8')).to.equal('c = 3\n');
    expect(readFileSync(join(target, 'web2.motd'), 'utf8')).to.equal('hello from web2\n');
    expect(readFileSync(join(target, 'web1.who'), 'utf8').trim()).to.equal('postgres');
    const st = statSync(join(target, 'web1.conf'));
    expect(st.mode & 0o777).to.equal(0o600);
  });

  it('reports changed=0 on a rerun', async () => {
    const r = await run();
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.match(/web1\s+: ok=4\s+changed=0/);
    expect(r.stdout).to.match(/web2\s+: ok=4\s+changed=0/);
  });

  it('shows a drift with --check --diff and leaves the file as it was', async () => {
    const path = join(target, 'web1.conf');
    const ini = join(target, 'web1.ini');
    writeFileSync(path, 'a = 1\nb = 5\n');
    writeFileSync(ini, 'a = 0\n');
    const before = statSync(path);
    const r = await run('--check', '--diff');
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.include(`--- before: ${path}`);
    expect(r.stdout).to.include('-b = 5');
    expect(r.stdout).to.include('+b = 2');
    expect(r.stdout).to.include('+c = 3');
    expect(r.stdout).to.match(/web1\s+: ok=4\s+changed=2/);
    expect(r.stdout).to.match(/web2\s+: ok=4\s+changed=0/);
    expect(readFileSync(path, 'utf8')).to.equal('a = 1\nb = 5\n');
    expect(readFileSync(ini, 'utf8')).to.equal('a = 0\n');
    expect(statSync(path).mtimeMs).to.equal(before.mtimeMs);
    const fixed = await run('--diff');
    expect(fixed.code).to.equal(0);
    expect(diffLines(fixed.stdout)).to.deep.equal(diffLines(r.stdout));
    expect(readFileSync(path, 'utf8')).to.equal('a = 1\nb = 2\n');
    expect(readFileSync(ini, 'utf8')).to.equal('a = 0\nc = 3\n');
  });
});
