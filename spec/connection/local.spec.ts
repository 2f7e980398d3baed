import { expect } from 'chai';
import { LocalConnection } from '../../lib/connection/local.js';
import { sh } from '../../lib/model/command.js';
import { payload, Secret } from '../../lib/secret.js';

describe('connection: local', () => {
  const conn = new LocalConnection('localhost');
  const shown: string[] = [];
  conn.onCommand = (d) => shown.push(d);

  it('runs a command in / and returns its exit code and output', async () => {
    const r = await conn.exec(sh`pwd; printf %s ${'a b'}; echo err >&2; exit 3`);
    expect(r).to.deep.equal({ code: 3, stdout: '/\na b', stderr: 'err\n' });
  });

  it('feeds stdin, revealing a Secret there; stdout is raw data, stderr and the display are masked', async () => {
    const secret = new Secret('s3cret-local-pw');
    const r = await conn.exec(sh`IFS= read -r l; echo "$l"; echo "$l" >&2`, {
      stdin: payload`pw=${secret}\n`,
    });
    expect(r.stdout).to.equal('pw=s3cret-local-pw\n');
    expect(r.stderr).to.equal('pw=***\n');
    const wc = await conn.exec(sh`wc -c`, { stdin: payload`${secret}` });
    expect(wc.stdout.trim()).to.equal(String('s3cret-local-pw'.length));
    expect(shown.join('\n')).to.not.include('s3cret');
  });

  it('passes binary stdin unchanged', async () => {
    const r = await conn.exec(sh`od -An -tx1`, { stdin: Buffer.from([0, 255, 10]) });
    expect(r.stdout.trim()).to.equal('00 ff 0a');
  });

  it('becomes postgres with runuser, and su', async () => {
    const r = await conn.exec(sh`id -un; pwd`, { become: { user: 'postgres', method: 'runuser' } });
    expect(r).to.include({ code: 0, stdout: 'postgres\n/\n' });
    const s = await conn.exec(sh`id -un`, { become: { user: 'postgres', method: 'su' } });
    expect(s.stdout).to.equal('postgres\n');
    expect(shown).to.include("runuser -u postgres -- sh -c 'id -un; pwd'");
  });

  it('reads a su or sudo user starting with "-" as a user name, never as an option', async () => {
    // `su -s /bin/sh -p -c …` (no `--`) would preserve the environment and run the command as root
    for (const method of ['su', 'sudo', 'runuser'] as const) {
      const r = await conn.exec(sh`id -un`, { become: { user: '-p', method } });
      expect(r.stdout, method).to.equal('');
      expect(r.code, method).to.not.equal(0);
    }
  });

  it('does not wrap when becoming the current user', async () => {
    const r = await conn.exec(sh`id -un`, { become: { user: conn.user, method: 'sudo' } });
    expect(r.stdout.trim()).to.equal(conn.user);
    expect(shown.at(-1)).to.equal('id -un');
  });

  it('stops a command at its timeout with exit 124', async () => {
    const r = await conn.exec(sh`sleep 30`, { timeoutSec: 1 });
    expect(r.code).to.equal(124);
  });
});
