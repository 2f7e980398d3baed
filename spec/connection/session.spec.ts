import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { SshConnection } from '../../lib/connection/ssh.js';
import { ConnectError } from '../../lib/errors.js';
import { sh } from '../../lib/model/command.js';
import { type SshdHandle, startSshd } from '../../lib/sandbox/sshd.js';

interface Proc {
  pid: number;
  ppid: number;
  argv: string;
}

function procs(): Proc[] {
  const out: Proc[] = [];
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ');
      out.push({ pid: Number(p), ppid, argv });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** Pids whose argv contains `token` (a number only this spec uses), to clean up what the spec started. */
const withArgv = (token: string): number[] =>
  procs()
    .filter((p) => p.argv.includes(token) && !p.argv.includes('/proc'))
    .map((p) => p.pid);

function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting until ${what}`);
}

/** sshd and every process under it (its per-connection children): what a crashed or killed sshd takes down. */
function sshdTree(root: number): number[] {
  const all = procs();
  const out = [root];
  for (let i = 0; i < out.length; i++)
    for (const p of all) if (p.ppid === out[i] && p.argv.startsWith('sshd')) out.push(p.pid);
  return out;
}

describe('connection: persistent sessions over ssh', function () {
  this.timeout(90_000);
  let sshd: SshdHandle;
  let dir: string;
  let conn: SshConnection;

  const connect = (
    graceSec?: number,
    startTimeoutSec?: number,
    controlPath = join(dir, `cm-${Math.random().toString(36).slice(2, 8)}`),
  ): SshConnection =>
    new SshConnection({
      host: '127.0.0.1',
      user: 'root',
      controlPath,
      flags: [
        ...['-p', String(sshd.port), '-i', sshd.keyFile],
        ...['-o', `UserKnownHostsFile=${sshd.knownHosts}`, '-o', 'StrictHostKeyChecking=yes'],
      ],
      graceSec,
      startTimeoutSec,
    });

  before(async () => {
    sshd = await startSshd();
    dir = mkdtempSync(join(tmpdir(), 'rpb-sess-'));
    conn = connect(1);
  });
  after(async () => {
    await conn?.close();
    await sshd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps output without a final newline, and stdout apart from stderr', async () => {
    const r = await conn.exec(sh`printf out; printf err >&2; exit 3`);
    expect(r).to.deep.equal({ code: 3, stdout: 'out', stderr: 'err' });
  });

  it('stays in step when a command leaves its stdin payload unread', async () => {
    const r1 = await conn.exec(sh`true`, { stdin: Buffer.alloc(300_000, 120) });
    const r2 = await conn.exec(sh`head -c 3`, { stdin: 'abcdef' });
    const r3 = await conn.exec(sh`echo next`);
    expect([r1.code, r2.stdout, r3.stdout]).to.deep.equal([0, 'abc', 'next\n']);
  });

  it('runs multi-line scripts (a here-document) in a subshell: its exit, cd and variables end with it', async () => {
    const r = await conn.exec({ sh: 'cd /tmp; x=1\ncat <<EOF\nline $x [$M]\nEOF\nexit 4' });
    expect(r).to.deep.equal({ code: 4, stdout: 'line 1 []\n', stderr: '' });
    expect((await conn.exec({ sh: 'echo "[$x]"; pwd' })).stdout).to.equal('[]\n/\n');
  });

  it('returns when the command ends, even if a background process keeps its output open', async () => {
    const r = await conn.exec(sh`sleep 3016 & echo started`);
    expect(r).to.deep.equal({ code: 0, stdout: 'started\n', stderr: '' });
    killAll(withArgv('sleep 3016'));
  });

  it("opens the master with the first commands' become user, or the login user's when becoming fails", async () => {
    const clients = (cp: string) => procs().filter((p) => p.argv.startsWith('ssh ') && p.argv.includes(cp));
    const cp = join(dir, 'cm-first-postgres');
    const c = connect(undefined, undefined, cp);
    try {
      await c.open({ user: 'postgres', method: 'runuser' });
      // the one session open() started is postgres's: no login session that nothing would use
      expect(clients(cp).map((p) => p.argv.includes('runuser -u postgres'))).to.deep.equal([true]);
      const r = await c.exec(sh`id -un`, { become: { user: 'postgres', method: 'runuser' } });
      expect(r.stdout).to.equal('postgres\n');
      expect(clients(cp)).to.have.length(1);
    } finally {
      await c.close();
    }
    const refused = join(dir, 'cm-first-refused');
    const d = connect(undefined, undefined, refused);
    try {
      await d.open({ user: 'no-such-user-9', method: 'sudo' });
      expect(clients(refused).map((p) => p.argv.includes('sudo'))).to.deep.equal([false]);
      const r = await d.exec(sh`true`, { become: { user: 'no-such-user-9', method: 'sudo' } });
      expect(r.code).to.not.equal(0);
      expect((await d.exec(sh`id -un`)).stdout).to.equal('root\n');
    } finally {
      await d.close();
    }
  });

  it('reports a become that sudo refuses as the command failing, not as an unreachable host', async () => {
    const r = await conn.exec(sh`true`, { become: { user: 'no-such-user-8', method: 'sudo' } });
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.match(/unknown user|no-such-user-8/);
    expect((await conn.exec(sh`id -un`, { become: { user: 'postgres', method: 'sudo' } })).stdout).to.equal(
      'postgres\n',
    );
  });

  it('closes the session of a command that outlives its timeout and says so; the next command works', async () => {
    // the command stops its own `timeout` process, so the remote timeout never fires
    const r = await conn.exec(sh`kill -STOP $PPID; sleep 3017`, { timeoutSec: 1 });
    killAll(withArgv('sleep 3017'));
    expect(r.code).to.equal(124);
    expect(r.stderr).to.match(/no answer within \d+ s .*its session was closed/);
    expect((await conn.exec(sh`echo again`)).stdout).to.equal('again\n');
  });

  it('gives up on a session the host never starts, as ConnectError saying so', async () => {
    const before = new Set(sshdTree(sshd.pid));
    const c = connect(undefined, 2);
    let stopped: number[] = [];
    try {
      await c.open();
      stopped = sshdTree(sshd.pid).filter((p) => !before.has(p));
      expect(stopped.length, 'the new connection has its own sshd process').to.be.greaterThan(0);
      for (const pid of stopped) process.kill(pid, 'SIGSTOP');
      // a new user's session needs a new channel, which the stopped sshd never opens
      const err = await c
        .exec(sh`true`, { become: { user: 'postgres', method: 'sudo' } })
        .catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ConnectError);
      expect((err as Error).message).to.equal('127.0.0.1: no answer from the remote shell within 2 s');
    } finally {
      for (const pid of stopped) process.kill(pid, 'SIGCONT');
      await c.close();
    }
  });

  it('runs probes sent together as one batch on one session, each with its own output, exit code and stdin', async () => {
    const c = connect();
    // which session ran it: the pid of the remote loop's shell, the topmost ancestor running the loop's text
    // (its forked subshells share that text)
    const loopPid = [
      'p=$$; s=',
      'while [ "$p" -gt 1 ]; do',
      '  if grep -q \'read -r [M]\' /proc/$p/cmdline; then s=$p; elif [ -n "$s" ]; then break; fi',
      "  p=$(cut -d' ' -f4 /proc/$p/stat)",
      'done; echo $s',
    ].join('\n');
    const probe = (cmd: string, stdin?: string | Buffer) =>
      c.exec({ sh: `${loopPid}; ${cmd}` }, { batch: true, timeoutSec: 30, stdin });
    const body = (r: { code: number; stdout: string; stderr: string }) => ({
      ...r,
      stdout: r.stdout.slice(r.stdout.indexOf('\n') + 1),
    });
    try {
      await c.open();
      const rs = await Promise.all([
        probe('printf a-out; printf a-err >&2; exit 3'),
        probe('head -c 3', 'xyzuvw'),
        probe('cat', Buffer.from('bin\0ary\nlast')),
        probe('echo "[$B][$M]"; cd /tmp; x=1'),
        probe('echo "[$x]"; pwd'),
      ]);
      expect(new Set(rs.map((r) => r.stdout.split('\n')[0])).size).to.equal(1);
      expect(rs.map(body)).to.deep.equal([
        { code: 3, stdout: 'a-out', stderr: 'a-err' },
        { code: 0, stdout: 'xyz', stderr: '' },
        { code: 0, stdout: 'bin\0ary\nlast', stderr: '' },
        { code: 0, stdout: '[][]\n', stderr: '' },
        { code: 0, stdout: '[]\n/\n', stderr: '' },
      ]);
      // commands that are not probes each get a session: now two are idle, and a batch is shared between them
      const apart = await Promise.all([1, 2].map(() => c.exec({ sh: `${loopPid}; sleep 0.3` })));
      expect(new Set(apart.map((r) => r.stdout)).size).to.equal(2);
      const spread = await Promise.all([1, 2, 3, 4].map(() => probe('true')));
      const pids = spread.map((r) => r.stdout);
      expect(new Set(pids)).to.deep.equal(new Set(apart.map((r) => r.stdout)));
      expect(pids.filter((p) => p === pids[0])).to.have.length(2);
    } finally {
      await c.close();
    }
  });

  it('reports every probe of a batch that outlives its deadline as timed out; the next batch works', async () => {
    // the first probe stops its own `timeout` process, so the remote timeout never fires
    const rs = await Promise.all([
      conn.exec(sh`kill -STOP $PPID; sleep 3019`, { batch: true, timeoutSec: 1 }),
      conn.exec(sh`echo after`, { batch: true, timeoutSec: 1 }),
    ]);
    killAll(withArgv('sleep 3019'));
    expect(rs.map((r) => r.code)).to.deep.equal([124, 124]);
    for (const r of rs) expect(r.stderr).to.match(/no answer within \d+ s .*its session was closed/);
    const next = await Promise.all(
      ['one', 'two'].map((w) => conn.exec(sh`echo ${w}`, { batch: true, timeoutSec: 5 })),
    );
    expect(next.map((r) => r.stdout)).to.deep.equal(['one\n', 'two\n']);
  });

  it('starts no session for a probe queued when the connection closes', async () => {
    const cp = join(dir, 'cm-closing');
    const c = connect(undefined, undefined, cp);
    await c.open();
    const late = c.exec(sh`true`, { batch: true, timeoutSec: 5 }).catch((e: unknown) => e);
    await c.close();
    expect(await late).to.be.instanceOf(ConnectError);
    expect(procs().filter((p) => p.argv.startsWith('ssh ') && p.argv.includes(cp))).to.deep.equal([]);
  });

  it('reports a killed sshd as ConnectError, for the command in flight and the next one', async () => {
    const own = await startSshd();
    const saved = sshd;
    sshd = own;
    const c = connect();
    sshd = saved;
    try {
      await c.open();
      const inFlight = c.exec(sh`sleep 3018`).then(
        () => undefined,
        (e: unknown) => e,
      );
      await until('the remote sleep runs', () => withArgv('sleep 3018').length > 0);
      killAll(sshdTree(own.pid));
      const lost = await inFlight;
      expect(lost).to.be.instanceOf(ConnectError);
      expect((lost as Error).message).to.match(/^127\.0\.0\.1: the connection was lost while a command ran/);
      const next = await c.exec(sh`true`).catch((e: unknown) => e);
      expect(next).to.be.instanceOf(ConnectError);
      expect((next as Error).message).to.match(/Connection refused/);
    } finally {
      killAll(withArgv('sleep 3018'));
      await c.close();
      await own.stop();
    }
  });
});
