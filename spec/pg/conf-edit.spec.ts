import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { InputError } from '../../lib/errors.js';
import { parseConf } from '../../lib/pg/conf.js';
import { findSetting, quoteValue, removeSettings, setSettings } from '../../lib/pg/conf-edit.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/pg/conf/${name}`, import.meta.url), 'utf8');

describe('pg/conf-edit quoteValue', () => {
  it('leaves single value tokens bare and quotes the rest with PostgreSQL rules', () => {
    expect(quoteValue('replica')).to.equal('replica');
    expect(quoteValue('16MB')).to.equal('16MB');
    expect(quoteValue(10)).to.equal('10');
    expect(quoteValue(-1)).to.equal('-1');
    expect(quoteValue(0.9)).to.equal('0.9');
    expect(quoteValue(true)).to.equal('on');
    expect(quoteValue(false)).to.equal('off');
    expect(quoteValue('')).to.equal("''");
    expect(quoteValue('*')).to.equal("'*'");
    expect(quoteValue('1.5GB')).to.equal("'1.5GB'");
    expect(quoteValue('/var/run/postgresql')).to.equal("'/var/run/postgresql'");
    expect(quoteValue("it's")).to.equal("'it''s'");
    expect(quoteValue('a\\b\nc')).to.equal("'a\\\\b\\nc'");
  });

  it('round-trips through the parser', () => {
    for (const v of ["it's", 'a\\b', 'x\ny', '%m [%p] ', 'host=a user=b', '#', "''", 'pg_catalog.english']) {
      const [line] = parseConf(`x = ${quoteValue(v)}`, 'f');
      expect(line?.kind === 'setting' && line.value, v).to.equal(v);
    }
  });
});

