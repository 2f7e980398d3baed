import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runPlaybook } from '../../lib/engine/run.js';
import type { RunEvent } from '../../lib/model/events.js';
import { eventually } from '../helpers/sandbox.js';

/** `stop`, as a library caller (or the CLI on SIGTERM) gives it: on the local connection, no ssh. */
describe('engine: a stopped run', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rp-stop-'));
    writeFileSync(join(dir, 'hosts'), '[a]\nh1\nh2\n[all:vars]\nansible_connection=local\n');
    writeFileSync(
      join(dir, 'p.yml'),
      `- hosts: all
  tasks:
    - name: wait
      command: "touch ${dir}/{{inventory_hostname}}.started; while [ ! -e ${dir}/release ]; do sleep 0.1; done"
    - name: loop
      command: "touch ${dir}/{{inventory_hostname}}.{{item}}"
      loop: [1, 2]
`,
    );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finishes the tasks in flight, starts none after, warns, and exits 128 + the signal', async () => {
    const stop = new AbortController();
    const events: RunEvent[] = [];
    const run = runPlaybook(join(dir, 'p.yml'), {
      inventory: [join(dir, 'hosts')],
      onEvent: (e) => events.push(e),
      stop: stop.signal,
    });
    const started = await eventually(
      async () => existsSync(join(dir, 'h1.started')) && existsSync(join(dir, 'h2.started')),
    );
    expect(started).to.equal(true);
    stop.abort('SIGTERM');
    writeFileSync(join(dir, 'release'), '');
    const s = await run;
    expect(s.exitCode).to.equal(143);
    expect(s.stats.h1).to.include({ ok: 1, changed: 1, failed: 0 });
    expect(existsSync(join(dir, 'h1.1'))).to.equal(false);
    const warnings = events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));
    expect(warnings.join('\n'))
      .to.match(/SIGTERM: stopping/)
      .and.match(/interrupted by SIGTERM/);
    expect(events.at(-1)?.type).to.equal('recap');
  });
});
