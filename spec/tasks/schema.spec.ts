import { Ajv, type SchemaObject } from 'ajv';
import { expect } from 'chai';
import { command } from '../../lib/tasks/command.js';
import type { AnyTask } from '../../lib/tasks/define.js';
import { ensureLine } from '../../lib/tasks/ensure-line.js';
import { file } from '../../lib/tasks/file.js';
import { registry } from '../../lib/tasks/registry.js';
import { template } from '../../lib/tasks/template.js';

function validate(task: AnyTask, args: unknown): string[] {
  const v = new Ajv({ allErrors: true }).compile(task.schema);
  return v(args) ? [] : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message}`.trim());
}

describe('generic task schemas', () => {
  it('accept valid arguments', () => {
    expect(
      validate(ensureLine, { path: '/x', line: 'a', state: 'absent', mode: '0644', firstMatch: true }),
    ).to.deep.equal([]);
    expect(validate(file, { path: '/x', state: 'directory', owner: 'postgres' })).to.deep.equal([]);
    expect(validate(template, { src: 'a.hbs', dest: '/x', backup: true })).to.deep.equal([]);
    expect(validate(command, { cmd: ['ls', '-l'], creates: '/x', timeout: 3 })).to.deep.equal([]);
    expect(validate(command, { cmd: 'ls | wc -l', changed: false })).to.deep.equal([]);
  });

  it('reject a numeric mode, as YAML reads an unquoted 0644', () => {
    for (const t of [ensureLine, file, template]) {
      expect(validate(t, { path: '/x', src: 'a', dest: '/y', line: 'a', mode: 644 })).to.include(
        '/mode must be string',
      );
    }
    expect((file.schema.properties as { mode: { description: string } }).mode.description).to.match(/quoted/);
  });

  it('reject a mode that is not octal', () => {
    expect(validate(file, { path: '/x', mode: '0999' })).to.deep.equal([
      '/mode must match pattern "^[0-7]{3,4}$"',
    ]);
  });

  it('reject wrong types, unknown arguments and bad enums', () => {
    expect(validate(ensureLine, { path: '/x', line: 3 })).to.deep.equal(['/line must be string']);
    expect(validate(ensureLine, { path: '/x', lines: 'a' })).to.deep.equal([
      'must NOT have additional properties',
    ]);
    expect(validate(ensureLine, { path: '/x', state: 'gone' })).to.deep.equal([
      '/state must be equal to one of the allowed values',
    ]);
    expect(validate(file, { content: 'a' })).to.deep.equal(["must have required property 'path'"]);
    expect(validate(template, { src: 'a' })).to.deep.equal(["must have required property 'dest'"]);
    expect(validate(command, { cmd: 5 })).to.include('/cmd must match a schema in anyOf');
    expect(validate(command, { cmd: [] })).to.include('/cmd must match a schema in anyOf');
    expect(validate(command, { cmd: 'x', changed: 'no' })).to.deep.equal(['/changed must be boolean']);
  });
});

/** Every property schema below a task's schema, with its dotted name. */
function* argSchemas(schema: SchemaObject, prefix = ''): Generator<[string, SchemaObject]> {
  for (const [name, s] of Object.entries((schema.properties ?? {}) as Record<string, SchemaObject>)) {
    yield [`${prefix}${name}`, s];
    if (s.properties) yield* argSchemas(s, `${prefix}${name}.`);
  }
}

describe('every task schema is the description of its arguments', () => {
  for (const task of Object.values(registry)) {
    it(`${task.taskName}: each argument has a description, and each default is a valid value`, () => {
      const args = [...argSchemas(task.schema)];
      expect(args).to.not.be.empty;
      const undocumented = args.filter(([, s]) => typeof s.description !== 'string' || !s.description);
      expect(undocumented.map(([n]) => n)).to.deep.equal([]);
      // secret arguments are named by their dotted path: each must be an argument
      expect(args.map(([n]) => n)).to.include.members([...task.secretArgs]);
      for (const [name, s] of args.filter(([, s]) => s.default !== undefined)) {
        const { default: value, ...rest } = s;
        const v = new Ajv({ strict: false }).compile(rest);
        expect(v(value), `${name}: default ${JSON.stringify(value)}`).to.equal(true);
      }
    });
  }
});