describe('pg/conf-edit setSettings', () => {
  it('replaces the value in place, keeping spacing and the trailing comment', () => {
    const r = setSettings('port = 5432\t\t# (change requires restart)\n', { port: 5433 });
    expect(r.text).to.equal('port = 5433\t\t# (change requires restart)\n');
    expect(r.changes).to.deep.equal([{ name: 'port', before: '5432', after: '5433', line: 1 }]);
  });

  it('edits the last active line and removes earlier duplicates, leaving one', () => {
    const text = 'wal_level = minimal\nfoo = 1\nWAL_LEVEL replica # b\n';
    const r = setSettings(text, { wal_level: 'logical' });
    expect(r.text).to.equal('foo = 1\nWAL_LEVEL logical # b\n');
    expect(r.removed).to.deep.equal([{ name: 'wal_level', line: 1, raw: 'wal_level = minimal' }]);
    expect(r.changes).to.deep.equal([{ name: 'wal_level', before: 'replica', after: 'logical', line: 2 }]);
  });

  it('removes duplicates even when the effective value is already right', () => {
    const r = setSettings('hot_standby = off\nhot_standby = on\n', { hot_standby: true });
    expect(r.text).to.equal('hot_standby = on\n');
    expect(r.changes).to.deep.equal([]);
    expect(r.removed).to.have.length(1);
  });

  it('is a no-op, byte for byte, when the value is equal as PostgreSQL normalises it', () => {
    const text =
      "hot_standby = true\nshared_buffers 16MB # x\nwal_level = 'hot_standby'\nlisten_addresses='a,b'";
    const r = setSettings(
      text,
      { hot_standby: 'on', shared_buffers: '16384kB', wal_level: 'REPLICA', listen_addresses: 'a, b' },
      { version: 15 },
    );
    expect(r.text).to.equal(text);
    expect(r.changes).to.deep.equal([]);
  });

  it('puts a new setting after its template line and the template comment continuation', () => {
    const text = "#listen_addresses = 'localhost'\t# what\n\t\t\t# more\n#port = 5432\n";
    const r = setSettings(text, { listen_addresses: '*' });
    expect(r.text).to.equal(
      "#listen_addresses = 'localhost'\t# what\n\t\t\t# more\nlisten_addresses = '*'\n#port = 5432\n",
    );
    expect(r.changes).to.deep.equal([{ name: 'listen_addresses', after: '*', line: 3 }]);
  });

  it('appends unknown settings at the end in the order given, adding a missing final newline', () => {
    const r = setSettings('a = 1', { 'x.z': 'q r', 'x.y': 2 });
    expect(r.text).to.equal("a = 1\nx.z = 'q r'\nx.y = 2\n");
    expect(r.changes.map((c) => [c.name, c.line])).to.deep.equal([
      ['x.z', 2],
      ['x.y', 3],
    ]);
    expect(setSettings('', { a: 1 }).text).to.equal('a = 1\n');
  });

  it('keeps CRLF line endings', () => {
    const r = setSettings('a = 1\r\n#b = 0\r\n', { a: 2, b: 3, c: 4 });
    expect(r.text).to.equal('a = 2\r\n#b = 0\r\nb = 3\r\nc = 4\r\n');
  });

  it('refuses invalid names and text PostgreSQL would reject, at the right place', () => {
    expect(() => setSettings('', { 'a b': 1 })).to.throw(InputError, /not a valid parameter name/);
    expect(() => setSettings('', { Port: 1, port: 2 })).to.throw(InputError, /name the same parameter/);
    expect(() => setSettings('a = 1\nb = /x\n', { a: 2 }, { file: 'pg.conf' })).to.throw(
      InputError,
      /^pg\.conf:2:5: syntax error/,
    );
  });

  for (const [input, settings] of [
    ['debian-15', 'primary'],
    ['initdb-15', 'primary'],
    ['edge', 'edge'],
  ] as const) {
    it(`edits ${input}.conf with ${settings}.settings.json as expected, and a rerun changes nothing`, () => {
      const wanted = JSON.parse(fixture(`${settings}.settings.json`)) as Record<
        string,
        string | number | boolean
      >;
      const once = setSettings(fixture(`${input}.conf`), wanted, { version: 15 });
      expect(once.text).to.equal(fixture(`${input}.${settings}.expected.conf`));
      const twice = setSettings(once.text, wanted, { version: 15 });
      expect(twice.text).to.equal(once.text);
      expect(twice.changes).to.deep.equal([]);
      expect(twice.removed).to.deep.equal([]);
      const lines = parseConf(once.text, 'out');
      for (const name of Object.keys(wanted)) {
        expect(
          lines.filter((l) => l.kind === 'setting' && l.name === name),
          name,
        ).to.have.length(1);
      }
      for (const c of once.changes) {
        expect(findSetting(lines, c.name)?.line, c.name).to.equal(c.line);
      }
    });
  }
});

describe('pg/conf-edit findSetting and removeSettings', () => {
  it('findSetting returns the effective (last) line, case-insensitively', () => {
    const lines = parseConf('port = 1\n#port = 2\nPORT = 3\n', 'f');
    expect(findSetting(lines, 'Port')).to.include({ line: 3, value: '3' });
    expect(findSetting(lines, 'nope')).to.equal(undefined);
  });

  it('removes every active occurrence and keeps comments and templates', () => {
    const text =
      "recovery_target_time = '2020-01-01'\n#recovery_target_name = ''\nport = 1\nRecovery_Target_Name = x # y\n";
    const r = removeSettings(text, ['recovery_target_time', 'recovery_target_name', 'recovery_target_xid']);
    expect(r.text).to.equal("#recovery_target_name = ''\nport = 1\n");
    expect(r.removed.map((x) => [x.name, x.line])).to.deep.equal([
      ['recovery_target_time', 1],
      ['recovery_target_name', 4],
    ]);
    expect(removeSettings(r.text, ['recovery_target_time']).text).to.equal(r.text);
  });
});

describe('postgresql.conf values that cannot be written', () => {
  it('refuses NUL, line breaks and other control characters in a value, naming the parameter', () => {
    for (const v of ['a\u0000b', 'x\nfsync = off', 'x\rfsync = off', 'bell\u0007', 'tab\there']) {
      expect(() => setSettings('', { application_name: v }), JSON.stringify(v)).to.throw(
        InputError,
        /application_name: the value contains a line break or control character/,
      );
    }
    expect(setSettings('', { application_name: "it's a name" }).text).to.equal(
      "application_name = 'it''s a name'\n",
    );
  });
});
