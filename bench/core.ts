/**
 * Benchmark of the core: bench/noop.yml (20 no-op tasks) over a loopback sshd on 1, 10 and 100 inventory
 * hosts (aliases of the same sshd, each with its own master), run as a user runs it (`node dist/cli.js`), and
 * the same work by ansible-playbook (bench/noop.ansible.yml, pipelining on, one master per alias too) when it
 * is installed. Prints wall time, time per task per host, peak RSS and the ratio. Figures only.
 * run-playbook is measured twice: as it runs by default (masters kept 60 s, as Ansible keeps its own, so a rerun
 * skips the ssh handshake) and with `-o ControlPersist=no` (every run pays a fresh handshake per host).
 * Also the start-up: `--version` and an empty playbook (bench/empty.yml) on a local host, beside `node -e 0`.
 * Run: npm run build && npx tsx bench/core.ts [runs]   (BENCH_HOSTS=1,10 chooses the host counts;
 * BENCH_PICK=best reports the fastest run instead of the median; BENCH_NO_ANSIBLE=1 skips Ansible, whose
 * 100-host run takes minutes; BENCH_NO_FRESH=1 skips the fresh-handshake runs)
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type SshdHandle, startSshd } from '../lib/sandbox/sshd.js';
import { figures, loadLine, type Measured, measure, pick } from './measure.js';

const runs = Number(process.argv[2] ?? 3);
const counts = (process.env.BENCH_HOSTS ?? '1,10,100').split(',').map(Number);
const TASKS = 20;
const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));
// BENCH_CLI=path/to/cli.js compares another build (e.g. the previous release) on the same machine state
const cli = process.env.BENCH_CLI ?? here('../dist/cli.js');
const withFresh = !process.env.BENCH_NO_FRESH;

function hasAnsible(): boolean {
  try {
    execFileSync('ansible-playbook', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

type Who = 'kept' | 'fresh' | 'ansible';

/** An INI inventory of n aliases of the sshd; Ansible's gets a control socket per alias, as run-playbook has. */
function inventory(sshd: SshdHandle, n: number, dir: string, who: Who): string {
  const lines = Array.from({ length: n }, (_, i) => {
    const vars: Record<string, string> = {
      ...sshd.hostVars(),
      ansible_python_interpreter: '/usr/bin/python3',
    };
    if (who === 'ansible') vars.ansible_ssh_common_args += ` -o ControlPath=${dir}/a-${i}`;
    else if (who === 'fresh') vars.ansible_ssh_common_args += ' -o ControlPersist=no';
    return `h${i + 1} ${Object.entries(vars)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(' ')}`;
  });
  const file = join(dir, `hosts-${n}-${who}`);
  writeFileSync(file, `[all]\n${lines.join('\n')}\n`);
  return file;
}

async function timed(tool: string, argv: string[], n: number, env: NodeJS.ProcessEnv): Promise<Measured> {
  const first = await measure(argv, env); // converges; not counted
  if (first.code !== 0)
    throw new Error(`${tool} converge on ${n} hosts exited ${first.code}:\n${first.output}`);
  const out: Measured[] = [];
  for (let r = 0; r < (n >= 100 ? 1 : runs); r++) {
    const m = await measure(argv, env);
    if (m.code !== 0 || /changed=[1-9]/.test(m.output))
      throw new Error(`${tool} rerun on ${n} hosts was not a no-op (exit ${m.code}):\n${m.output}`);
    out.push(m);
  }
  return pick.of(out);
}

/**
 * Start-up: `--version`, and bench/empty.yml on a local host (no ssh): what a run costs before its first task;
 * and `node -e 0`, Node's own start, as a measure of how fast the machine is at the time (it varies by half).
 */
async function startup(dir: string): Promise<void> {
  const inv = join(dir, 'hosts-local');
  writeFileSync(inv, 'localhost ansible_connection=local\n');
  for (const [what, argv] of [
    ['node -e 0', ['node', '-e', '0']],
    ['--version', ['node', cli, '--version']],
    ['empty playbook', ['node', cli, here('empty.yml'), '-i', inv]],
  ] as const) {
    const ms: Measured[] = [];
    for (let r = 0; r < Math.max(5, runs); r++) ms.push(await measure(argv));
    console.log(
      `start-up   ${what.padEnd(15)} ${figures(pick.of(ms), 1).replace(/, [^,]*ms\/task\/host/, '')}`,
    );
  }
}

async function main(): Promise<void> {
  const sshd = await startSshd();
  const dir = mkdtempSync(join(tmpdir(), 'rp-bench-'));
  chmodSync(dir, 0o755);
  const ansible = !process.env.BENCH_NO_ANSIBLE && hasAnsible();
  const ansibleEnv = {
    ANSIBLE_PIPELINING: '1',
    ANSIBLE_FORKS: '10',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_SSH_CONTROL_PATH_DIR: dir,
  };
  try {
    console.log(
      `run-playbook core benchmark: ${TASKS} no-op tasks over ssh on 127.0.0.1, forks 10, ${pick.name} of ${runs} reruns, ${loadLine()}`,
    );
    await startup(dir);
    for (const n of counts) {
      const rpArgv = (who: Who) => [
        ...['node', cli, here('noop.yml'), '-i', inventory(sshd, n, dir, who), '-e', `bench_dir=${dir}`],
      ];
      const rp = await timed('run-playbook', rpArgv('kept'), n, {});
      console.log(`${String(n).padStart(3)} host(s)  run-playbook: ${figures(rp, TASKS * n)}`);
      if (withFresh) {
        const fresh = await timed('run-playbook', rpArgv('fresh'), n, {});
        console.log(`${''.padStart(3)}   fresh handshake: ${figures(fresh, TASKS * n)} (ControlPersist=no)`);
      }
      if (!ansible) continue;
      const argv = ['ansible-playbook', here('noop.ansible.yml'), '-i', inventory(sshd, n, dir, 'ansible')];
      const an = await timed('ansible-playbook', [...argv, '-e', `bench_dir=${dir}`], n, ansibleEnv);
      const ratio = (an.wallMs / rp.wallMs).toFixed(1);
      console.log(`${String(n).padStart(3)} host(s)  ansible 2.x:  ${figures(an, TASKS * n)}  -> ${ratio}x`);
    }
    console.log(`(${loadLine()} at the end)`);
  } finally {
    await sshd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
