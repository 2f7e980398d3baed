import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { findAnsibleCfg, loadAnsibleCfg } from '../../lib/cli/ansible-cfg.js';
import { parseCli } from '../../lib/cli/args.js';
import { InputError } from '../../lib/errors.js';
import { setVaultKeys } from '../../lib/vault/keys.js';

describe('ansible.cfg', () => {
  let dir: string;
  let cwd: string;
  let home: string;
  const cfg = (path: string, text: string): string => {
    writeFileSync(path, text);
    return path;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rp-cfg-'));
    cwd = join(dir, 'project');
    home = join(dir, 'home');
    mkdirSync(cwd);
    mkdirSync(home);
    chmodSync(cwd, 0o755);
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    setVaultKeys([]);
  });

  it('is found in Ansible’s order: ANSIBLE_CONFIG, ./ansible.cfg, ~/.ansible.cfg; the first found wins', () => {
    const env = { HOME: home };
    expect(findAnsibleCfg(env, cwd)).to.equal(undefined);
    const user = cfg(join(home, '.ansible.cfg'), '[defaults]\n');
    expect(findAnsibleCfg(env, cwd)).to.equal(user);
    const local = cfg(join(cwd, 'ansible.cfg'), '[defaults]\n');
    expect(findAnsibleCfg(env, cwd)).to.equal(local);
    const named = cfg(join(dir, 'named.cfg'), '[defaults]\n');
    expect(findAnsibleCfg({ ...env, ANSIBLE_CONFIG: named }, cwd)).to.equal(named);
    // a directory in ANSIBLE_CONFIG means its ansible.cfg; one that does not exist falls through
    expect(findAnsibleCfg({ ...env, ANSIBLE_CONFIG: cwd }, cwd)).to.equal(local);
    expect(findAnsibleCfg({ ...env, ANSIBLE_CONFIG: join(dir, 'nope.cfg') }, cwd)).to.equal(local);
  });

  it('skips ./ansible.cfg in a world-writable directory, as Ansible does', () => {
    cfg(join(cwd, 'ansible.cfg'), '[defaults]\n');
    chmodSync(cwd, 0o777);
    expect(findAnsibleCfg({ HOME: home }, cwd)).to.equal(undefined);
  });

  it('reads the whole first file only, with paths relative to it, and lists what it does not support', () => {
    cfg(join(home, '.ansible.cfg'), '[defaults]\nforks = 3\nremote_user = nobody\n');
    cfg(
      join(cwd, 'ansible.cfg'),
      [
        '# project settings',
        '[defaults]',
        'inventory = hosts, ~/more.yml',
        'remote_user = "deploy"   ; inline comment',
        'private_key_file = keys/id_ed25519',
        'roles_path = roles:/opt/roles',
        'vault_password_file = ~/.vault-pass',
        'host_key_checking = False',
        'gathering = smart',
        'stdout_callback: yaml',
        '[ssh_connection]',
        "ssh_args = -C -o ControlMaster=auto -o ControlPersist=60s -o 'ProxyCommand=ssh -W %h:%p jump'",
        'pipelining = True',
      ].join('\n'),
    );
    const c = loadAnsibleCfg({ HOME: home }, cwd);
    expect(c).to.deep.equal({
      file: join(cwd, 'ansible.cfg'),
      inventory: [join(cwd, 'hosts'), join(home, 'more.yml')],
      rolesPath: [join(cwd, 'roles'), '/opt/roles'],
      vaultPasswordFile: join(home, '.vault-pass'),
      hostDefaults: {
        ansible_user: 'deploy',
        ansible_ssh_private_key_file: join(cwd, 'keys/id_ed25519'),
        ansible_ssh_common_args:
          "-C -o ControlPersist=60s -o 'ProxyCommand=ssh -W %h:%p jump' -o StrictHostKeyChecking=no",
      },
      ignored: ['[defaults] gathering', '[defaults] stdout_callback', '[ssh_connection] pipelining'],
      fromEnv: [],
    });
  });

  it('lets the ANSIBLE_* variables of these settings beat the file, with paths relative to the working directory', () => {
    cfg(join(cwd, 'ansible.cfg'), '[defaults]\nforks = 3\nremote_user = deploy\ninventory = hosts\n');
    const env = {
      HOME: home,
      ANSIBLE_FORKS: '8',
      ANSIBLE_INVENTORY: 'prod/hosts',
      ANSIBLE_SSH_ARGS: '-o ControlPersist=60s -o ServerAliveInterval=9',
      ANSIBLE_HOST_KEY_CHECKING: 'no',
    };
    const c = loadAnsibleCfg(env, cwd);
    expect(c).to.deep.include({ forks: 8, inventory: [join(cwd, 'prod/hosts')] });
    expect(c.hostDefaults).to.deep.equal({
      ansible_user: 'deploy',
      ansible_ssh_common_args: '-o ControlPersist=60s -o ServerAliveInterval=9 -o StrictHostKeyChecking=no',
    });
    expect(c.fromEnv).to.deep.equal([
      'ANSIBLE_INVENTORY',
      'ANSIBLE_FORKS',
      'ANSIBLE_SSH_ARGS',
      'ANSIBLE_HOST_KEY_CHECKING',
    ]);
    // without any file too
    rmSync(join(cwd, 'ansible.cfg'));
    expect(loadAnsibleCfg({ HOME: home, ANSIBLE_REMOTE_USER: 'ops' }, cwd)).to.deep.equal({
      file: undefined,
      hostDefaults: { ansible_user: 'ops' },
      ignored: [],
      fromEnv: ['ANSIBLE_REMOTE_USER'],
    });
  });

  it('a bad file is an input error at its line', () => {
    cfg(join(cwd, 'ansible.cfg'), '[defaults]\nforks = many\n');
    expect(() => loadAnsibleCfg({ HOME: home }, cwd))
      .to.throw(InputError)
      .with.property(
        'message',
        `${join(cwd, 'ansible.cfg')}:2: forks: expected a positive integer, got 'many'`,
      );
    cfg(join(cwd, 'ansible.cfg'), '[defaults]\nforks = 2\nforks = 3\n');
    expect(() => loadAnsibleCfg({ HOME: home }, cwd)).to.throw(/ansible\.cfg:3:1: 'forks' is set twice/);
  });

  it('gives defaults that command-line flags beat', () => {
    cfg(join(cwd, 'ansible.cfg'), '[defaults]\ninventory = hosts\nforks = 3\n');
    const env = { HOME: home };
    const fromCfg = parseCli(['site.yml'], env, cwd);
    expect(fromCfg).to.include({ forks: 3 });
    expect(fromCfg.inventory).to.deep.equal([join(cwd, 'hosts')]);
    const flags = parseCli(['site.yml', '-i', 'other', '-f', '7'], env, cwd);
    expect(flags).to.include({ forks: 7 });
    expect(flags.inventory).to.deep.equal(['other']);
  });

  it('vault_password_file opens an encrypted -e @file', () => {
    const fixtures = join(process.cwd(), 'spec/fixtures/vault');
    cfg(join(cwd, 'ansible.cfg'), `[defaults]\nvault_password_file = ${fixtures}/default.pass\n`);
    const a = parseCli(['site.yml', '-i', 'h,', '-e', `@${fixtures}/secrets.yml`], { HOME: home }, cwd);
    expect(a.extraVars).to.include({ replication_password: 's3cr3t-Repl1cation' });
  });
});
