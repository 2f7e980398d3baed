/**
 * Benchmark of the core: a 20-task no-op playbook over the loopback sshd, on 1 and on 10 hosts.
 * Prints wall time and time per task per host (median of several runs). Figures only; nothing is asserted.
 * Run: npx tsx bench/core.ts [runs]
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPlaybook } from '../lib/engine/run.js';
import { startSshd } from '../lib/sandbox/sshd.js';

const runs = Number(process.argv[2] ?? 5);
const TASKS = 20;

function playbook(dir: string): string {
  const tasks = Array.from({ length: TASKS }, (_, i) =>
    i % 2 === 0
      ? `    - file: { path: "${dir}/{{inventory_hostname}}-${i}", content: "v${i}\\n", mode: "0644" }`
      : `    - ensureLine: { path: "${dir}/{{inventory_hostname}}-${i}", line: "extra = ${i}", create: true }`,
  );
  return `- hosts: all\n  tasks:\n${tasks.join('\n')}\n`;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

async function main(): Promise<void> {
  const sshd = await startSshd();
  const dir = mkdtempSync(join(tmpdir(), 'rp-bench-'));
  chmodSync(dir, 0o755);
  try {
    const vars = Object.entries(sshd.hostVars())
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(' ');
    writeFileSync(join(dir, 'play.yml'), playbook(dir));
    console.log(
      `run-playbook core benchmark: ${TASKS}-task no-op playbook over ssh on 127.0.0.1, median of ${runs}`,
    );
    for (const n of [1, 10]) {
      const hosts = Array.from({ length: n }, (_, i) => `h${i + 1} ${vars}`).join('\n');
      writeFileSync(join(dir, `hosts${n}`), `[all]\n${hosts}\n`);
      const opts = { inventory: [join(dir, `hosts${n}`)] };
      const first = await runPlaybook(join(dir, 'play.yml'), opts);
      if (first.exitCode !== 0) throw new Error(`converge failed: exit ${first.exitCode}`);
      const times: number[] = [];
      for (let r = 0; r < runs; r++) {
        const t0 = performance.now();
        const s = await runPlaybook(join(dir, 'play.yml'), opts);
        times.push(performance.now() - t0);
        const changed = Object.values(s.stats).reduce((a, x) => a + x.changed, 0);
        if (changed !== 0) throw new Error(`rerun changed ${changed} tasks`);
      }
      const wall = median(times);
      console.log(
        `${String(n).padStart(2)} host(s): wall ${(wall / 1000).toFixed(2)} s, ${(wall / (TASKS * n)).toFixed(1)} ms per task per host (runs: ${times.map((t) => (t / 1000).toFixed(2)).join(', ')} s)`,
      );
    }
  } finally {
    await sshd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
