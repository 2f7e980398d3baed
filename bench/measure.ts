/**
 * Timing and memory of one CLI run, as a user would start it: a child process, wall time from spawn to exit,
 * and peak RSS from GNU time (the largest single process among the run and the children it waited for).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One measured run. */
export interface Measured {
  code: number;
  wallMs: number;
  /** peak RSS in MB; undefined without /usr/bin/time */
  rssMb: number | undefined;
  /** user + system CPU seconds of the run and the children it waited for (not daemonized ssh masters) */
  cpuS: number | undefined;
  output: string;
}

const GNU_TIME = '/usr/bin/time';

/** Runs argv to its end; never throws for a non-zero exit (the caller decides). */
export async function measure(argv: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'rp-measure-'));
  const out = join(dir, 'rss');
  const withTime = existsSync(GNU_TIME) ? [GNU_TIME, '-f', '%M %U %S', '-o', out, ...argv] : [...argv];
  const t0 = performance.now();
  const [file, ...args] = withTime;
  const child = spawn(file as string, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => chunks.push(b));
  child.stderr.on('data', (b: Buffer) => chunks.push(b));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  const wallMs = performance.now() - t0;
  const last = existsSync(out) ? (readFileSync(out, 'utf8').trim().split('\n').pop() ?? '') : '';
  const [kb, user, sys] = last.split(' ').map(Number) as [number, number, number];
  rmSync(dir, { recursive: true, force: true });
  return {
    code,
    wallMs,
    rssMb: Number.isFinite(kb) ? kb / 1024 : undefined,
    cpuS: Number.isFinite(user + sys) ? user + sys : undefined,
    output: Buffer.concat(chunks).toString('utf8'),
  };
}

/** The median of the runs by wall time (its RSS is reported with it). */
export function median(runs: readonly Measured[]): Measured {
  const s = [...runs].sort((a, b) => a.wallMs - b.wallMs);
  const m = s[Math.floor(s.length / 2)];
  if (!m) throw new Error('no runs');
  return m;
}

/** `1.23 s, 12.3 ms/task/host, peak RSS 80 MB, CPU 0.90 s` */
export function figures(m: Measured, units: number): string {
  const rss = m.rssMb === undefined ? 'RSS n/a' : `peak RSS ${m.rssMb.toFixed(0)} MB`;
  const cpu = m.cpuS === undefined ? '' : `, CPU ${m.cpuS.toFixed(2)} s`;
  return `${(m.wallMs / 1000).toFixed(2)} s, ${(m.wallMs / units).toFixed(1)} ms/task/host, ${rss}${cpu}`;
}

/** The load average, printed with the figures: on a busy machine they mean less. */
export function loadLine(): string {
  const l = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  return `load average ${l}`;
}

/** The fastest run (on a machine shared with other work, the least disturbed one). */
export function best(runs: readonly Measured[]): Measured {
  const b = [...runs].sort((x, y) => x.wallMs - y.wallMs)[0];
  if (!b) throw new Error('no runs');
  return b;
}

/** The run reported: the median, or the best with BENCH_PICK=best (a loaded machine); and its name. */
export const pick: { name: string; of: (runs: readonly Measured[]) => Measured } =
  process.env.BENCH_PICK === 'best' ? { name: 'best', of: best } : { name: 'median', of: median };
