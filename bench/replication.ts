/**
 * Benchmark of the main job over ssh (the sandbox pair behind a private sshd on 127.0.0.1), run as a user
 * runs it (`node dist/cli.js`): `--check --diff` on a fresh pair, the cold converge, and the no-op rerun;
 * wall time, time per task per host, peak RSS and CPU, median of several runs. Figures only.
 * Run as root: npm run build && npx tsx bench/replication.ts [runs]
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type SandboxState, sandboxDown, sandboxUp } from '../lib/sandbox/sandbox.js';
import { figures, loadLine, type Measured, measure, median } from './measure.js';

const runs = Number(process.argv[2] ?? 3);
const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));
// BENCH_CLI=path/to/cli.js compares another build (e.g. the previous release) on the same machine state
const cli = process.env.BENCH_CLI ?? here('../dist/cli.js');
const playbook = here('../playbooks/replication.yml');
/** task × host pairs of replication.yml (6 on the primary, 7 on the standby; handlers not counted) */
const TASK_HOSTS = 6 + 7;

async function timed(s: SandboxState, check: boolean): Promise<Measured> {
  const argv = ['node', cli, playbook, '-i', s.inventory, '-e', `@${s.secrets}`];
  const m = await measure(check ? [...argv, '--check', '--diff'] : argv);
  if (m.code !== 0) throw new Error(`replication.yml exited ${m.code}:\n${m.output}`);
  return m;
}

async function withSandbox<T>(fn: (s: SandboxState) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'rp-bench-'));
  chmodSync(dir, 0o755);
  const s = await sandboxUp({ root: join(dir, 'sandbox'), ssh: true });
  try {
    return await fn(s);
  } finally {
    await sandboxDown(s.root);
    rmSync(dir, { recursive: true, force: true });
  }
}

const cold: Measured[] = [];
const rerun: Measured[] = [];
const check: Measured[] = [];
console.log(
  `replication.yml over ssh on 127.0.0.1 (sandbox pair, PostgreSQL 15), median of ${runs}, ${loadLine()}`,
);
for (let i = 0; i < runs; i++) {
  await withSandbox(async (s) => {
    check.push(await timed(s, true));
    cold.push(await timed(s, false));
    rerun.push(await timed(s, false));
  });
}
const runsOf = (xs: Measured[]) => xs.map((x) => (x.wallMs / 1000).toFixed(2)).join(', ');
for (const [name, xs] of [
  ['--check --diff, fresh pair', check],
  ['cold converge             ', cold],
  ['no-op rerun               ', rerun],
] as const)
  console.log(`  ${name}: ${figures(median(xs), TASK_HOSTS)} (runs: ${runsOf(xs)} s)`);
console.log(`(${loadLine()} at the end)`);
