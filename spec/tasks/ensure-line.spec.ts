import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ApplyError, InputError } from '../../lib/errors.js';
import { HostMemory } from '../../lib/facts/facts.js';
import { ensureLine } from '../../lib/tasks/ensure-line.js';
import { converge, localContext, localFacts } from '../helpers/local-facts.js';

describe('ensureLine plan() on real files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ensure-line-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('plans the exact whole new content, then converges', async () => {
    const path = join(dir, 'pg_hba.conf');
    writeFileSync(path, 'local all all peer\n');
    const args = { path, line: 'host replication rep 10.0.0.2/32 scram-sha-256', insertBefore: '^local' };
    const { first, second } = await converge(ensureLine, args);
    expect(first.actions).to.deep.equal([
      {
        kind: 'writeFile',
        path,
        before: 'local all all peer\n',
        after: 'host replication rep 10.0.0.2/32 scram-sha-256\nlocal all all peer\n',
      },
    ]);
    expect(readFileSync(path, 'utf8')).to.equal(
      first.actions[0]?.kind === 'writeFile' ? first.actions[0].after : '',
    );
    expect(second.actions).to.deep.equal([]);
    expect(second.reason).to.equal('line already present');
  });

  it('a missing file without create is an error naming the fix', async () => {
    const path = join(dir, 'nope');
    try {
      await ensureLine.plan(localContext(), { path, line: 'a' });
      expect.fail('no error');
    } catch (e) {
      expect(e).to.be.instanceOf(ApplyError);
      expect((e as Error).message).to.equal(`${path} does not exist; set create: true to create it`);
    }
  });

  it('create: true makes the file with the mode, and converges', async () => {
    const path = join(dir, 'new.conf');
    const { first, second } = await converge(ensureLine, { path, line: 'a = 1', create: true, mode: '0600' });
    expect(first.actions[0]).to.include({ kind: 'writeFile', before: null, after: 'a = 1\n', mode: '0600' });
    expect(statSync(path).mode & 0o777).to.equal(0o600);
    expect(second.actions).to.have.length(0);
  });

  it('only a mode difference plans setAttrs', async () => {
    const path = join(dir, 'f');
    writeFileSync(path, 'a\n', { mode: 0o644 });
    const { first, second } = await converge(ensureLine, { path, line: 'a', mode: '0640' });
    expect(first.actions).to.deep.equal([
      { kind: 'setAttrs', path, before: { mode: '0644' }, after: { mode: '0640' } },
    ]);
    expect(second.actions).to.deep.equal([]);
  });

  it('state absent removes the line and converges', async () => {
    const path = join(dir, 'f');
    writeFileSync(path, 'keep\nrecovery_target_time = x\n');
    const { second } = await converge(ensureLine, { path, match: '^recovery_target', state: 'absent' });
    expect(readFileSync(path, 'utf8')).to.equal('keep\n');
    expect(second.actions).to.deep.equal([]);
  });

  it('plans against the check-mode overlay, not the disk', async () => {
    const path = join(dir, 'f');
    writeFileSync(path, 'disk\n');
    const memory = new HostMemory();
    memory.overlay.set(path, { path, exists: true, isDir: false, content: 'predicted\n', mode: '0644' });
    const ctx = localContext({ facts: localFacts(memory), check: true });
    const plan = await ensureLine.plan(ctx, { path, line: 'x' });
    expect(plan.actions[0]).to.include({ before: 'predicted\n', after: 'predicted\nx\n' });
  });

  it('backup: true is carried on the write', async () => {
    const path = join(dir, 'f');
    writeFileSync(path, 'a\n');
    const plan = await ensureLine.plan(localContext(), { path, line: 'b', backup: true });
    expect(plan.actions[0]).to.include({ kind: 'writeFile', backup: true });
  });

  it('rejects a numeric mode with a message about quoting', async () => {
    const path = join(dir, 'f');
    writeFileSync(path, 'a\n');
    const args = { path, line: 'a', mode: 644 as unknown as string };
    try {
      await ensureLine.plan(localContext(), args);
      expect.fail('no error');
    } catch (e) {
      expect(e).to.be.instanceOf(InputError);
      expect((e as Error).message).to.match(/quoted octal string such as "0644", found the number 644/);
    }
  });

  it('a directory is an error', async () => {
    try {
      await ensureLine.plan(localContext(), { path: dir, line: 'a' });
      expect.fail('no error');
    } catch (e) {
      expect((e as Error).message).to.match(/is a directory/);
    }
  });
});
