import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { Host } from '../../lib/engine/connect.js';
import type { TaskResult } from '../../lib/model/results.js';
import { renderDiff } from '../../lib/report/diff.js';
import type { Task } from '../../lib/tasks/define.js';

/** A fingerprint of files (content + mtime), to show a check run touched nothing. */
export function filesSnapshot(paths: readonly string[]): () => Promise<string> {
  return async () =>
    paths
      .map((p) => {
        if (!existsSync(p)) return `${p}: absent`;
        return `${p}: ${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
      })
      .join('\n');
}

/** The outcome of {@link converge}. */
export interface Converged {
  check: TaskResult;
  real: TaskResult;
  again: TaskResult;
}

/**
 * The contract every task keeps, on a real host: a check run changes nothing (the snapshot is equal) and
 * shows the diff the real run then makes; after the real run, planning again finds nothing to do.
 */
export async function converge<A>(
  host: Host,
  task: Task<A>,
  args: A,
  snapshot: () => Promise<string>,
): Promise<Converged> {
  const before = await snapshot();
  const check = await task(host, args, { check: true });
  expect(check.status, check.error).to.be.oneOf(['ok', 'changed']);
  expect(await snapshot(), 'a check run changed the host').to.equal(before);
  const real = await task(host, args);
  expect(real.status, real.error).to.equal(check.status);
  expect(renderDiff(real.actions)).to.equal(renderDiff(check.actions));
  const again = await task(host, args);
  expect(again.status, `rerun of ${task.taskName}: ${renderDiff(again.actions)}`).to.equal('ok');
  expect(again.actions).to.deep.equal([]);
  return { check, real, again };
}
