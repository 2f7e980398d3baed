/**
 * Benchmark of the main job over ssh (the sandbox pair behind a private sshd on 127.0.0.1), run as a user
 * runs it (`node dist/cli.js`): `--check --diff` on a fresh pair, the cold converge, and the no-op rerun;
 * wall time, time per task per host, peak RSS and CPU, median of several runs. When ansible-playbook is
 * installed, bench/replication.ansible.yml does the same work on a fresh pair of its own (pipelining on, a
 * master per host), and the ratio is printed. Figures only.
 * run-playbook is measured as it runs by default (masters kept 60 s, as Ansible's are: the converge reuses the
 * check's masters) and with `-o ControlPersist=no` (every run pays a fresh handshake per host).
 * Run as root: npm run build && npx tsx bench/replication.ts [runs]   (BENCH_NO_ANSIBLE=1 skips Ansible;
 * BENCH_PICK=best reports the fastest run instead of the median; BENCH_NO_FRESH=1 skips the fresh-handshake runs)
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type SandboxState, sandboxDown, sandboxUp } from '../lib/sandbox/sandbox.js';
import { figures, loadLine, type Measured, measure, pick } from './measure.js';

const runs = Number(process.argv[2] ?? 3);
const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));
// BENCH_CLI=path/to/cli.js compares another build (e.g. the previous release) on the same machine state
const cli = process.env.BENCH_CLI ?? here('../dist/cli.js');
/** task × host pairs of replication.yml (6 on the primary, 7 on the standby; handlers not counted) */
const TASK_HOSTS = 6 + 7;

type Tool = (s: SandboxState, dir: string, check: boolean) => string[];
const commonArgs = (s: SandboxState): string =>
  JSON.parse(
    /^ansible_ssh_common_args=(".*")$/m.exec(readFileSync(s.inventory, 'utf8'))?.[1] ?? '""',
  ) as string;
const runPlaybook =
  (fresh: boolean): Tool =>
  (s, _dir, check) => [
    ...['node', cli, here('../playbooks/replication.yml'), '-i', s.inventory, '-e', `@${s.secrets}`],
    ...(fresh
      ? ['-e', JSON.stringify({ ansible_ssh_common_args: `${commonArgs(s)} -o ControlPersist=no` })]
      : []),
    ...(check ? ['--check', '--diff'] : []),
  ];
const ansible: Tool = (s, dir, check) => {
  const args = `${commonArgs(s)} -o ControlPath=${dir}/a-{{ inventory_hostname }}`;
  return [
    ...['ansible-playbook', here('replication.ansible.yml'), '-i', s.inventory, '-e', `@${s.secrets}`],
    // Ansible has no runuser become method; and one master per host, as run-playbook has
    ...['-e', 'ansible_become_method=sudo', '-e', JSON.stringify({ ansible_ssh_common_args: args })],
    ...(check ? ['--check', '--diff'] : []),
  ];
};
const ansibleEnv = { ANSIBLE_PIPELINING: '1', ANSIBLE_NOCOLOR: '1' };

async function pairRuns(tool: Tool, env: NodeJS.ProcessEnv): Promise<Measured[]> {
  const dir = mkdtempSync(join(tmpdir(), 'rp-bench-'));
  chmodSync(dir, 0o755);
  const s = await sandboxUp({ root: join(dir, 'sandbox'), ssh: true });
  try {
    const out: Measured[] = [];
    for (const check of [true, false, false]) {
      const m = await measure(tool(s, dir, check), { ...env, ANSIBLE_SSH_CONTROL_PATH_DIR: dir });
      if (m.code !== 0) throw new Error(`${tool(s, dir, check).join(' ')} exited ${m.code}:\n${m.output}`);
      out.push(m);
    }
    return out;
  } finally {
    await sandboxDown(s.root);
    rmSync(dir, { recursive: true, force: true });
  }
}

function hasAnsible(): boolean {
  try {
    execFileSync('ansible-playbook', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const tools: [string, Tool, NodeJS.ProcessEnv][] = [['run-playbook', runPlaybook(false), {}]];
if (!process.env.BENCH_NO_FRESH) tools.push(['fresh', runPlaybook(true), {}]);
if (!process.env.BENCH_NO_ANSIBLE && hasAnsible()) tools.push(['ansible', ansible, ansibleEnv]);
const results = new Map<string, Measured[][]>();
console.log(
  `replication.yml over ssh on 127.0.0.1 (sandbox pair, PostgreSQL 15), ${pick.name} of ${runs}, ${loadLine()}`,
);
for (let i = 0; i < runs; i++)
  for (const [name, tool, env] of tools)
    results.set(name, [...(results.get(name) ?? []), await pairRuns(tool, env)]);
const steps = ['--check --diff, fresh pair', 'cold converge', 'no-op rerun'];
steps.forEach((step, k) => {
  const ours = pick.of((results.get('run-playbook') ?? []).map((r) => r[k] as Measured));
  console.log(`  ${step.padEnd(26)} run-playbook: ${figures(ours, TASK_HOSTS)}`);
  const fresh = results.get('fresh');
  if (fresh) {
    const f = pick.of(fresh.map((r) => r[k] as Measured));
    console.log(`  ${''.padEnd(26)} fresh:        ${figures(f, TASK_HOSTS)} (ControlPersist=no)`);
  }
  const theirs = results.get('ansible');
  if (!theirs) return;
  const a = pick.of(theirs.map((r) => r[k] as Measured));
  console.log(
    `  ${''.padEnd(26)} ansible:      ${figures(a, TASK_HOSTS)} -> ${(a.wallMs / ours.wallMs).toFixed(1)}x`,
  );
});
console.log(`(${loadLine()} at the end)`);
