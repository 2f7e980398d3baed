import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { LocalConnection } from '../../lib/connection/local.js';
import { executeTask } from '../../lib/engine/execute.js';
import { HostMemory, ReadFiles } from '../../lib/facts/facts.js';
import { exec, writeFile } from '../../lib/model/actions.js';
import { sh } from '../../lib/model/command.js';
import { defineTask, type Plan } from '../../lib/tasks/define.js';

/** What a run remembers between tasks: kept through no-op tasks, forgotten once a task applied something. */
describe('engine: facts and files between tasks', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rp-memory-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  // a real run on this machine, no peers
  const o = {
    check: false,
    become: undefined,
    vars: {},
    baseDirs: [],
    factsOf: () => {
      throw new Error('no peer');
    },
    progress: () => undefined,
  };

  /** A task that reads `read` and, when `write` is given, writes it; it says applying invalidates `k:`. */
  const readThenWrite = defineTask<{ read: string; write?: string }>({
    name: 'readThenWrite',
    description: 'spec task',
    schema: {
      type: 'object',
      properties: { read: { type: 'string' }, write: { type: 'string', nullable: true } },
      required: ['read'],
      additionalProperties: false,
    },
    async plan(ctx, args): Promise<Plan> {
      const st = await ctx.facts.file(args.read);
      const actions = args.write
        ? [writeFile({ path: args.write, before: null, after: `read: ${st.content}` })]
        : [];
      return { actions, invalidates: ['k:'] };
    },
  });

  it('keeps what was read, and memoised facts, through a task that applied nothing', async () => {
    const memory = new HostMemory(new ReadFiles());
    const h = { name: 'local', conn: new LocalConnection('local'), memory };
    const src = join(dir, 'src');
    const out = join(dir, 'out');
    writeFileSync(src, 'one');
    memory.cache.set('k:fact', Promise.resolve(1));
    expect((await executeTask(h, readThenWrite, { read: src }, o)).status).to.equal('ok');
    writeFileSync(src, 'two'); // changed behind the run's back: a later task still sees what was read
    expect((await executeTask(h, readThenWrite, { read: src }, o)).status).to.equal('ok');
    expect(memory.cache.has('k:fact'), 'a no-op task invalidates nothing').to.equal(true);
    expect(memory.files.get('local', undefined, src)?.content).to.equal('one');
    // a task that applies forgets both, after planning with what was read
    expect((await executeTask(h, readThenWrite, { read: src, write: out }, o)).status).to.equal('changed');
    expect(readFileSync(out, 'utf8')).to.equal('read: one');
    expect(memory.cache.has('k:fact')).to.equal(false);
    expect(memory.files.get('local', undefined, src)).to.equal(undefined);
    rmSync(out);
    await executeTask(h, readThenWrite, { read: src, write: out }, o);
    expect(readFileSync(out, 'utf8')).to.equal('read: two');
  });

  it('forgets them too when applying fails halfway (a later task may still run: ignore_errors)', async () => {
    const memory = new HostMemory(new ReadFiles());
    const h = { name: 'local', conn: new LocalConnection('local'), memory };
    const src = join(dir, 'half');
    writeFileSync(src, 'before');
    const writeThenFail = defineTask<{ path: string }>({
      name: 'writeThenFail',
      description: 'spec task',
      schema: {
        type: 'object',
        properties: { path: { type: 'string' } },
        required: ['path'],
        additionalProperties: false,
      },
      async plan(ctx, args): Promise<Plan> {
        const st = await ctx.facts.file(args.path);
        return {
          actions: [
            writeFile({ path: args.path, before: st.content, after: 'after' }),
            exec({ summary: 'fails', cmd: sh`exit 3` }),
          ],
          invalidates: ['k:'],
        };
      },
    });
    memory.cache.set('k:fact', Promise.resolve(1));
    const err = await executeTask(h, writeThenFail, { path: src }, o).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(Error);
    expect(readFileSync(src, 'utf8')).to.equal('after');
    expect(memory.files.get('local', undefined, src), 'the file read before the write').to.equal(undefined);
    expect(memory.cache.has('k:fact')).to.equal(false);
  });
});
