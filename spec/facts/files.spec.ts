import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { localFacts } from '../helpers/local-facts.js';

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
});
