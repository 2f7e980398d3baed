import { Demux } from './demux.js';
import type { RawResult } from './process.js';

/**
 * The result of each command of a batch (see batchScript in session-script.ts), from the batch's result. A
 * command whose frame did not end (the batch timed out, the become failed before any ran) gets the batch's own
 * exit code and stderr, as it would have alone.
 */
export function splitBatch(marker: string, r: RawResult, count: number): RawResult[] {
  const m = Buffer.from(marker);
  const out: { stdout?: string; code?: number; stderr?: string }[] = Array.from(
    { length: count },
    () => ({}),
  );
  const stdout = new Demux(m, (line, body) => {
    const e = /^E(\d+) (\d+)$/.exec(line);
    const part = e && out[Number(e[1])];
    if (!part) return;
    part.stdout = body.toString('utf8');
    part.code = Number(e[2]);
  });
  let noise = '';
  const stderr = new Demux(
    m,
    (line, body) => {
      const part = /^E\d+$/.test(line) ? out[Number(line.slice(1))] : undefined;
      if (part) part.stderr = body.toString('utf8');
    },
    (b) => (noise += b.toString('utf8')),
  );
  stdout.push(Buffer.from(r.stdout, 'utf8'));
  stdout.end();
  stderr.push(Buffer.from(r.stderr, 'utf8'));
  stderr.end();
  return out.map((p) =>
    p.code !== undefined && p.stdout !== undefined && p.stderr !== undefined
      ? { code: p.code, stdout: p.stdout, stderr: p.stderr }
      : {
          code: r.code === 0 ? 255 : r.code,
          stdout: '',
          stderr: noise.trim() || 'the batched command did not run to its end',
        },
  );
}
