import { expect } from 'chai';
import { InputError } from '../../lib/errors.js';
import { renderString } from '../../lib/model/template.js';
import {
  quoteStandbyName,
  type SyncWanted,
  syncChecks,
  synchronousStandbyNames,
} from '../../lib/pg/sync-standbys.js';

const build = (mode: string, count: unknown, names: unknown) =>
  synchronousStandbyNames({ mode, count, names } as SyncWanted);

describe('pg/sync-standbys: synchronous_standby_names from inventory hosts', () => {
  it('builds FIRST n and ANY n lists of quoted names, in the order given, each name once', () => {
    expect(build('first', 1, ['db2', 'db3'])).to.equal('FIRST 1 ("db2", "db3")');
    expect(build('any', 2, ['db2', 'db3', 'db4'])).to.equal('ANY 2 ("db2", "db3", "db4")');
    expect(build('FIRST', '1', ['db3', 'db2', 'DB3'])).to.equal('FIRST 1 ("db3", "db2")');
  });

  it('quotes every name as an identifier: dashes, dots, keywords, case and double quotes survive', () => {
    expect(quoteStandbyName('db-2.example.com')).to.equal('"db-2.example.com"');
    expect(quoteStandbyName('FIRST')).to.equal('"FIRST"');
    expect(quoteStandbyName('Db2')).to.equal('"Db2"');
    expect(quoteStandbyName('a"b')).to.equal('"a""b"');
    expect(() => quoteStandbyName('dé')).to.throw(/printable ASCII/);
    expect(() => quoteStandbyName('*')).to.throw(/not an inventory host/);
  });

  it('is empty when off or with no names; refuses a count below 1, above the names, or not whole', () => {
    expect(build('first', 1, [])).to.equal('');
    expect(build('off', 3, ['db2'])).to.equal('');
    expect(() => build('first', 0, ['db2'])).to.throw(/pg_synchronous_count: 0 must be a whole number ≥ 1/);
    expect(() => build('any', 1.5, ['db2', 'db3'])).to.throw(/whole number/);
    expect(() => build('first', 3, ['db2', 'db3'])).to.throw(
      /pg_synchronous_count: 3 exceeds the 2 name\(s\).*wait forever/,
    );
    expect(() => build('all', 1, ['db2'])).to.throw(/must be first, any or off/);
    expect(() => build('first', 1, 'db2')).to.throw(/must be a list/);
  });

  it('leaves the primary out: one list serves whichever node is primary (it never waits for itself)', () => {
    const w = { mode: 'first' as const, count: 1, names: ['db1', 'db2', 'db3'] };
    expect(synchronousStandbyNames({ ...w, primary: 'db1' })).to.equal('FIRST 1 ("db2", "db3")');
    expect(synchronousStandbyNames({ ...w, primary: 'DB2' })).to.equal('FIRST 1 ("db1", "db3")');
    expect(synchronousStandbyNames({ ...w, names: ['db2'], primary: 'db2' })).to.equal('');
    expect(() => synchronousStandbyNames({ ...w, count: 3, primary: 'db1' })).to.throw(
      /3 exceeds the 2 name\(s\) of pg_synchronous_standbys besides the primary db1/,
    );
  });

  it('is a template helper: a role sets it from variables, a bad count is an error at the YAML position', () => {
    const vars = { m: 'any', n: 1, hosts: ['db2', 'db3'] };
    expect(renderString('{{ synchronousStandbyNames m n hosts }}', vars)).to.equal('ANY 1 ("db2", "db3")');
    expect(renderString("{{ synchronousStandbyNames m n hosts 'db2' }}", vars)).to.equal('ANY 1 ("db3")');
    expect(() =>
      renderString('{{ synchronousStandbyNames m 5 hosts }}', vars, { file: 'p.yml', line: 4, col: 7 }),
    ).to.throw(InputError, /p\.yml:4.*exceeds the 2 name/);
  });

  it('preflight: passes a list of inventory standbys, warns on an unknown name and a count above the standbys named', () => {
    expect(syncChecks('db1', ['db2', 'db3'], { mode: 'first', count: 1, names: ['DB2'] })).to.deep.equal([
      {
        host: 'db1',
        name: 'synchronous standbys',
        ok: true,
        found: `synchronous_standby_names = 'FIRST 1 ("DB2")'`,
      },
    ]);
    const w = syncChecks('db1', ['db2', 'db3'], { mode: 'any', count: 2, names: ['db2', 'db9'] });
    expect(w.map((c) => [c.ok, c.warning, c.found])).to.deep.equal([
      [true, true, 'db9 matches no standby of the inventory (standbys: db2, db3)'],
      [true, true, 'ANY 2 ("db2", "db9") waits for 2 standby(s), the inventory has 1 of them'],
    ]);
    expect(syncChecks('db1', ['db2'], { mode: 'first', count: 1, names: ['db1'] })).to.deep.equal([
      {
        host: 'db1',
        name: 'synchronous standbys',
        ok: true,
        warning: true,
        found:
          'pg_synchronous_standbys names only the primary db1: no synchronous standby, commits do not wait',
        fix: 'list the standbys that may confirm commits',
      },
    ]);
  });

  it('preflight: fails a value that cannot be built, says nothing when synchronous replication is not asked for', () => {
    const [c] = syncChecks('db1', ['db2'], { mode: 'first', count: 2, names: ['db2'] });
    expect(c).to.include({ host: 'db1', ok: false });
    expect(c?.found).to.match(/exceeds the 1 name/);
    expect(syncChecks('db1', ['db2'], { mode: 'first', count: 1, names: [] })).to.deep.equal([]);
    expect(syncChecks('db1', ['db2'], { mode: 'off', count: 1, names: ['db2'] })).to.deep.equal([]);
  });
});
