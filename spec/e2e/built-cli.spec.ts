import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runProcess } from '../../lib/connection/process.js';
import { bundleCli } from '../../lib/engine/bundle.js';
import { codeCacheDir, codeCacheFile, nodeFlags } from '../../lib/engine/code-cache.js';
import { precompileSchemas } from '../../lib/engine/precompile.js';
import { type SshdHandle, startSshd } from '../../lib/sandbox/sshd.js';
import { hostsChanged, root } from '../helpers/cli.js';
import { exitKeptMasters, sshHostLine } from '../helpers/leftovers.js';

/**
 * The CLI as `npm run build` ships it: bundled by esbuild (lib/engine/bundle.ts) beside precompiled validators,
 * built here from the current source into a directory of the project (as dist/ is, so node_modules and
 * package.json are found the same way). The other specs run the source through tsx; this one runs the bundle
 * through the paths that load code late: the tasks, handlebars for a template with a helper, the diff library,
 * and the precompiled validators for an input error; and the V8 code cache its entry keeps (engine/code-cache.ts).
 */
describe('e2e: the built CLI (the esbuild bundle)', function () {
  this.timeout(120_000);
  let dist: string;
  let sshd: SshdHandle;
  let work: string;
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    runProcess([process.execPath, join(dist, 'cli.js'), ...args], Buffer.alloc(0), {
      cwd: work,
      env: { ...process.env, NO_COLOR: '1', HOME: join(work, 'home'), ...env },
    });

  before(async () => {
    dist = mkdtempSync(join(root, '.rp-bundle-'));
    precompileSchemas(join(dist, 'schemas'));
    await bundleCli(dist, join(root, 'lib/cli.ts'));
    sshd = await startSshd();
    work = mkdtempSync(join(tmpdir(), 'rp-built-'));
    writeFileSync(join(work, 'hosts'), `[web]\n${sshHostLine('web1', sshd)}\n`);
    writeFileSync(
      join(work, 'site.yml'),
      `- hosts: web
  vars: { greeting: hello }
  tasks:
    - name: a file from a template with a helper
      file:
        path: "${work}/{{ inventory_hostname }}.txt"
        content: "{{#if (eq greeting 'hello')}}{{ upper greeting }}{{else}}bye{{/if}} from {{ inventory_hostname }}\\n"
`,
    );
    writeFileSync(
      join(work, 'bad.yml'),
      '- hosts: web\n  tasks:\n    - file: { path: /tmp/x, mode: [1, 2] }\n',
    );
  });
  after(async () => {
    if (work) await exitKeptMasters(join(work, 'home'));
    await sshd?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
    if (dist) rmSync(dist, { recursive: true, force: true });
  });

  it('is a small entry and one bundle, and prints the package version', async () => {
    const entry = readFileSync(join(dist, 'cli.js'), 'utf8');
    expect(entry.startsWith('#!/usr/bin/env node\n')).to.equal(true);
    expect(entry.length, 'the entry holds the code cache loader only').to.be.below(8000);
    expect(readdirSync(join(dist, 'bin'))).to.deep.equal(['cli.cjs']);
    // every precompiled validator is carried in the bundle (and so in its code cache), by its file name: esbuild
    // made its require() a call of the module it bundled
    const bundle = readFileSync(join(dist, 'bin', 'cli.cjs'), 'utf8');
    const validators = readdirSync(join(dist, 'schemas'));
    expect(validators.length).to.be.above(40);
    for (const f of validators)
      expect(bundle).to.match(new RegExp(`"${f.replace(/\./g, '\\.')}": ?\\(\\) ?=> ?require_`));
    const r = await cli(['--version']);
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(r).to.deep.include({ code: 0, stdout: `run-playbook ${version}\n` });
  });

  it('--check --diff shows the diff and writes nothing; the run writes it; the rerun changes nothing', async () => {
    const out = join(work, 'web1.txt');
    const check = await cli(['site.yml', '-i', 'hosts', '--check', '--diff']);
    expect(check.code, check.stdout + check.stderr).to.equal(0);
    expect(check.stdout).to.include('+HELLO from web1');
    expect(existsSync(out)).to.equal(false);
    const run = await cli(['site.yml', '-i', 'hosts']);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(hostsChanged(run.stdout)).to.deep.equal([1]);
    expect(readFileSync(out, 'utf8')).to.equal('HELLO from web1\n');
    const again = await cli(['site.yml', '-i', 'hosts']);
    expect(hostsChanged(again.stdout)).to.deep.equal([0]);
  });

  it('an argument of the wrong type is exit 3 at its file:line:col, with no stack trace, before any play', async () => {
    const r = await cli(['bad.yml', '-i', 'hosts']);
    expect(r.code, r.stdout + r.stderr).to.equal(3);
    expect(r.stderr).to.match(/bad\.yml:3:\d+: .*mode/);
    expect(r.stderr).not.to.match(/\n\s+at /);
    expect(r.stdout).not.to.include('PLAY RECAP');
  });

  describe('the code cache', () => {
    const debug = { RUN_PLAYBOOK_DEBUG_CODE_CACHE: '1' };
    const dir = () => codeCacheDir(join(work, 'home'));
    // the CLI runs as `node dist/cli.js`, without this mocha process's own node arguments
    const file = () =>
      codeCacheFile(
        dir(),
        readFileSync(join(dist, 'bin', 'cli.cjs'), 'utf8').replace(/^#!.*/, ''),
        nodeFlags([]),
      );
    const used = (r: { stderr: string }) => /^code cache: (\w+)$/m.exec(r.stderr)?.[1];
    beforeEach(() => rmSync(dir(), { recursive: true, force: true }));

    it('is written by the first run, private to the user, used after, and written again only when it grows', async () => {
      const version = await cli(['--version'], debug);
      expect(used(version)).to.equal('none');
      expect(version.stderr).to.include('code cache: written');
      expect(statSync(dir()).mode & 0o777).to.equal(0o700);
      expect(statSync(file()).mode & 0o777).to.equal(0o600);
      const small = statSync(file()).size;
      // a playbook run compiles far more than --version: it starts from the cache and writes a larger one
      const first = await cli(['site.yml', '-i', 'hosts', '--check'], debug);
      expect(first.code, first.stderr).to.equal(0);
      expect(used(first)).to.equal('used');
      expect(first.stderr).to.include('code cache: written');
      expect(statSync(file()).size).to.be.above(small + 100_000);
      const written = readFileSync(file());
      const second = await cli(['site.yml', '-i', 'hosts', '--check'], debug);
      expect(used(second)).to.equal('used');
      expect(second.stdout).to.equal(first.stdout);
      expect(second.stderr).not.to.include('code cache: written');
      expect(
        readFileSync(file()).equals(written),
        'a cache the run did not outgrow is left as it is',
      ).to.equal(true);
      const version2 = await cli(['--version'], debug);
      expect(used(version2)).to.equal('used');
      expect(version2.stderr).not.to.include('code cache: written');
    });

    it('one V8 refuses (another Node, a damaged file) is replaced', async () => {
      mkdirSync(dir(), { recursive: true, mode: 0o700 });
      writeFileSync(file(), Buffer.alloc(4096, 7), { mode: 0o600 });
      const r = await cli(['site.yml', '-i', 'hosts', '--check'], debug);
      expect(r.code, r.stderr).to.equal(0);
      expect(used(r)).to.equal('rejected');
      expect(statSync(file()).size).to.be.above(100_000);
      expect(used(await cli(['site.yml', '-i', 'hosts', '--check'], debug))).to.equal('used');
    });

    it('is not trusted when others could have written it, nor read or written when turned off', async () => {
      await cli(['site.yml', '-i', 'hosts', '--check']);
      chmodSync(file(), 0o620);
      expect(used(await cli(['--version'], debug))).to.equal('none');
      expect(statSync(file()).mode & 0o777, 'replaced by one of our own').to.equal(0o600);
      chmodSync(dir(), 0o770);
      expect(used(await cli(['--version'], debug))).to.equal('none');
      rmSync(dir(), { recursive: true, force: true });
      const off = await cli(['site.yml', '-i', 'hosts', '--check'], {
        ...debug,
        NODE_DISABLE_COMPILE_CACHE: '1',
      });
      expect(off.code, off.stderr).to.equal(0);
      expect(used(off)).to.equal('off');
      expect(off.stderr).not.to.include('code cache: written');
      expect(existsSync(dir())).to.equal(false);
    });
  });
});
