import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { Facts, HostMemory, ReadFiles } from '../../lib/facts/facts.js';
import { localFacts, runLocal } from '../helpers/local-facts.js';

/** Reading several files in one round trip: any bytes, directories, missing files, and the per-plan cache. */
describe('facts: files', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rp-files-'));
    writeFileSync(join(dir, 'a'), 'line one\nzwei: ä\n\nno newline at end');
    writeFileSync(join(dir, 'empty'), '');
    mkdirSync(join(dir, 'd'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads files, an empty one, a directory and a missing path in one probe, in order', async () => {
    const facts = localFacts();
    const [a, empty, d, none] = await facts.files(['a', 'empty', 'd', 'none'].map((n) => join(dir, n)));
    expect(a).to.deep.include({
      exists: true,
      isDir: false,
      content: 'line one\nzwei: ä\n\nno newline at end',
    });
    expect(a?.mode).to.match(/^0[0-7]{3}$/);
    expect(empty).to.deep.include({ exists: true, content: '' });
    expect(d).to.deep.include({ exists: true, isDir: true, content: null });
    expect(none).to.deep.include({ exists: false, content: null });
  });

  it('keeps what a plan read until forgetFiles(), as the engine calls after applying', async () => {
    const facts = localFacts();
    const path = join(dir, 'a');
    const first = await facts.file(path);
    writeFileSync(path, 'changed');
    expect((await facts.file(path)).content).to.equal(first.content);
    facts.forgetFiles();
    expect((await facts.file(path)).content).to.equal('changed');
  });

  it("shares what was read between a run's tasks, by host and user, until anything is applied on any host", async () => {
    const read = new ReadFiles();
    const h1 = new HostMemory(read);
    const h2 = new HostMemory(read);
    let probes = 0;
    const counting = (host: string, memory: HostMemory, asUser?: string) =>
      new Facts(
        host,
        (cmd) => {
          probes++;
          return runLocal(cmd);
        },
        memory,
        asUser,
      );
    const path = join(dir, 'shared');
    writeFileSync(path, 'one');
    expect((await counting('h1', h1).file(path)).content).to.equal('one');
    writeFileSync(path, 'two');
    // a later task on the same host, as the same user: no probe, what was read
    expect((await counting('h1', h1).file(path)).content).to.equal('one');
    expect(probes).to.equal(1);
    // another user (asked for, or the task's become user), or another host: read again
    expect((await counting('h1', h1).file(path, { user: 'root' })).content).to.equal('two');
    expect((await counting('h1', h1, 'postgres').file(path)).content).to.equal('two');
    expect((await counting('h1', h1, 'postgres').file(path, { user: 'postgres' })).content).to.equal('two');
    expect((await counting('h2', h2).file(path)).content).to.equal('two');
    expect(probes).to.equal(4);
    // a task applied on h2: h1's reads are forgotten too (a task may act on a peer)
    counting('h2', h2).forgetFiles();
    writeFileSync(path, 'three');
    expect((await counting('h1', h1).file(path)).content).to.equal('three');
    expect(probes).to.equal(5);
  });

  it("gives a check run's predicted content, or with `real` what the host holds, read once", async () => {
    let probes = 0;
    const facts = new Facts(
      'h1',
      (cmd) => {
        probes++;
        return runLocal(cmd);
      },
      new HostMemory(new ReadFiles()),
    );
    const path = join(dir, 'planned');
    writeFileSync(path, 'on disk');
    facts.memory.overlay.set(path, { path, exists: true, isDir: false, content: 'predicted', mode: '0600' });
    expect((await facts.file(path)).content).to.equal('predicted');
    expect(probes).to.equal(0);
    const [real] = await facts.files([path], { real: true });
    expect(real?.content).to.equal('on disk');
    expect((await facts.file(path)).content, 'the prediction still stands').to.equal('predicted');
    expect((await facts.files([path], { real: true }))[0]?.content).to.equal('on disk');
    expect(probes, 'what the host holds is read once').to.equal(1);
  });
});
