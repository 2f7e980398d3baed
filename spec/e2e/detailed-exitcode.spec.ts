import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runCli } from '../helpers/cli.js';

/** Drift detection for cron and CI: --detailed-exitcode says 6 when something would change (or changed). */
describe('e2e: --detailed-exitcode', function () {
  this.timeout(60_000);
  let dir: string;
  const run = (...extra: string[]) =>
    runCli([join(dir, 'site.yml'), '-i', 'localhost,', '-c', 'local', '--detailed-exitcode', ...extra]);

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rp-drift-'));
    writeFileSync(join(dir, 'conf'), 'a = 1\n');
    writeFileSync(
      join(dir, 'site.yml'),
      `- hosts: all\n  tasks:\n    - ensureLine: { path: "${dir}/conf", line: "b = 2" }\n`,
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--check exits 6 while something would change and writes nothing; 0 once converged', async () => {
    const drift = await run('--check');
    expect(drift.code, drift.stderr).to.equal(6);
    expect(readFileSync(join(dir, 'conf'), 'utf8')).to.equal('a = 1\n');
    const apply = await run();
    expect(apply.code, apply.stderr).to.equal(6);
    expect(readFileSync(join(dir, 'conf'), 'utf8')).to.equal('a = 1\nb = 2\n');
    expect((await run('--check')).code).to.equal(0);
    expect((await run()).code).to.equal(0);
  });

  it('a failure keeps its own code', async () => {
    writeFileSync(
      join(dir, 'fail.yml'),
      `- hosts: all\n  tasks:\n    - ensureLine: { path: "${dir}/conf", line: "c = 3" }\n    - command: { cmd: "false" }\n`,
    );
    const r = await runCli([join(dir, 'fail.yml'), '-i', 'localhost,', '-c', 'local', '--detailed-exitcode']);
    expect(r.code, r.stderr).to.equal(2);
  });

  it('without the flag a change still exits 0', async () => {
    writeFileSync(join(dir, 'conf'), 'a = 1\n');
    const r = await runCli([join(dir, 'site.yml'), '-i', 'localhost,', '-c', 'local', '--check']);
    expect(r.code, r.stderr).to.equal(0);
  });
});
