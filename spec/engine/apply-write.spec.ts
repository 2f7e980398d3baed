import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { writeFileCmd, writeFileStdin } from '../../lib/engine/apply.js';
import { writeFile } from '../../lib/model/actions.js';
import { reveal } from '../../lib/secret.js';
import { eventually } from '../helpers/sandbox.js';

/**
 * The atomic write as the host runs it (`sh -c`, as over ssh), cut the two ways a run can cut it: the ssh
 * session drops (stdin ends early) or the host-side `timeout`/a hang-up signals the shell's process group.
 */
describe('engine: atomic file write cut halfway', () => {
  let dir: string;
  let path: string;
  const old = 'old content\n';
  const after = `${'new line of content\n'.repeat(5000)}`;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rp-write-'));
    path = join(dir, 'app.conf');
    writeFileSync(path, old);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  // what the engine sends: the expected hash and byte count on a line, then the content
  const input = () => reveal(writeFileStdin(writeFile({ path, before: old, after })));
  const start = () => {
    const cmd = writeFileCmd(writeFile({ path, before: old, after }), '20260101T000000');
    // its own process group, as a remote session's commands are (so the spec can signal all of it)
    return spawn('sh', ['-c', cmd.sh], { stdio: ['pipe', 'ignore', 'pipe'], detached: true });
  };
  const exited = (p: ReturnType<typeof start>) =>
    new Promise<number | null>((resolve) => p.on('close', (code) => resolve(code)));
  const leftovers = () => readdirSync(dir).filter((f) => f !== 'app.conf');

  it('keeps the old file and leaves no temp file when the content arrives incomplete', async () => {
    const p = start();
    p.stdin.end(input().slice(0, input().length / 2));
    const code = await exited(p);
    expect(code).to.not.equal(0);
    expect(readFileSync(path, 'utf8')).to.equal(old);
    expect(leftovers()).to.deep.equal([]);
  });

  it('removes its temp file when the session is gone: stdin cut and no one left to read its complaint', async () => {
    const p = start();
    // a dropped ssh session closes both ends: the shell's message then meets a broken pipe (SIGPIPE)
    p.stderr.destroy();
    p.stdin.end(input().slice(0, input().length / 2));
    const code = await exited(p);
    expect(code).to.not.equal(0);
    expect(readFileSync(path, 'utf8')).to.equal(old);
    expect(leftovers()).to.deep.equal([]);
  });

  it('removes its temp file when signalled mid-write (the host-side timeout or a hang-up)', async () => {
    const p = start();
    p.stdin.write(input().slice(0, 1000));
    // the temp file exists once the shell is inside the write
    expect(await eventually(async () => leftovers().length > 0)).to.equal(true);
    process.kill(-(p.pid as number), 'SIGTERM');
    // and the session ends, as it does on the host: a `cat` forked just as the signal came then ends too
    p.stdin.end();
    const code = await exited(p);
    expect(code).to.not.equal(0);
    expect(readFileSync(path, 'utf8')).to.equal(old);
    expect(leftovers()).to.deep.equal([]);
  });

  it('still writes a complete content', async () => {
    const p = start();
    p.stdin.end(input());
    expect(await exited(p)).to.equal(0);
    expect(readFileSync(path, 'utf8')).to.equal(after);
    expect(leftovers()).to.deep.equal([]);
  });
});
