import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { buildScript, displayCommand, wrapBecome } from '../../lib/connection/become.js';
import { becomeFromVars, connectionKind, truthy } from '../../lib/connection/vars.js';
import { InputError } from '../../lib/errors.js';
import { shjoin, shq } from '../../lib/model/command.js';

const tricky = ["it's", 'a b', '$HOME', '`echo hi`', 'line1\nline2', '', "'", '"$(id)"', '\\n', '*'];

function through(shell: string, script: string): string {
  const r = spawnSync(shell, ['-c', script], { encoding: 'utf8' });
  expect(r.status, r.stderr).to.equal(0);
  return r.stdout;
}

describe('connection: shq round-trip', () => {
  for (const shell of ['dash', 'bash']) {
    it(`survives ${shell} unchanged`, () => {
      for (const s of tricky) expect(through(shell, `printf '[%s]' ${shq(s)}`)).to.equal(`[${s}]`);
    });
    it(`keeps words apart in ${shell}`, () => {
      expect(through(shell, `printf '[%s]' ${shjoin(tricky)}`)).to.equal(
        tricky.map((s) => `[${s}]`).join(''),
      );
    });
    it(`survives two levels (become inside ${shell})`, () => {
      const inner = `printf '[%s]' ${shjoin(tricky)}`;
      expect(through(shell, `sh -c ${shq(`sh -c ${shq(inner)}`)}`)).to.equal(
        tricky.map((s) => `[${s}]`).join(''),
      );
    });
  }
});

describe('connection: become wrapping', () => {
  it('wraps for each method', () => {
    expect(wrapBecome('id -un', { user: 'postgres', method: 'runuser' }, 'root')).to.equal(
      "runuser -u postgres -- sh -c 'id -un'",
    );
    expect(wrapBecome('id -un', { user: 'postgres', method: 'sudo' }, 'root')).to.equal(
      "sudo -n -u postgres -- sh -c 'id -un'",
    );
    expect(wrapBecome('id -un', { user: 'postgres', method: 'su' }, 'root')).to.equal(
      "su -s /bin/sh -- postgres -c 'id -un'",
    );
  });
  it('does not wrap when becoming the current user or not becoming', () => {
    expect(wrapBecome('id', { user: 'root', method: 'sudo' }, 'root')).to.equal('id');
    expect(wrapBecome('id', undefined, 'root')).to.equal('id');
  });
  it('quotes a command holding quotes', () => {
    expect(wrapBecome("echo 'x'", { user: 'u', method: 'runuser' }, 'root')).to.equal(
      `runuser -u u -- sh -c 'echo '\\''x'\\'''`,
    );
  });
  it('builds cd, remote timeout, then become', () => {
    const s = buildScript('id', { timeoutSec: 30, become: { user: 'postgres', method: 'runuser' } }, 'root');
    expect(s).to.equal(`runuser -u postgres -- sh -c 'timeout -k 5 30 sh -c '\\''cd / || exit 125; id'\\'''`);
    expect(buildScript('id', { cwd: '/my dir' }, 'root')).to.equal(
      `sh -c 'cd '\\''/my dir'\\'' || exit 125; id'`,
    );
  });
  it('display form has the become prefix and no timeout', () => {
    expect(displayCommand('psql -X', { user: 'postgres', method: 'sudo' }, 'root')).to.equal(
      "sudo -n -u postgres -- sh -c 'psql -X'",
    );
  });
});

describe('connection: becomeFromVars', () => {
  it('is undefined unless become is on', () => {
    expect(becomeFromVars({})).to.equal(undefined);
    expect(becomeFromVars({ ansible_become: 'false' })).to.equal(undefined);
    expect(becomeFromVars({ ansible_become: true }, { become: false })).to.equal(undefined);
  });
  it('defaults to root with sudo, reads INI strings', () => {
    expect(becomeFromVars({ ansible_become: 'yes' })).to.deep.equal({ user: 'root', method: 'sudo' });
    expect(truthy('True')).to.equal(true);
  });
  it('takes user and method from vars, task keywords first', () => {
    const vars = { ansible_become: 'true', ansible_become_user: 'postgres', ansible_become_method: 'su' };
    expect(becomeFromVars(vars)).to.deep.equal({ user: 'postgres', method: 'su' });
    expect(becomeFromVars(vars, { becomeUser: 'app', becomeMethod: 'runuser' })).to.deep.equal({
      user: 'app',
      method: 'runuser',
    });
    expect(becomeFromVars({}, { become: true, becomeUser: 'postgres' })).to.deep.equal({
      user: 'postgres',
      method: 'sudo',
    });
  });
  it('rejects an unknown method', () => {
    expect(() => becomeFromVars({ ansible_become: true, ansible_become_method: 'doas' })).to.throw(
      InputError,
      /doas.*sudo, su, runuser/,
    );
  });
});

describe('connection: connectionKind', () => {
  it('defaults to ssh, even for localhost, except the implicit one', () => {
    expect(connectionKind('db1', {})).to.equal('ssh');
    expect(connectionKind('localhost', {})).to.equal('ssh');
    expect(connectionKind('localhost', {}, true)).to.equal('local');
    expect(connectionKind('x', { ansible_connection: 'local' })).to.equal('local');
    expect(() => connectionKind('w', { ansible_connection: 'winrm' })).to.throw(InputError, /winrm/);
  });
});
