import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runProcess } from '../../lib/connection/process.js';
import { bundleCli } from '../../lib/engine/bundle.js';
import { precompileSchemas } from '../../lib/engine/precompile.js';
import { type SshdHandle, startSshd } from '../../lib/sandbox/sshd.js';
import { hostsChanged, root } from '../helpers/cli.js';
import { exitKeptMasters, sshHostLine } from '../helpers/leftovers.js';

/**
 * The CLI as `npm run build` ships it: bundled by esbuild (lib/engine/bundle.ts) beside precompiled validators,
 * built here from the current source into a directory of the project (as dist/ is, so node_modules and
 * package.json are found the same way). The other specs run the source through tsx; this one runs the bundle
 * through the paths that load code late: the tasks, handlebars for a template with a helper, the diff library,
 * and the precompiled validators for an input error.
 */
describe('e2e: the built CLI (the esbuild bundle)', function () {
  this.timeout(120_000);
  let dist: string;
  let sshd: SshdHandle;
  let work: string;
  const cli = (args: string[]) =>
    runProcess([process.execPath, join(dist, 'cli.js'), ...args], Buffer.alloc(0), {
      cwd: work,
      env: { ...process.env, NO_COLOR: '1', HOME: join(work, 'home') },
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

  it('is a one-line entry and a few chunks, and prints the package version', async () => {
    expect(readFileSync(join(dist, 'cli.js'), 'utf8')).to.equal(
      "#!/usr/bin/env node\nimport './bin/cli.js';\n",
    );
    expect(readdirSync(join(dist, 'bin')).length).to.be.within(2, 80);
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
});
