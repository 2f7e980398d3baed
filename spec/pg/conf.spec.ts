import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import {
  type ConfLine,
  confErrors,
  isBareValue,
  isValidName,
  parseConf,
  type SettingLine,
} from '../../lib/pg/conf.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/pg/conf/${name}`, import.meta.url), 'utf8');

function one(text: string): ConfLine {
  const [line] = parseConf(text, 'test.conf');
  if (!line) throw new Error('no line');
  return line;
}

function setting(text: string): SettingLine {
  const l = one(text);
  if (l.kind !== 'setting') throw new Error(`not a setting: ${JSON.stringify(l)}`);
  return l;
}

describe('pg/conf parseConf', () => {
  it('parses the same text of the same file once: equal lines, frozen, in a fresh array; other text is parsed anew', () => {
    const text = "port = 5433\n#wal_level = replica\nshared_buffers = '1GB'\n";
    const a = parseConf(text, 'same.conf');
    const b = parseConf(text, 'same.conf');
    expect(b).to.deep.equal(a);
    expect(b).not.to.equal(a);
    expect(b[0]).to.equal(a[0]);
    expect(Object.isFrozen(a[0])).to.equal(true);
    a.pop();
    expect(parseConf(text, 'same.conf')).to.have.length(3);
    expect((parseConf(text, 'other.conf')[0] as SettingLine).file).to.equal('other.conf');
    expect((parseConf(text.replace('5433', '5434'), 'same.conf')[0] as SettingLine).value).to.equal('5434');
  });

  it('classifies a line the same wherever it is, each parse giving its own file and line numbers', () => {
    const a = parseConf("#wal_level = replica\nport = 5433 # here\nbad = 'x\n", 'a.conf');
    const b = parseConf("# prose\nbad = 'x\nport = 5433 # here\n#wal_level = replica\n", 'b.conf');
    expect(b[3]).to.deep.equal({ ...a[0], file: 'b.conf', line: 4 });
    expect(b[2]).to.deep.equal({ ...a[1], file: 'b.conf', line: 3 });
    expect(b[1]).to.deep.include({ kind: 'error', file: 'b.conf', line: 2, col: 7 });
    expect(a[2]).to.deep.include({ kind: 'error', file: 'a.conf', line: 3, col: 7 });
  });

  it('reads name = value and name value (the = is optional)', () => {
    expect(setting('wal_level = replica')).to.include({
      name: 'wal_level',
      value: 'replica',
      rawValue: 'replica',
    });
    expect(setting('wal_level replica')).to.include({ name: 'wal_level', value: 'replica' });
    expect(setting('port=5432')).to.include({ name: 'port', value: '5432' });
  });

  it('lowercases names and accepts dotted custom names', () => {
    expect(setting('Wal_Level = replica').name).to.equal('wal_level');
    expect(setting('foo.Bar = 1').name).to.equal('foo.bar');
  });

  it('gives the value span inside the line and the trailing comment', () => {
    const l = setting("listen_addresses = '*'   # all of them");
    expect(l.raw.slice(l.valueStart, l.valueEnd)).to.equal("'*'");
    expect(l).to.include({ value: '*', quoted: true, comment: '# all of them', line: 1, file: 'test.conf' });
    const bare = setting('\tshared_buffers\t128MB#c');
    expect(bare.raw.slice(bare.valueStart, bare.valueEnd)).to.equal('128MB');
    expect(bare.comment).to.equal('#c');
  });

  it('decodes quoted strings: doubled quotes, backslash escapes and octal', () => {
    expect(setting("a = 'it''s'").value).to.equal("it's");
    expect(setting("a = 'x\\'y'").value).to.equal("x'y");
    expect(setting("a = 'a\\nb\\tc\\\\d'").value).to.equal('a\nb\tc\\d');
    expect(setting("a = '\\101\\060z'").value).to.equal('A0z');
    expect(setting("a = '# not a comment'").value).to.equal('# not a comment');
    expect(setting("a = ''").value).to.equal('');
  });

  it('reads unquoted numbers, units, negatives, reals, hex and identifiers', () => {
    for (const v of ['16MB', '5min', '-1', '1.5', '.5', '0x1F', 'on', 'hot_standby', 'en_US.UTF-8']) {
      expect(setting(`x = ${v}`).value, v).to.equal(v);
    }
  });

  it('reports what PostgreSQL rejects, with line and column', () => {
    const cases: [string, number, string][] = [
      ['x = 1.5min', 8, 'syntax error near token "min"'],
      ['x = pg_catalog.english', 5, 'syntax error near token "pg_catalog.english"'],
      ['x = /tmp', 5, 'syntax error near token "/"'],
      ['x = 1e3', 7, 'syntax error near token "3"'],
      ['x = a b', 7, 'syntax error near token "b"'],
      ['x =', 4, 'syntax error near end of line'],
      ["x = 'open", 5, 'unterminated quoted string'],
      ['= 1', 1, 'syntax error near token "="'],
      ['a.b.c = 1', 1, 'syntax error near token "a.b.c"'],
    ];
    for (const [text, col, message] of cases) {
      expect(one(text), text).to.deep.include({ kind: 'error', line: 1, col, message });
    }
  });

  it('reads include directives with their decoded path', () => {
    expect(one("include 'a.conf'")).to.include({ kind: 'include', directive: 'include', path: 'a.conf' });
    expect(one("include_if_exists = 'b.conf'")).to.include({
      kind: 'include',
      directive: 'include_if_exists',
    });
    expect(one("INCLUDE_DIR 'conf.d'  # dir")).to.include({
      kind: 'include',
      directive: 'include_dir',
      path: 'conf.d',
    });
  });

  it('recognises commented template lines, and only those', () => {
    expect(one('#wal_level = replica\t\t\t# minimal, replica, or logical')).to.include({
      kind: 'template',
      name: 'wal_level',
      value: 'replica',
    });
    expect(one("# listen_addresses = 'localhost'")).to.include({
      kind: 'template',
      name: 'listen_addresses',
    });
    for (const c of [
      '# see below',
      '#-----',
      '# - Connection Settings -',
      "#include_dir = '...'",
      '# Memory units:  B',
    ]) {
      expect(one(c).kind, c).to.equal('comment');
    }
    expect(one('   ').kind).to.equal('blank');
  });

  it('numbers lines from 1, does not invent a line after the final newline, and keeps CRLF in raw', () => {
    const lines = parseConf('a = 1\r\n\r\nb = 2\r\n', 'f');
    expect(lines.map((l) => [l.line, l.kind])).to.deep.equal([
      [1, 'setting'],
      [2, 'blank'],
      [3, 'setting'],
    ]);
    expect(lines[0]?.raw).to.equal('a = 1\r');
    expect((lines[0] as SettingLine).value).to.equal('1');
  });

  it('parses the initdb sample and the Debian default file without errors', () => {
    const sample = parseConf(fixture('initdb-15.conf'), 'initdb-15.conf');
    expect(confErrors(sample)).to.deep.equal([]);
    expect(sample.filter((l) => l.kind === 'setting')).to.have.length(0);
    const names = sample.flatMap((l) => (l.kind === 'template' ? [l.name] : []));
    expect(names).to.include.members([
      'wal_level',
      'max_wal_senders',
      'hot_standby',
      'archive_command',
      'wal_keep_size',
    ]);
    const debian = parseConf(fixture('debian-15.conf'), 'debian-15.conf');
    expect(confErrors(debian)).to.deep.equal([]);
    const settings = debian.flatMap((l) => (l.kind === 'setting' ? [[l.name, l.value]] : []));
    expect(settings).to.deep.include(['data_directory', '/var/lib/postgresql/15/main']);
    expect(settings).to.deep.include(['datestyle', 'iso, mdy']);
    expect(
      debian.some((l) => l.kind === 'include' && l.directive === 'include_dir' && l.path === 'conf.d'),
    ).to.equal(true);
  });
});

describe('pg/conf helpers', () => {
  it('isValidName accepts identifiers and prefix.name only', () => {
    expect(['wal_level', 'Foo.bar', 'x1'].map(isValidName)).to.deep.equal([true, true, true]);
    expect(['a.b.c', '1x', 'a b', '', 'a#'].map(isValidName)).to.deep.equal([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('isBareValue is true only for one unquoted value token', () => {
    expect(['replica', '16MB', '-1', '0.9', 'en_US.UTF-8'].map(isBareValue)).to.deep.equal([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(['a b', '', '1.5GB', 'pg_catalog.english', '/tmp', "'x'", ' on'].map(isBareValue)).to.deep.equal([
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
