import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { type SandboxNode, type SandboxState, sandboxDown, sandboxUp } from '../../lib/sandbox/sandbox.js';
import { root, runCli } from '../helpers/cli.js';
import { eventually, nodeSql } from '../helpers/sandbox.js';

const CONNECTION_VARS = ['ansible_user', 'ansible_ssh_private_key_file', 'ansible_ssh_common_args'];

/** The sandbox's inventory as an Ansible user keeps it: YAML with merge keys, no user, key or ssh args. */
function yamlInventory(s: SandboxState, port: string, common: Record<string, string>): string {
  const vars = (o: Record<string, string>, indent: string) =>
    Object.entries(o)
      .map(([k, v]) => `${indent}${k}: ${JSON.stringify(v)}`)
      .join('\n');
  const host = (n: SandboxNode, i: number) =>
    [
      `        ${n.name}:`,
      i === 0
        ? `          <<: &ssh_target { ansible_host: 127.0.0.1, ansible_port: ${port} }`
        : '          <<: *ssh_target',
      vars(n.vars, '          '),
    ].join('\n');
  const group = (g: string) =>
    [
      `    ${g}:`,
      '      hosts:',
      ...s.nodes.filter((n) => n.group === g).map((n) => host(n, s.nodes.indexOf(n))),
    ].join('\n');
  return [
    'all:',
    '  vars:',
    vars(common, '    '),
    '  children:',
    group('primary'),
    group('standby'),
    '',
  ].join('\n');
}

/**
 * The replication playbook run the way an Ansible project runs it: ansible.cfg (inventory, user, key, ssh
 * args, vault password file), a YAML inventory with merge keys, and secrets encrypted by ansible-vault.
 */
describe('e2e: replication.yml from an Ansible project (ansible.cfg, vault, merge keys, IdentitiesOnly) over ssh', function () {
  this.timeout(300_000);
  let s: SandboxState;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rp-project-'));
    chmodSync(dir, 0o755);
    s = await sandboxUp({ root: join(dir, 'sandbox'), ssh: true, standbys: 1 });
    const sshd = s.sshd!.dir;
    // the sandbox's INI inventory, less what ansible.cfg now says
    const ini = readFileSync(s.inventory, 'utf8');
    const common = Object.fromEntries(
      [...ini.split('[all:vars]')[1]!.matchAll(/^(\w+)=(.*)$/gm)]
        .map((m) => [m[1]!, JSON.parse(m[2]!) as string])
        .filter(([k]) => !CONNECTION_VARS.includes(k!) && k !== 'ansible_host' && k !== 'ansible_port'),
    );
    const port = /ansible_port="?(\d+)/.exec(ini)![1]!;
    // the common shape: a key file (from ansible.cfg here) plus IdentitiesOnly in the common args
    common.ansible_ssh_common_args = '-o IdentitiesOnly=yes -o ServerAliveInterval=30';
    writeFileSync(join(dir, 'hosts.yml'), yamlInventory(s, port, common));
    writeFileSync(
      join(dir, 'ansible.cfg'),
      [
        '[defaults]',
        'inventory = hosts.yml',
        'remote_user = root',
        `private_key_file = ${join(sshd, 'client_ed25519')}`,
        'vault_password_file = vault.pass',
        'forks = 4',
        'retry_files_enabled = False',
        '[ssh_connection]',
        `ssh_args = -o UserKnownHostsFile=${join(sshd, 'known_hosts')} -o StrictHostKeyChecking=yes`,
        '',
      ].join('\n'),
    );
    const vault = join(root, 'spec/fixtures/vault');
    copyFileSync(join(vault, 'default.pass'), join(dir, 'vault.pass'));
    copyFileSync(join(vault, 'replication-secrets.yml'), join(dir, 'secrets.yml'));
  });
  after(async () => {
    if (s) await sandboxDown(s.root);
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (...extra: string[]) =>
    runCli([join(root, 'playbooks/replication.yml'), '-e', '@secrets.yml', ...extra], { cwd: dir });

  it('drift check says 6, the run streams, the password stays masked, then the drift check says 0', async () => {
    const drift = await run('--check', '--detailed-exitcode');
    expect(drift.code, drift.stdout + drift.stderr).to.equal(6);
    const r = await run('--diff', '-v');
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.include(`Using ${join(dir, 'ansible.cfg')} as config file`);
    expect(r.stdout).to.include('ignored: [defaults] retry_files_enabled');
    expect(r.stdout + r.stderr).not.to.include('r3pl1cation-Vault-pw');
    const primary = s.nodes.find((n) => n.group === 'primary')!;
    const streaming = await eventually(async () =>
      (await nodeSql(s, primary, "select count(*) from pg_stat_replication where state = 'streaming'")) ===
      '1'
        ? 'yes'
        : '',
    );
    expect(streaming).to.equal('yes');
    const again = await run('--check', '--detailed-exitcode');
    expect(again.code, again.stdout + again.stderr).to.equal(0);
  });
});
