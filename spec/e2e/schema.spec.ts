import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv, type SchemaObject, type ValidateFunction } from 'ajv';
import { expect } from 'chai';
import { parse } from 'yaml';
import { loadPlaybook } from '../../lib/playbook/index.js';
import { registry } from '../../lib/tasks/registry.js';
import { root, runCli } from '../helpers/cli.js';

/** `run-playbook schema`: the JSON Schema editors use, held to the loader's verdicts. */
describe('e2e: run-playbook schema', function () {
  this.timeout(60_000);
  let playbook: ValidateFunction;
  let taskList: ValidateFunction;
  let dir: string;
  let schema: SchemaObject;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rp-schema-'));
    // the project's roles, so that copies of its playbooks load as they are
    symlinkSync(join(root, 'roles'), join(dir, 'roles'));
    const r = await runCli(['schema']);
    expect(r.code, r.stderr).to.equal(0);
    schema = JSON.parse(r.stdout) as SchemaObject;
    // strict: the schema uses only JSON Schema keywords (no ajv-only `nullable`), as other tools read it
    const ajv = new Ajv({
      strictSchema: true,
      strictTypes: true,
      allowUnionTypes: true,
      allErrors: true,
    }).addSchema(schema, 'playbook');
    playbook = ajv.getSchema('playbook')!;
    taskList = ajv.compile({ type: 'array', items: { $ref: 'playbook#/definitions/task' } });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** The schema's verdict and the loader's on the same playbook text. */
  async function verdicts(text: string): Promise<{ schema: boolean; loader: boolean }> {
    const file = join(dir, 'site.yml');
    writeFileSync(file, text);
    const loader = await loadPlaybook(file, registry).then(
      () => true,
      () => false,
    );
    return { schema: playbook(parse(text)) as boolean, loader };
  }

  it('accepts every playbook in playbooks/ and every role task list', () => {
    const books = readdirSync(join(root, 'playbooks')).filter((f) => f.endsWith('.yml'));
    expect(books).to.not.be.empty;
    for (const f of books) {
      const ok = playbook(parse(readFileSync(join(root, 'playbooks', f), 'utf8')));
      expect(ok, `${f}: ${JSON.stringify(playbook.errors)}`).to.equal(true);
    }
    for (const role of readdirSync(join(root, 'roles'))) {
      const file = join(root, 'roles', role, 'tasks/main.yml');
      const text = (() => {
        try {
          return readFileSync(file, 'utf8');
        } catch {
          return undefined;
        }
      })();
      if (text === undefined) continue;
      expect(taskList(parse(text)), `${role}: ${JSON.stringify(taskList.errors)}`).to.equal(true);
    }
  });

  it('describes every play keyword, task keyword and task argument, for editors to show', () => {
    const undescribed: string[] = [];
    const walk = (s: SchemaObject, at: string): void => {
      for (const b of (s.anyOf ?? []) as SchemaObject[]) walk(b, at);
      for (const [k, p] of Object.entries((s.properties ?? {}) as Record<string, SchemaObject>)) {
        if (!p.description && !p.$ref) undescribed.push(`${at}.${k}`);
        walk(p, `${at}.${k}`);
      }
    };
    const defs = schema.definitions as Record<string, SchemaObject>;
    for (const [name, def] of Object.entries(defs)) walk(def, name);
    expect(Object.keys(defs)).to.include.members(['play', 'task', 'role', ...Object.keys(registry)]);
    expect(undescribed).to.deep.equal([]);
  });

  it('rejects a misspelled argument, task keyword and play keyword, as the loader does', async () => {
    const promote = readFileSync(join(root, 'playbooks/promote.yml'), 'utf8');
    const variants = {
      argument: promote.replace('promote: { wait: true }', 'promote: { wiat: true }'),
      'task keyword': promote.replace('- name: promote to primary', '- nmae: promote to primary'),
      'play keyword': promote.replace('  become: true', '  becom: true'),
      'task name': promote.replace('promote: { wait', 'promte: { wait'),
    };
    for (const [what, text] of Object.entries(variants)) {
      expect(text, what).to.not.equal(promote);
      expect(await verdicts(text), what).to.deep.equal({ schema: false, loader: false });
    }
    expect(await verdicts(promote)).to.deep.equal({ schema: true, loader: true });
  });

  it('takes a template wherever a typed value is expected, and types otherwise, as the loader does', async () => {
    const play = (task: string) => `- hosts: all\n  tasks:\n    - ${task}\n`;
    const cases: [string, boolean][] = [
      ['promote: { wait: "{{ w }}", timeout: "{{ t }}" }', true],
      ['standby: { primary: "{{ p }}" }', true],
      ['setConf: "{{ conf }}"', true],
      ['file: { path: /x, mode: "{{ m }}", state: "{{ s }}" }', true],
      ['command: ls -l', true],
      ['command: [ls, "-l"]', true],
      ['promote:', true],
      ['promote: { dataDir: ~, timeout: ~ }', true],
      ['hbaRule: { type: local, database: all, user: all, method: peer, options: ~ }', true],
      ['file: { path: /x, state: ~ }', false],
      ['ensureUser: { name: u, password: ~ }', false],
      ['promote: { wait: maybe }', false],
      ['file: { path: /x, mode: 644 }', false],
      ['file: { path: /x, state: gone }', false],
      ['standby: { primary: { host: h } }', false],
      ['setConf: { settings: {} }', false],
      ['service: { state: started }\n      sql: { query: x }', false],
    ];
    for (const [task, ok] of cases)
      expect(await verdicts(play(task)), task).to.deep.equal({ schema: ok, loader: ok });
  });
});
