/**
 * Benchmark of the main job over ssh (the sandbox pair behind a private sshd on 127.0.0.1): wall time of a
 * cold converge, of the no-op rerun, and of --check --diff on a fresh pair; median of several runs.
 * Figures only; nothing is asserted. Run as root: npx tsx bench/replication.ts [runs]
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseExtraVars } from '../lib/cli/args.js';
import { runPlaybook } from '../lib/engine/run.js';
import { type SandboxState, sandboxDown, sandboxUp } from '../lib/sandbox/sandbox.js';

const runs = Number(process.argv[2] ?? 3);
const playbook = fileURLToPath(new URL('../playbooks/replication.yml', import.meta.url));

const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function timed(s: SandboxState, check: boolean): Promise<number> {
  const t0 = performance.now();
  const r = await runPlaybook(playbook, {
    inventory: [s.inventory],
    extraVars: parseExtraVars(`@${s.secrets}`),
    check,
  });
  if (r.exitCode !== 0) throw new Error(`replication.yml exited ${r.exitCode}`);
  return performance.now() - t0;
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

const cold: number[] = [];
const rerun: number[] = [];
const check: number[] = [];
for (let i = 0; i < runs; i++) {
  await withSandbox(async (s) => {
    check.push(await timed(s, true));
    cold.push(await timed(s, false));
    rerun.push(await timed(s, false));
  });
}
const fmt = (xs: number[]) =>
  `${(median(xs) / 1000).toFixed(2)} s (runs: ${xs.map((x) => (x / 1000).toFixed(2)).join(', ')})`;
console.log(`replication.yml over ssh on 127.0.0.1 (sandbox pair, PostgreSQL 15), median of ${runs}`);
console.log(`  --check --diff, fresh pair: ${fmt(check)}`);
console.log(`  cold converge:              ${fmt(cold)}`);
console.log(`  no-op rerun:                ${fmt(rerun)}`);
