import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { HostMemory } from '../../lib/facts/facts.js';
import type { Exec } from '../../lib/model/actions.js';
import { command } from '../../lib/tasks/command.js';
import { applyPlanLocally, converge, localContext, localFacts } from '../helpers/local-facts.js';

describe('command plan()', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'command-task-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a string is shell code, run as is, with a prediction', async () => {
    const plan = await command.plan(localContext(), { cmd: 'echo a | tr a b' });
    expect(plan.actions).to.deep.equal([
      {
        kind: 'exec',
        summary: 'echo a | tr a b',
        cmd: { sh: 'echo a | tr a b' },
        prediction: 'would run: echo a | tr a b',
      },
    ]);
    expect(plan.data).to.equal(undefined);
  });

  it('an array is an argv, each word POSIX-quoted', async () => {
    const plan = await command.plan(localContext(), { cmd: ['touch', join(dir, "it's here")] });
    const a = plan.actions[0] as Exec;
    expect(a.cmd.sh).to.equal(`touch '${dir}/it'\\''s here'`);
    await applyPlanLocally(plan.actions);
    expect(readFileSync(join(dir, "it's here"), 'utf8')).to.equal('');
  });

  it('creates: runs once, then is ok with the reason', async () => {
    const marker = join(dir, 'done');
    const { first, second } = await converge(command, { cmd: ['touch', marker], creates: marker });
    expect(first.actions).to.have.length(1);
    expect(second).to.deep.equal({ actions: [], reason: `exists: ${marker} (creates)` });
  });

  it('removes: ok while the path is missing, runs when it exists', async () => {
    const path = join(dir, 'old');
    const missing = await command.plan(localContext(), { cmd: ['rm', path], removes: path });
    expect(missing).to.deep.equal({ actions: [], reason: `missing: ${path} (removes)` });
    writeFileSync(path, '');
    const { first, second } = await converge(command, { cmd: ['rm', path], removes: path });
    expect(first.actions).to.have.length(1);
    expect(second.actions).to.deep.equal([]);
  });

  it('chdir wraps the command and resolves a relative creates in it', async () => {
    const args = { cmd: 'touch made', chdir: dir, creates: 'made' };
    const { first, second } = await converge(command, args);
    expect((first.actions[0] as Exec).cmd.sh).to.equal(`cd ${dir} && touch made`);
    expect(second.reason).to.equal('exists: made (creates)');
  });

  it('creates honours a file planned earlier in check mode', async () => {
    const marker = join(dir, 'planned');
    const memory = new HostMemory();
    memory.overlay.set(marker, { path: marker, exists: true, isDir: false, content: '' });
    const ctx = localContext({ facts: localFacts(memory), check: true });
    const plan = await command.plan(ctx, { cmd: 'false', creates: marker });
    expect(plan.actions).to.deep.equal([]);
  });

  it('stdin, timeout and changed: false are carried', async () => {
    const out = join(dir, 'out');
    const plan = await command.plan(localContext(), {
      cmd: `cat > ${out}`,
      stdin: 'hello\n',
      timeout: 5,
      changed: false,
    });
    const a = plan.actions[0] as Exec;
    expect(String(a.stdin)).to.equal('hello\n');
    expect(a.timeoutSec).to.equal(5);
    expect(plan.data).to.deep.equal({ reportChanged: false });
    await applyPlanLocally(plan.actions);
    expect(readFileSync(out, 'utf8')).to.equal('hello\n');
  });
});
