import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ApplyError } from '../../lib/errors.js';
import { file } from '../../lib/tasks/file.js';
import { converge, localContext } from '../helpers/local-facts.js';

describe('file plan() on real files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'file-task-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a file with content, mode and owner, then converges', async () => {
    const path = join(dir, 'a.conf');
    const args = { path, content: 'x = 1\n', mode: '0640', owner: 'postgres', group: 'postgres' };
    const { first, second } = await converge(file, args);
    expect(first.actions).to.deep.equal([
      {
        kind: 'writeFile',
        path,
        before: null,
        after: 'x = 1\n',
        mode: '0640',
        owner: 'postgres',
        group: 'postgres',
      },
    ]);
    expect(first.reason).to.equal('file created');
    expect(readFileSync(path, 'utf8')).to.equal('x = 1\n');
    expect(statSync(path).mode & 0o777).to.equal(0o640);
    expect(second.actions).to.deep.equal([]);
    expect(second.reason).to.equal('content as wanted');
  });

  it('replaces different content with before and after', async () => {
    const path = join(dir, 'a');
    writeFileSync(path, 'old\n');
    const plan = await file.plan(localContext(), { path, content: 'new\n', backup: true });
    expect(plan.actions).to.deep.equal([
      { kind: 'writeFile', path, before: 'old\n', after: 'new\n', backup: true },
    ]);
  });

  it('only attributes differ: setAttrs, then converges', async () => {
    const path = join(dir, 'a');
    writeFileSync(path, 'same\n', { mode: 0o600 });
    const { first, second } = await converge(file, { path, mode: '644' });
    expect(first.actions).to.deep.equal([
      { kind: 'setAttrs', path, before: { mode: '0600' }, after: { mode: '0644' } },
    ]);
    expect(second.actions).to.deep.equal([]);
  });

  it('state file without content on a missing path is an error', async () => {
    const path = join(dir, 'missing');
    try {
      await file.plan(localContext(), { path });
      expect.fail('no error');
    } catch (e) {
      expect(e).to.be.instanceOf(ApplyError);
      expect((e as Error).message).to.equal(`${path} does not exist; give "content" to create it`);
    }
  });

  it('directory: makeDir, then converges; attributes are set on an existing one', async () => {
    const path = join(dir, 'd', 'e');
    const { first, second } = await converge(file, { path, state: 'directory', mode: '0700' });
    expect(first.actions).to.deep.equal([{ kind: 'makeDir', path, mode: '0700' }]);
    expect(statSync(path).isDirectory()).to.equal(true);
    expect(second.actions).to.deep.equal([]);
    const again = await file.plan(localContext(), { path, state: 'directory', mode: '0750' });
    expect(again.actions).to.deep.equal([
      { kind: 'setAttrs', path, before: { mode: '0700' }, after: { mode: '0750' } },
    ]);
  });

  it('directory over a regular file is an error', async () => {
    const path = join(dir, 'f');
    writeFileSync(path, '');
    try {
      await file.plan(localContext(), { path, state: 'directory' });
      expect.fail('no error');
    } catch (e) {
      expect((e as Error).message).to.match(/exists and is not a directory/);
    }
  });

  it('absent removes a file (writeFile after: null), then converges', async () => {
    const path = join(dir, 'f');
    writeFileSync(path, 'bye\n');
    const { first, second } = await converge(file, { path, state: 'absent' });
    expect(first.actions).to.deep.equal([{ kind: 'writeFile', path, before: 'bye\n', after: null }]);
    expect(existsSync(path)).to.equal(false);
    expect(second).to.deep.equal({ actions: [], reason: 'already absent' });
  });

  it('absent removes an empty directory with rmdir, and refuses a non-empty one', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const { first, second } = await converge(file, { path: empty, state: 'absent' });
    expect(first.actions[0]).to.include({ kind: 'exec', summary: `rmdir ${empty}` });
    expect(existsSync(empty)).to.equal(false);
    expect(second.actions).to.deep.equal([]);
    writeFileSync(join(dir, 'x'), '');
    try {
      await file.plan(localContext(), { path: dir, state: 'absent' });
      expect.fail('no error');
    } catch (e) {
      expect((e as Error).message).to.match(/not empty/);
    }
  });
});
