import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runPlaybook } from '../../lib/engine/run.js';
import type { RunEvent } from '../../lib/model/events.js';

/** Engine semantics on the local connection (real files in a temp dir; no ssh needed). */
describe('engine', () => {
  let dir: string;
  let events: RunEvent[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rp-engine-'));
    events = [];
    writeFileSync(join(dir, 'hosts'), '[a]\nh1\nh2\n[b]\nh3\n[all:vars]\nansible_connection=local\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const play = async (
    yaml: string,
    opts: { check?: boolean; tags?: string[]; limit?: string; extraVars?: Record<string, unknown> } = {},
  ) => {
    writeFileSync(join(dir, 'p.yml'), yaml);
    return runPlaybook(join(dir, 'p.yml'), {
      inventory: [join(dir, 'hosts')],
      onEvent: (e) => events.push(e),
      ...opts,
    });
  };
  const results = (task: string) =>
    events.flatMap((e) =>
      e.type === 'hostResult' && e.task === task ? [[e.host, e.result.status] as const] : [],
    );

  it('runs handlers once per host at the end of the play, only when notified by a change', async () => {
    const s = await play(`- hosts: all
  tasks:
    - name: write
      file: { path: "${dir}/{{inventory_hostname}}", content: "x\\n" }
      notify: [count]
    - name: write again
      file: { path: "${dir}/{{inventory_hostname}}", content: "x\\n" }
      notify: [count]
  handlers:
    - name: count
      command: "echo run >> ${dir}/{{inventory_hostname}}.handler"
`);
    expect(s.exitCode).to.equal(0);
    for (const h of ['h1', 'h2', 'h3'])
      expect(readFileSync(join(dir, `${h}.handler`), 'utf8')).to.equal('run\n');
    const second = await play(readFileSync(join(dir, 'p.yml'), 'utf8'));
    expect(second.stats.h1?.changed).to.equal(0);
    expect(readFileSync(join(dir, 'h1.handler'), 'utf8')).to.equal('run\n');
  });

  it('evaluates when, loops with item, and registers results', async () => {
    await play(`- hosts: a
  vars: { names: [x, y] }
  tasks:
    - name: loop
      file: { path: "${dir}/{{inventory_hostname}}-{{item}}", content: "{{item}}" }
      loop: "{{ names }}"
    - name: probe
      command: { cmd: "echo hi-{{inventory_hostname}}", changed: false }
      register: out
    - name: only h1
      file: { path: "${dir}/only-{{inventory_hostname}}", content: "{{ out.stdout }}" }
      when: eq inventory_hostname "h1"
`);
    expect(readFileSync(join(dir, 'h2-y'), 'utf8')).to.equal('y');
    expect(readFileSync(join(dir, 'only-h1'), 'utf8')).to.equal('hi-h1\n');
    expect(existsSync(join(dir, 'only-h2'))).to.equal(false);
    expect(results('only h1').sort()).to.deep.equal([
      ['h1', 'changed'],
      ['h2', 'skipped'],
    ]);
    expect(results('probe').map(([, s]) => s)).to.deep.equal(['ok', 'ok']);
  });

  it('takes a failed host out of the rest of the play and exits 2; ignore_errors keeps it', async () => {
    const s = await play(`- hosts: all
  tasks:
    - name: fail on h2
      command: "test {{inventory_hostname}} != h2"
    - name: fail ignored
      command: "false"
      ignore_errors: true
    - name: after
      file: { path: "${dir}/after-{{inventory_hostname}}", content: "" }
`);
    expect(s.exitCode).to.equal(2);
    expect(existsSync(join(dir, 'after-h1'))).to.equal(true);
    expect(existsSync(join(dir, 'after-h2'))).to.equal(false);
    expect(s.stats.h2?.failed).to.equal(1);
    expect(s.stats.h1?.ignored).to.equal(1);
  });

  it('check mode plans against predicted files and writes nothing', async () => {
    const s = await play(
      `- hosts: h1
  tasks:
    - name: create
      file: { path: "${dir}/new.conf", content: "a = 1\\n" }
    - name: add a line to the file the previous task would create
      ensureLine: { path: "${dir}/new.conf", line: "b = 2" }
`,
      { check: true },
    );
    expect(s.exitCode).to.equal(0);
    expect(existsSync(join(dir, 'new.conf'))).to.equal(false);
    const second = events.find((e) => e.type === 'hostResult' && e.task.startsWith('add a line'));
    expect(second?.type === 'hostResult' && second.result.actions[0]).to.deep.include({
      kind: 'writeFile',
      before: 'a = 1\n',
      after: 'a = 1\nb = 2\n',
    });
  });

  it('honours --tags, --limit and -e precedence', async () => {
    const s = await play(
      `- hosts: all
  vars: { v: play }
  tasks:
    - name: tagged
      file: { path: "${dir}/t-{{inventory_hostname}}", content: "{{v}}" }
      tags: [conf]
    - name: untagged
      file: { path: "${dir}/u-{{inventory_hostname}}", content: "" }
`,
      { tags: ['conf'], limit: 'a:!h2', extraVars: { v: 'extra' } },
    );
    expect(s.exitCode).to.equal(0);
    expect(readFileSync(join(dir, 't-h1'), 'utf8')).to.equal('extra');
    expect(existsSync(join(dir, 't-h2'))).to.equal(false);
    expect(existsSync(join(dir, 't-h3'))).to.equal(false);
    expect(existsSync(join(dir, 'u-h1'))).to.equal(false);
  });

  it('renders templated variables lazily, per host, also through hostvars', async () => {
    writeFileSync(
      join(dir, 'hosts'),
      '[a]\nh1 addr=10.0.0.1\nh2 addr=10.0.0.2\n[all:vars]\nansible_connection=local\n',
    );
    const s = await play(`- hosts: a
  vars:
    listen: "{{ addr }}:{{ port }}"
    port: 5432
    unused: "{{ env 'RUN_PLAYBOOK_SURELY_UNSET' }}"
  tasks:
    - file: { path: "${dir}/{{inventory_hostname}}", content: "{{ listen }} peer={{ hostvar (ternary (eq inventory_hostname 'h1') 'h2' 'h1') 'listen' }}" }
`);
    expect(s.exitCode).to.equal(0);
    expect(readFileSync(join(dir, 'h1'), 'utf8')).to.equal('10.0.0.1:5432 peer=10.0.0.2:5432');
    expect(readFileSync(join(dir, 'h2'), 'utf8')).to.equal('10.0.0.2:5432 peer=10.0.0.1:5432');
  });

  it('throttle runs a task on at most N hosts at once', async () => {
    const s = await play(`- hosts: all
  tasks:
    - name: one at a time, or the lock is taken
      command: "mkdir ${dir}/lock && sleep 0.3 && rmdir ${dir}/lock"
      throttle: 1
`);
    expect(s.exitCode).to.equal(0);
    expect(results('one at a time, or the lock is taken').map(([, st]) => st)).to.deep.equal([
      'changed',
      'changed',
      'changed',
    ]);
  });
});
