import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'chai';
import { InputError } from '../../lib/errors.js';
import { renderValue } from '../../lib/model/template.js';
import { loadPlaybook } from '../../lib/playbook/index.js';
import { loadYamlFile } from '../../lib/playbook/yaml.js';
import { fakeRegistry } from './registry.js';

const dir = resolve('spec/fixtures/playbooks');
const fixture = (name: string) => resolve(dir, name);

async function loadError(name: string): Promise<string> {
  try {
    await loadPlaybook(fixture(name), fakeRegistry);
  } catch (e) {
    expect(e).to.be.instanceOf(InputError);
    return (e as Error).message.replace(`${dir}/`, '');
  }
  throw new Error(`${name}: expected an InputError`);
}

describe('loadPlaybook', () => {
  const cases: [string, string][] = [
    ['malformed.yml', 'malformed.yml:4:1: invalid YAML: Sequence item without - indicator'],
    ['unknown-keyword.yml', "unknown-keyword.yml:5:7: unknown keyword 'whne'; did you mean 'when'?"],
    [
      'unknown-play-keyword.yml',
      "unknown-play-keyword.yml:2:3: unknown keyword 'taks'; did you mean 'tasks'?",
    ],
    ['unknown-task.yml', "unknown-task.yml:4:7: unknown task 'ensureLines'; did you mean 'ensureLine'?"],
    ['become-string.yml', 'become-string.yml:2:11: become: expected boolean, got string "yes"'],
    [
      'wrong-arg-type.yml',
      `wrong-arg-type.yml:6:16: ensureLine: state: expected one of 'present', 'absent', got string "maybe"`,
    ],
    ['unknown-arg.yml', "unknown-arg.yml:5:9: ensureLine: unknown argument 'lines'; did you mean 'line'?"],
    ['unquoted.yml', 'unquoted.yml:4:16: a value starting with {{ must be quoted, e.g. key: "{{ x }}"'],
    [
      'merge-keys-bad.yml',
      "merge-keys-bad.yml:5:7: ensureLine: unknown argument 'lines'; did you mean 'line'?",
    ],
    ['bad-template.yml', "bad-template.yml:5:29: template syntax error: unexpected 'EOF'"],
    [
      'missing-role.yml',
      `missing-role.yml:2:11: role 'nope' not found (looked in ${dir}/roles/nope, ${join(dir, '..', 'roles', 'nope')})`,
    ],
  ];
  for (const [file, message] of cases) {
    it(`rejects ${file} at its position`, async () => {
      expect(await loadError(file)).to.equal(message);
    });
  }

  it('reads YAML merge keys in plays, tasks and vars_files as Ansible does (own keys win)', async () => {
    const [play] = await loadPlaybook(fixture('merge-keys.yml'), fakeRegistry);
    expect(play?.vars).to.deep.include({
      pg: { pg_host: 'db1', pg_port: 5433 },
      settings: { wal_level: 'replica', max_wal_senders: 10 },
    });
    expect(play?.tasks.map((t) => t.args)).to.deep.equal([
      { path: '/etc/x', line: 'a' },
      { path: '/etc/x', line: 'b' },
    ]);
  });

  it('leaves templated arguments to be validated after rendering', async () => {
    const [play] = await loadPlaybook(fixture('templated-arg.yml'), fakeRegistry);
    expect(play?.tasks[0]?.args).to.deep.equal({ path: '/etc/x', line: 'a', state: '{{ wanted_state }}' });
  });

  describe('site.yml', () => {
    it('reads play keywords', async () => {
      const [play] = await loadPlaybook(fixture('site.yml'), fakeRegistry);
      expect(play).to.include({
        name: 'primary',
        hosts: 'db1:db2',
        become: true,
        anyErrorsFatal: false,
        dir,
      });
      expect(play?.handlers.map((h) => [h.name, h.listen])).to.deep.equal([
        ['pg : restart pg', []],
        ['reload', ['pg reload']],
      ]);
    });

    it('orders pre_tasks, role tasks, tasks, post_tasks and names role tasks like Ansible', async () => {
      const [play] = await loadPlaybook(fixture('site.yml'), fakeRegistry);
      expect(play?.tasks.map((t) => t.name)).to.deep.equal([
        'first',
        'pg : set port',
        'pg : command',
        'ensureLine',
        'loop over items',
        'never',
      ]);
      expect(play?.tasks.map((t) => t.tags)).to.deep.equal([
        ['pg'],
        ['pg', 'role'],
        ['pg', 'role', 'always'],
        ['pg', 'conf'],
        ['pg'],
        ['pg', 'never', 'debug'],
      ]);
    });

    it('reads task keywords', async () => {
      const [play] = await loadPlaybook(fixture('site.yml'), fakeRegistry);
      const loop = play?.tasks[4];
      expect(loop).to.include({ action: 'command', loop: '{{ items }}', loopVar: 'it', register: 'out' });
      expect(loop).to.include({ changedWhen: 'false', checkMode: false, ignoreErrors: false, noLog: false });
      const line = play?.tasks[3];
      expect(line).to.include({ when: '{{ gte pg_version 12 }}' });
      expect(line?.notify).to.deep.equal(['reload']);
      expect(play?.tasks[0]?.args).to.equal('echo first');
      expect(play?.tasks[1]?.baseDirs).to.deep.equal([resolve(dir, 'roles/pg'), dir]);
    });

    it('locates arguments inside quotes, for template columns', async () => {
      const [play] = await loadPlaybook(fixture('site.yml'), fakeRegistry);
      const task = play!.tasks[3]!;
      expect(task.argWhere(['line'])).to.deep.equal({ file: fixture('site.yml'), line: 22, col: 16 });
      const vars = { conf_dir: '/etc' };
      const e = (() => {
        try {
          renderValue(task.args, vars, (p) => task.argWhere(p));
        } catch (err) {
          return err as InputError;
        }
      })();
      expect(e?.message).to.equal(`${fixture('site.yml')}:22:26: undefined variable 'pg_port'`);
    });

    it('keeps role defaults lowest and role vars above play vars, vars_files above play vars', async () => {
      const [play] = await loadPlaybook(fixture('site.yml'), fakeRegistry);
      expect(play?.roleDefaults).to.deep.equal({ pg_version: 15, role_default: 'low', from_play: 'default' });
      expect(play?.vars).to.include({ from_play: 'play', overridden: 'vars_file', from_vars_file: 'vf' });
      expect(play?.roleVars).to.include({ role_var: 'high' });
      expect(play?.tasks[1]?.roleVars).to.deep.equal({ role_var: 'high', entry_var: 'entry' });
      expect(play?.tasks[3]?.roleVars).to.deep.equal({});
      const merged = { ...play?.roleDefaults, ...play?.vars, ...play?.roleVars };
      expect(merged).to.include({ from_play: 'play', role_var: 'high', pg_version: 15 });
    });
  });

  it('asks a registry loader for the tasks only when a play has tasks or roles', async () => {
    let asked = 0;
    const loader = async () => {
      asked++;
      return fakeRegistry;
    };
    expect(await loadPlaybook(fixture('no-tasks.yml'), loader)).to.have.length(1);
    expect(asked).to.equal(0);
    const [play] = await loadPlaybook(fixture('site.yml'), loader);
    expect(asked).to.equal(1);
    expect(play?.tasks.length).to.be.greaterThan(0);
  });

  it('parses a file read twice once, each caller getting its own data; a changed file is parsed again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rp-yaml-'));
    try {
      const file = join(dir, 'main.yml');
      writeFileSync(file, 'a: {b: [1, 2]}\nbase: &x {k: 1}\nm:\n  <<: *x\n  j: 2\n');
      const first = await loadYamlFile(file);
      (first.data as { a: { b: number[] } }).a.b.push(3);
      const second = await loadYamlFile(file);
      expect(second.data).to.deep.equal({ a: { b: [1, 2] }, base: { k: 1 }, m: { k: 1, j: 2 } });
      expect(second.at(['m', 'j'])).to.deep.equal({ file, line: 5, col: 6 });
      writeFileSync(file, 'a: 1\n');
      expect((await loadYamlFile(file)).data).to.deep.equal({ a: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
