import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runPlaybook } from '../../lib/engine/run.js';
import { type Cluster, createCluster } from '../../lib/sandbox/pg-cluster.js';
import { clusterVars } from '../helpers/pg-host.js';

/** Values that come from hosts (command output) are data: a `{{ … }}` in them is never rendered. */
describe('engine: host data is never a template', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rp-hostdata-'));
    writeFileSync(join(dir, 'hosts'), '[a]\nh1\n[a:vars]\nansible_connection=local\n');
    process.env.RPB_HOSTDATA_SPEC = 'the controller value';
  });
  afterEach(() => {
    delete process.env.RPB_HOSTDATA_SPEC;
    rmSync(dir, { recursive: true, force: true });
  });

  it("remote output {{ env 'X' }} stays text: whole, inside a text, as a loop item", async () => {
    const remote = "{{ env 'RPB_HOSTDATA_SPEC' }}";
    writeFileSync(join(dir, 'remote.txt'), `${remote}\n`);
    writeFileSync(
      join(dir, 'p.yml'),
      `- hosts: a
  tasks:
    - name: read remote text
      command: { cmd: "cat ${dir}/remote.txt", changed: false }
      register: out
    - name: copy it
      file: { path: "${dir}/copied", content: "{{ out.stdout }}" }
    - name: inside a longer text
      file: { path: "${dir}/in-text", content: "x {{ out.stdout }}" }
    - name: as a loop item
      file: { path: "${dir}/via-loop", content: "{{ item }}" }
      loop: ["{{ out.stdout }}"]
`,
    );
    const r = await runPlaybook(join(dir, 'p.yml'), { inventory: [join(dir, 'hosts')], onEvent: () => {} });
    expect(r.exitCode).to.equal(0);
    expect(readFileSync(join(dir, 'copied'), 'utf8')).to.equal(`${remote}\n`);
    expect(readFileSync(join(dir, 'in-text'), 'utf8')).to.equal(`x ${remote}\n`);
    expect(readFileSync(join(dir, 'via-loop'), 'utf8')).to.equal(`${remote}\n`);
  });

  describe('sql rows (real PostgreSQL 15)', () => {
    let c: Cluster;
    before(async () => {
      c = await createCluster();
      await c.psql(
        "create table notes (v text); insert into notes values ($${{ env 'RPB_HOSTDATA_SPEC' }}$$);",
      );
    });
    after(async () => {
      await c?.destroy();
    });

    it('a row holding {{ … }} is copied as text', async () => {
      const vars = Object.entries(clusterVars(c)).map(([k, v]) => `${k}=${String(v)}`);
      writeFileSync(join(dir, 'hosts'), `[a]\nh1 ansible_connection=local ${vars.join(' ')}\n`);
      writeFileSync(
        join(dir, 'p.yml'),
        `- hosts: a
  tasks:
    - name: read a row
      sql: { query: "select v from notes" }
      register: out
    - name: copy it
      file: { path: "${dir}/row", content: "{{ out.rows.[0].[0] }}" }
`,
      );
      const r = await runPlaybook(join(dir, 'p.yml'), { inventory: [join(dir, 'hosts')], onEvent: () => {} });
      expect(r.exitCode).to.equal(0);
      expect(readFileSync(join(dir, 'row'), 'utf8')).to.equal("{{ env 'RPB_HOSTDATA_SPEC' }}");
    });
  });
});
