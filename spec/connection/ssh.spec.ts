import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import { type Connections, createConnections } from '../../lib/connection/index.js';
import { persistedControlPath, persistFor } from '../../lib/connection/persist.js';
import { runProcess } from '../../lib/connection/process.js';
import { hostSsh } from '../../lib/connection/ssh-config.js';
import { ConnectError, InputError } from '../../lib/errors.js';
import { sh } from '../../lib/model/command.js';
import { freePort } from '../../lib/sandbox/ports.js';
import { type SshdHandle, startSshd } from '../../lib/sandbox/sshd.js';
import { payload, Secret } from '../../lib/secret.js';

/** Every process's argv on this machine, as `ps` would show it. */
function allArgv(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      out.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' '));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

describe('connection: ssh against a private sshd', function () {
  this.timeout(60_000);
  let sshd: SshdHandle;
  let conns: Connections;
  const shown: string[] = [];

  before(async () => {
    sshd = await startSshd();
    const closed = await freePort();
    // ControlPersist=no: masters in the run's own directory, closed when the run ends (the default keeps them)
    const v = sshd.hostVars();
    const vars = { ...v, ansible_ssh_common_args: `${v.ansible_ssh_common_args} -o ControlPersist=no` };
    conns = await createConnections(
      [
        { name: 'db1', vars },
        { name: 'db2', vars },
        { name: 'gone', vars: { ...vars, ansible_port: String(closed) } },
      ],
      { verbose: (host, d) => shown.push(`${host}: ${d}`) },
    );
  });
  after(async () => {
    await conns?.closeAll();
    await sshd?.stop();
  });

  it('runs a command with the exit code and output of the remote side', async () => {
    const r = await conns.get('db1').exec(sh`printf %s ${"it's $HOME"}; pwd; echo e >&2; exit 7`);
    expect(r).to.deep.equal({ code: 7, stdout: "it's $HOME/\n", stderr: 'e\n' });
    expect(conns.get('db1').user).to.equal('root');
  });

  it('opens one master per inventory host, even for the same address', async () => {
    await conns.get('db2').open();
    const dir = dirname(conns.sshConfigFile as string);
    expect(statSync(dir).mode & 0o777).to.equal(0o700);
    expect(statSync(join(dir, 'cm-0')).isSocket()).to.equal(true);
    expect(statSync(join(dir, 'cm-1')).isSocket()).to.equal(true);
    const r = await conns.get('db2').exec(sh`echo ok`);
    expect(r.stdout).to.equal('ok\n');
  });

  it('keeps a Secret on stdin: not in any argv, not in the display; stdout is raw data, stderr masked', async () => {
    const secret = new Secret('pw-never-in-argv-4711');
    const running = conns.get('db1').exec(sh`sleep 2; tee /dev/stderr`, { stdin: payload`secret=${secret}` });
    let sawSleep = false;
    let sawSecret = false;
    for (let i = 0; i < 15; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const argv = allArgv();
      sawSleep ||= argv.some((a) => a.startsWith('sleep 2'));
      sawSecret ||= argv.some((a) => a.includes('pw-never-in-argv-4711'));
    }
    const r = await running;
    expect(sawSleep, 'the remote sleep was seen, so the check looked at the right time').to.equal(true);
    expect(sawSecret).to.equal(false);
    expect(r.stdout).to.equal('secret=pw-never-in-argv-4711');
    expect(r.stderr).to.equal('secret=***');
    expect(shown.join('\n')).to.not.include('pw-never');
    expect(shown).to.include('db1: sleep 2; tee /dev/stderr');
  });

  it('carries a large binary payload intact', async () => {
    const data = Buffer.alloc(1 << 20);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
    const r = await conns.get('db1').exec(sh`sha256sum`, { stdin: data });
    expect(r.stdout.split(' ')[0]).to.equal(createHash('sha256').update(data).digest('hex'));
  });

  it('stops a remote command at its timeout with exit 124', async () => {
    const r = await conns.get('db1').exec(sh`sleep 30`, { timeoutSec: 1 });
    expect(r.code).to.equal(124);
  });

  it('becomes postgres with runuser', async () => {
    const r = await conns
      .get('db1')
      .exec(sh`id -un; pwd`, { become: { user: 'postgres', method: 'runuser' } });
    expect(r).to.include({ code: 0, stdout: 'postgres\n/\n' });
    expect(shown).to.include("db1: runuser -u postgres -- sh -c 'id -un; pwd'");
  });

  it('returns a remote exit 255 as a code, not as unreachable', async () => {
    const r = await conns.get('db1').exec(sh`exit 255`);
    expect(r.code).to.equal(255);
  });

  it('runs many commands at once over one master', async () => {
    const rs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => conns.get('db1').exec(sh`echo ${String(i)}`)),
    );
    expect(rs.map((r) => r.stdout.trim())).to.deep.equal(Array.from({ length: 20 }, (_, i) => String(i)));
    expect(rs.every((r) => r.stderr === '')).to.equal(true);
  });

  it('reports an unreachable host as ConnectError with ssh’s message', async () => {
    let err: unknown;
    try {
      await conns.get('gone').exec(sh`true`);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ConnectError);
    expect((err as ConnectError).host).to.equal('gone');
    expect((err as Error).message).to.match(/Connection refused/);
  });

  it('closeAll closes the masters and removes the private directory', async () => {
    const dir = dirname(conns.sshConfigFile as string);
    await conns.closeAll();
    expect(existsSync(dir)).to.equal(false);
    // a master acknowledges `-O exit` just before it exits: wait for that, not a fixed time
    const left = () => allArgv().filter((a) => a.includes(`${dir}/cm-`));
    for (let i = 0; i < 100 && left().length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(left()).to.deep.equal([]);
  });
});

