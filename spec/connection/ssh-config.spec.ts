import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  hostSsh,
  parseSshArgs,
  renderSshConfig,
  shellWords,
  writeSshConfig,
} from '../../lib/connection/ssh-config.js';
import { InputError } from '../../lib/errors.js';

/** `ssh -G`: ssh's own reading of a config, without connecting. */
function resolved(file: string, host: string): Map<string, string[]> {
  const out = execFileSync('ssh', ['-T', '-F', file, '-G', host], { encoding: 'utf8' });
  const m = new Map<string, string[]>();
  for (const line of out.split('\n')) {
    const i = line.indexOf(' ');
    if (i > 0) m.set(line.slice(0, i), [...(m.get(line.slice(0, i)) ?? []), line.slice(i + 1)]);
  }
  return m;
}

describe('connection: ssh arguments', () => {
  it('splits words like a shell', () => {
    expect(shellWords(`-o 'ProxyCommand=ssh -W %h:%p b' -o "A=\\"q\\"" x\\ y`)).to.deep.equal([
      '-o',
      'ProxyCommand=ssh -W %h:%p b',
      '-o',
      'A="q"',
      'x y',
    ]);
    expect(() => shellWords("-o 'x")).to.throw(InputError);
  });
  it('turns -o options into directives and keeps other flags with their values', () => {
    expect(
      parseSshArgs('-o StrictHostKeyChecking=no -oCompression=yes -J bastion -4 -o "ServerAliveInterval 5"'),
    ).to.deep.equal({
      directives: [
        ['StrictHostKeyChecking', 'no'],
        ['Compression', 'yes'],
        ['ServerAliveInterval', '5'],
      ],
      flags: ['-J', 'bastion', '-4'],
    });
  });
  it('maps inventory variables in first-value-wins order', () => {
    const s = hostSsh({
      ansible_host: '10.0.0.5',
      ansible_port: 2222,
      ansible_user: 'deploy',
      ansible_ssh_private_key_file: '/k/id',
      ansible_ssh_common_args: '-o Port=1',
      ansible_ssh_extra_args: '-A',
    });
    expect(s.directives.slice(0, 5)).to.deep.equal([
      ['HostName', '10.0.0.5'],
      ['Port', '2222'],
      ['User', 'deploy'],
      ['IdentityFile', '/k/id'],
      ['IdentitiesOnly', 'yes'],
    ]);
    expect(s.flags).to.deep.equal(['-A']);
  });
});

describe('connection: per-run ssh config, as ssh -G reads it', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rpb-cfg-'));
    mkdirSync(join(dir, '.ssh'));
    // the user's own config: sets things for a host we do not configure and a default we override
    writeFileSync(
      join(dir, '.ssh', 'config'),
      'Host other\n  HostName other.example\n  Port 2200\nHost *\n  User nobody-default\n  Port 2999\n',
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('inventory values win; the user config fills in the rest', async () => {
    const text = renderSshConfig(
      [
        {
          name: 'db1',
          ssh: hostSsh({ ansible_host: '127.0.0.1', ansible_port: '2223', ansible_user: 'root' }),
        },
        {
          name: 'db2',
          ssh: hostSsh({ ansible_host: '127.0.0.1', ansible_ssh_common_args: '-o ConnectTimeout=7' }),
        },
        { name: 'bare', ssh: hostSsh({}) },
      ],
      dir,
    );
    const file = join(dir, 'ssh_config');
    await writeSshConfig(file, text);
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    const db1 = resolved(file, 'db1');
    expect([db1.get('hostname'), db1.get('port'), db1.get('user')]).to.deep.equal([
      ['127.0.0.1'],
      ['2223'],
      ['root'],
    ]);
    const db2 = resolved(file, 'db2');
    expect([db2.get('port'), db2.get('user'), db2.get('connecttimeout')]).to.deep.equal([
      ['2999'],
      ['nobody-default'],
      ['7'],
    ]);
    const other = resolved(file, 'other');
    expect([other.get('hostname'), other.get('port')]).to.deep.equal([['other.example'], ['2200']]);
    expect(resolved(file, 'bare').get('hostname')).to.deep.equal(['bare']);
  });
});

describe('connection: per-run ssh config values (issue 7 finding 7, issue 10)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rpb-cfg-'));
    mkdirSync(join(dir, '.ssh'));
    writeFileSync(join(dir, '.ssh', 'config'), 'Host *\n  IdentitiesOnly no\n  Port 2999\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const refusal = (f: () => unknown): Error => {
    try {
      f();
    } catch (e) {
      return e as Error;
    }
    throw new Error('expected an InputError');
  };

  it('one value per directive, the first winning (inventory, common args, extra args, user config); repeatable ones one line each', async () => {
    const ssh = hostSsh({
      ansible_host: '127.0.0.1',
      ansible_ssh_private_key_file: '/k/first',
      ansible_ssh_common_args:
        '-o IdentitiesOnly=yes -o UserKnownHostsFile="/k/known hosts" -o StrictHostKeyChecking=yes -o Port=2201 -o IdentityFile=/k/second',
      ansible_ssh_extra_args: '-o Port=2202 -o StrictHostKeyChecking=no -o SendEnv=A -o SendEnv=B',
    });
    const file = join(dir, 'ssh_config');
    await writeSshConfig(file, renderSshConfig([{ name: 'db1', ssh }], dir));
    const db1 = resolved(file, 'db1');
    expect(db1.get('identitiesonly')).to.deep.equal(['yes']);
    expect(db1.get('port')).to.deep.equal(['2201']);
    expect(db1.get('stricthostkeychecking')).to.deep.equal(['true']);
    expect(db1.get('userknownhostsfile')).to.deep.equal(['/k/known hosts']);
    expect(db1.get('identityfile')).to.deep.equal(['/k/first', '/k/second']);
    // the system config adds its own SendEnv lines after ours
    expect(db1.get('sendenv')?.slice(0, 2)).to.deep.equal(['A', 'B']);
  });

  it('refuses a newline in ansible_host (an injected ProxyCommand), naming the variable and the host', () => {
    const e = refusal(() =>
      renderSshConfig([
        { name: 'db1', ssh: hostSsh({ ansible_host: '10.0.0.1\nProxyCommand touch /tmp/pwned' }) },
      ]),
    );
    expect(e).to.be.instanceOf(InputError);
    expect(e.message).to.match(/db1: ansible_host/);
  });

  it('refuses control characters in common args, a Match or Host from -o, a list as a port, and a host alias that is a pattern', () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['db1', { ansible_ssh_common_args: "-o 'User=a\rProxyCommand=x'" }, /db1: ansible_ssh_common_args/],
      ['db1', { ansible_ssh_extra_args: '-o Match=all' }, /db1: ansible_ssh_extra_args.*Match/],
      ['db1', { ansible_port: [22, 23] }, /db1: ansible_port/],
      ['db1', { ansible_port: '22x' }, /db1: ansible_port/],
      ['db1', { ansible_user: { a: 1 } }, /db1: ansible_user/],
      ['db*', { ansible_host: '10.0.0.1' }, /db\*/],
    ];
    for (const [name, vars, re] of cases) {
      const e = refusal(() => renderSshConfig([{ name, ssh: hostSsh(vars, name) }]));
      expect(e, name).to.be.instanceOf(InputError);
      expect(e.message).to.match(re);
    }
  });
});
