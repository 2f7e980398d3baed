import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { InputError } from '../../lib/errors.js';
import { findTemplate, template } from '../../lib/tasks/template.js';
import { converge, localContext } from '../helpers/local-facts.js';

describe('template plan()', () => {
  let dir: string;
  let role: string;
  let book: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'template-task-'));
    role = join(dir, 'roles', 'pg');
    book = join(dir, 'book');
    mkdirSync(join(role, 'templates'), { recursive: true });
    mkdirSync(join(book, 'templates'), { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('looks in the role templates/ first, then the playbook', () => {
    writeFileSync(join(book, 'templates', 'a.hbs'), 'book');
    expect(findTemplate('a.hbs', [role, book])).to.equal(join(book, 'templates', 'a.hbs'));
    writeFileSync(join(role, 'a.hbs'), 'role plain');
    expect(findTemplate('a.hbs', [role, book])).to.equal(join(role, 'a.hbs'));
    writeFileSync(join(role, 'templates', 'a.hbs'), 'role');
    expect(findTemplate('a.hbs', [role, book])).to.equal(join(role, 'templates', 'a.hbs'));
  });

  it('a missing template is an InputError naming every place searched', () => {
    expect(() => findTemplate('nope.hbs', [role, book]))
      .to.throw(InputError)
      .with.property(
        'message',
        `template: nope.hbs not found; searched ${join(role, 'templates/nope.hbs')}, ${join(role, 'nope.hbs')}, ` +
          `${join(book, 'templates/nope.hbs')}, ${join(book, 'nope.hbs')}`,
      );
  });

  it('renders with the host vars and converges', async () => {
    writeFileSync(join(role, 'templates', 'conn.hbs'), 'host={{ primary }} port={{ port }}\n');
    const dest = join(dir, 'out.conf');
    const ctx = localContext({ baseDirs: [role, book], vars: { primary: '10.0.0.1', port: 5432 } });
    const { first, second } = await converge(template, { src: 'conn.hbs', dest, mode: '0600' }, ctx);
    expect(first.actions).to.deep.equal([
      { kind: 'writeFile', path: dest, before: null, after: 'host=10.0.0.1 port=5432\n', mode: '0600' },
    ]);
    expect(readFileSync(dest, 'utf8')).to.equal('host=10.0.0.1 port=5432\n');
    expect(second.actions).to.deep.equal([]);
  });

  it('a missing variable is an error', async () => {
    writeFileSync(join(book, 'bad.hbs'), 'x={{ nope }}\n');
    const ctx = localContext({ baseDirs: [book] });
    try {
      await template.plan(ctx, { src: 'bad.hbs', dest: join(dir, 'x') });
      expect.fail('no error');
    } catch (e) {
      expect((e as Error).message).to.match(/nope/);
    }
  });
});