describe('connection: a master kept between runs, as Ansible keeps it (ControlPersist, 60 s unless said)', function () {
  this.timeout(60_000);
  let sshd: SshdHandle;
  let vars: Record<string, string>;
  let socket: string;
  const master = async (): Promise<string | undefined> => {
    const r = await runProcess(['ssh', '-O', 'check', '-o', `ControlPath=${socket}`, 'x'], Buffer.alloc(0));
    return /pid=(\d+)/.exec(r.stderr)?.[1];
  };

  before(async () => {
    sshd = await startSshd();
    // nothing said: kept, as Ansible's default ssh_args keep it (a unique alias and sshd: no other run shares it)
    vars = sshd.hostVars();
    socket = await persistedControlPath('kept', hostSsh(vars, 'kept'));
  });
  after(async () => {
    await runProcess(['ssh', '-O', 'exit', '-o', `ControlPath=${socket}`, 'x'], Buffer.alloc(0));
    await sshd?.stop();
  });

  it('keeps the master after closeAll and the next run uses it; other options get another master', async () => {
    const first = await createConnections([{ name: 'kept', vars }]);
    expect((await first.get('kept').exec(sh`echo one`)).stdout).to.equal('one\n');
    await first.closeAll();
    const pid = await master();
    expect(pid, 'master still running after the run').to.match(/^\d+$/);
    const second = await createConnections([{ name: 'kept', vars }]);
    expect((await second.get('kept').exec(sh`echo two`)).stdout).to.equal('two\n');
    await second.closeAll();
    expect(await master()).to.equal(pid);
    // another option set is another master: the kept one is never used with other options
    const other = {
      ...vars,
      ansible_ssh_common_args: `${vars.ansible_ssh_common_args} -o ServerAliveCountMax=4`,
    };
    expect(await persistedControlPath('kept', hostSsh(other, 'kept'))).not.to.equal(socket);
  });

  it('reads how long from the ssh args: a time, yes or 0 (until told to exit), no or false (closed by the run)', () => {
    const args = (a: string) => hostSsh({ ...vars, ansible_ssh_common_args: a }, 'kept');
    expect(persistFor(hostSsh(vars, 'kept'))).to.equal('60s');
    expect(persistFor(args('-o ControlPersist=10m'))).to.equal('10m');
    expect(persistFor(args('-o ControlPersist=0'))).to.equal('0');
    expect(persistFor(args('-o ControlPersist=yes'))).to.equal('0');
    expect(persistFor(args('-o ControlPersist=no'))).to.equal(undefined);
    expect(persistFor(args('-oControlPersist=false'))).to.equal(undefined);
    // ssh takes the first value given
    expect(persistFor(args('-o ControlPersist=no -o ControlPersist=5m'))).to.equal(undefined);
  });
});

describe('connection: ssh config as ssh reads it, argv as ssh reads it', function () {
  this.timeout(60_000);
  let sshd: SshdHandle;
  before(async () => {
    sshd = await startSshd();
  });
  after(async () => {
    await sshd?.stop();
  });

  it('connects with a key file plus common args -o IdentitiesOnly=yes -o UserKnownHostsFile=… -o StrictHostKeyChecking=yes', async () => {
    const v = sshd.hostVars();
    const vars = { ...v, ansible_ssh_common_args: `-o IdentitiesOnly=yes ${v.ansible_ssh_common_args}` };
    const conns = await createConnections([{ name: 'db1', vars }]);
    try {
      expect((await conns.get('db1').exec(sh`echo ok`)).stdout).to.equal('ok\n');
    } finally {
      await conns.closeAll();
    }
  });

  it('an error in the per-run config is exit 3 naming the inventory variable, before any connection', async () => {
    const vars = { ...sshd.hostVars(), ansible_ssh_extra_args: '-o ConnectTimeout=soon' };
    let err: unknown;
    try {
      await createConnections([{ name: 'db1', vars }]);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(InputError);
    expect((err as Error).message).to.match(/host db1: ansible_ssh_extra_args: invalid time value/);
  });

  it('an inventory name starting with "-" is a destination, never an ssh option', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rpb-dash-'));
    const marker = join(dir, 'ran');
    const evil = join(dir, 'evil');
    writeFileSync(evil, `#!/bin/sh\ntouch ${marker}\n`, { mode: 0o755 });
    // a first, valid host: the per-run config check passes and the name reaches ssh's argv
    const conns = await createConnections([
      { name: 'db1', vars: sshd.hostVars() },
      { name: `-oProxyCommand=${evil}`, vars: {} },
    ]);
    try {
      let err: unknown;
      try {
        await conns.get(`-oProxyCommand=${evil}`).exec(sh`true`);
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(ConnectError);
      expect(existsSync(marker), 'the injected command ran on the controller').to.equal(false);
    } finally {
      await conns.closeAll();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
