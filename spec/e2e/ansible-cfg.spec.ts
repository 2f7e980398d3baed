import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { type SshdHandle, startSshd } from '../../lib/sandbox/sshd.js';
import { root, runCli } from '../helpers/cli.js';

/** An Ansible project as its user keeps it: ansible.cfg, an inventory without users or keys, a vault file. */
describe('e2e: ansible.cfg over ssh', function () {
  this.timeout(120_000);
  let sshd: SshdHandle;
  let dir: string;
  let project: string;
  let env: Record<string, string>;
  const out = () => join(dir, 'out.txt');

  before(async () => {
    sshd = await startSshd();
    dir = mkdtempSync(join(tmpdir(), 'rp-cfg-e2e-'));
    project = join(dir, 'project');
    mkdirSync(project, { mode: 0o755 });
    mkdirSync(join(dir, 'home'));
    mkdirSync(join(dir, 'shared-roles/marker/tasks'), { recursive: true });
    const vault = join(root, 'spec/fixtures/vault');
    copyFileSync(join(vault, 'secrets.yml'), join(project, 'secrets.yml'));
    copyFileSync(join(vault, 'default.pass'), join(project, 'vault.pass'));
    writeFileSync(
      join(project, 'ansible.cfg'),
      [
        '[defaults]',
        'inventory = hosts',
        'remote_user = root',
        `private_key_file = ${sshd.keyFile}`,
        'forks = 2',
        'roles_path = ../shared-roles',
        'vault_password_file = vault.pass',
        'gathering = smart',
        '[ssh_connection]',
        `ssh_args = -o UserKnownHostsFile=${sshd.knownHosts} -o StrictHostKeyChecking=yes -o ControlPersist=60s`,
        'pipelining = True',
      ].join('\n'),
    );
    writeFileSync(join(project, 'hosts'), `[db]\ndb1 ansible_host=127.0.0.1 ansible_port=${sshd.port}\n`);
    writeFileSync(join(project, 'site.yml'), '- hosts: db\n  roles: [marker]\n');
    writeFileSync(
      join(dir, 'shared-roles/marker/tasks/main.yml'),
      '- file: { path: "{{ out }}", content: "{{ replication_password }} via {{ inventory_hostname }}\\n" }\n',
    );
    // no ~/.ssh of the user's: only what ansible.cfg gives can log in
    env = { HOME: join(dir, 'home') };
  });
  after(async () => {
    await sshd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs with the inventory, user, key, ssh args, roles path and vault password the file names; -v says so', async () => {
    const r = await runCli(['site.yml', '-e', '@secrets.yml', '-e', `out=${out()}`, '-v'], {
      cwd: project,
      env,
    });
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(readFileSync(out(), 'utf8')).to.equal('s3cr3t-Repl1cation via db1\n');
    const lines = r.stdout.split('\n');
    expect(lines).to.include(`Using ${join(project, 'ansible.cfg')} as config file`);
    expect(lines).to.include(
      `${join(project, 'ansible.cfg')}: not supported by run-playbook, ignored: [defaults] gathering, [ssh_connection] pipelining`,
    );
    expect(r.stdout).not.to.include('s3cr3t-Repl1cation');
  });

  it('without the file the same project cannot log in (the key came from it)', async () => {
    const r = await runCli(
      [
        join(project, 'site.yml'),
        '-i',
        join(project, 'hosts'),
        '-e',
        `out=${out()}`,
        '-e',
        'replication_password=x',
        '-v',
      ],
      { cwd: dir, env: { ...env, ANSIBLE_ROLES_PATH: join(dir, 'shared-roles') } },
    );
    expect(r.stdout).to.include('No config file found; using defaults');
    expect(r.code, r.stdout + r.stderr).to.equal(4);
  });

  it('command-line flags beat the file', async () => {
    writeFileSync(join(project, 'other'), '[db]\nother1\nother2\n');
    const r = await runCli(['site.yml', '-i', 'other', '--list-hosts'], { cwd: project, env });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/hosts \(2\):\s+other1\s+other2/);
    const listed = await runCli(['inventory', '--list'], { cwd: project, env });
    expect(JSON.parse(listed.stdout).db.hosts).to.deep.equal(['db1']);
  });
});
