import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { shq } from '../model/command.js';
import { freePort } from './ports.js';

const run = promisify(execFile);

/** A private sshd on 127.0.0.1 for tests and examples. */
export interface SshdHandle {
  port: number;
  dir: string;
  /** sshd's process id */
  pid: number;
  /** the client's private key, authorized for root */
  keyFile: string;
  /** a known_hosts file that already holds this sshd's host key */
  knownHosts: string;
  /** inventory variables that reach this sshd as root with strict host key checking */
  hostVars(): Record<string, string>;
  /** Kills sshd and removes its directory. */
  stop(): Promise<void>;
}

/** The sshd_config of the sandbox; PermitUserEnvironment HOME lets the key line give a clean remote HOME. */
export function sshdConfig(dir: string, port: number): string {
  return `${[
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${dir}/host_ed25519`,
    `PidFile ${dir}/sshd.pid`,
    `AuthorizedKeysFile ${dir}/authorized_keys`,
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'PermitUserEnvironment HOME',
    // the directory may sit under a world-writable /tmp
    'StrictModes no',
    'MaxSessions 50',
    'MaxStartups 50',
  ].join('\n')}\n`;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: '127.0.0.1', port }, () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

async function waitForPort(port: number, child: ChildProcess, log: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) {
      const text = await readFile(log, 'utf8').catch(() => '');
      throw new Error(`sshd exited with ${child.exitCode}: ${text.trim()}`);
    }
    if (await canConnect(port)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`sshd did not listen on 127.0.0.1:${port} within 5 s`);
}

async function makeKeys(dir: string, port: number): Promise<void> {
  await run('ssh-keygen', [
    '-q',
    '-t',
    'ed25519',
    '-N',
    '',
    '-C',
    'sandbox-host',
    '-f',
    join(dir, 'host_ed25519'),
  ]);
  await run('ssh-keygen', [
    '-q',
    '-t',
    'ed25519',
    '-N',
    '',
    '-C',
    'sandbox-client',
    '-f',
    join(dir, 'client_ed25519'),
  ]);
  const clientPub = (await readFile(join(dir, 'client_ed25519.pub'), 'utf8')).trim();
  const hostPub = (await readFile(join(dir, 'host_ed25519.pub'), 'utf8'))
    .trim()
    .split(' ')
    .slice(0, 2)
    .join(' ');
  await writeFile(join(dir, 'authorized_keys'), `environment="HOME=${dir}/home" ${clientPub}\n`, {
    mode: 0o600,
  });
  await writeFile(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${hostPub}\n`);
}

/**
 * Starts `sshd -D` on a free loopback port, as root, with its own host key, client key and config. The
 * directory is 0755 so that users we become (postgres) can traverse it.
 */
export async function startSshd(opts: { dir?: string; detach?: boolean } = {}): Promise<SshdHandle> {
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'rpb-sshd-')));
  await mkdir(join(dir, 'home'), { recursive: true });
  await chmod(dir, 0o755);
  await mkdir('/run/sshd', { recursive: true }); // sshd's privilege-separation directory
  const port = await freePort();
  await makeKeys(dir, port);
  const cfg = join(dir, 'sshd_config');
  const log = join(dir, 'sshd.log');
  await writeFile(cfg, sshdConfig(dir, port));
  // detached: the sandbox command returns while sshd keeps serving (its pid is kept for teardown)
  const child = spawn('/usr/sbin/sshd', ['-D', '-f', cfg, '-E', log], {
    stdio: 'ignore',
    detached: !!opts.detach,
  });
  if (opts.detach) child.unref();
  try {
    await waitForPort(port, child, log);
  } catch (e) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  const keyFile = join(dir, 'client_ed25519');
  const knownHosts = join(dir, 'known_hosts');
  return {
    port,
    dir,
    pid: child.pid ?? 0,
    keyFile,
    knownHosts,
    hostVars: () => ({
      ansible_host: '127.0.0.1',
      ansible_port: String(port),
      ansible_user: 'root',
      ansible_ssh_private_key_file: keyFile,
      // the shape Ansible users keep: a key file plus IdentitiesOnly again in the common args (issue 10)
      ansible_ssh_common_args: `-o IdentitiesOnly=yes -o UserKnownHostsFile=${shq(knownHosts)} -o StrictHostKeyChecking=yes`,
    }),
    async stop() {
      // a child killed by a signal has exitCode null too, and its 'exit' has already been emitted
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
