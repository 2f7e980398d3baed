import { expect } from 'chai';
import { ApplyError, InputError } from '../../lib/errors.js';
import { editLines, type LineEditOptions, normalizeLine } from '../../lib/tasks/line-edit.js';

interface Case {
  name: string;
  before: string | null;
  opts: LineEditOptions;
  after: string | null;
  changed: boolean;
  reason?: string;
}

const cases: Case[] = [
  {
    name: 'appends a missing line',
    before: 'a\nb\n',
    opts: { line: 'c' },
    after: 'a\nb\nc\n',
    changed: true,
    reason: 'line appended',
  },
  {
    name: 'finds the line whatever its whitespace',
    before: 'listen_addresses  =\t"*"  \nx\n',
    opts: { line: 'listen_addresses = "*"' },
    after: 'listen_addresses  =\t"*"  \nx\n',
    changed: false,
    reason: 'line already present',
  },
  {
    name: 'does not treat different words as whitespace variants',
    before: 'host all all 10.0.0.0/8 md5\n',
    opts: { line: 'host all all 10.0.0.0/8 scram-sha-256' },
    after: 'host all all 10.0.0.0/8 md5\nhost all all 10.0.0.0/8 scram-sha-256\n',
    changed: true,
  },
  {
    name: 'match replaces the last matching line',
    before: 'port=1\nx\nport=2\n',
    opts: { line: 'port=5432', match: '^port=' },
    after: 'port=1\nx\nport=5432\n',
    changed: true,
    reason: 'line 3 replaced',
  },
  {
    name: 'match with firstMatch replaces the first matching line',
    before: 'port=1\nx\nport=2\n',
    opts: { line: 'port=5432', match: '^port=', firstMatch: true },
    after: 'port=5432\nx\nport=2\n',
    changed: true,
  },
  {
    name: 'match already holding the line is ok',
    before: 'a\nport=5432\n',
    opts: { line: 'port=5432', match: '^port=' },
    after: 'a\nport=5432\n',
    changed: false,
  },
  {
    name: 'match without a hit but the line present is ok',
    before: 'port = 5432\n',
    opts: { line: 'port = 5432', match: '^#port' },
    after: 'port = 5432\n',
    changed: false,
  },
  {
    name: 'match without a hit appends',
    before: 'a\n',
    opts: { line: 'port=5432', match: '^port=' },
    after: 'a\nport=5432\n',
    changed: true,
  },
  {
    name: 'insertAfter anchors after the last match',
    before: '[a]\nx=1\n[a]\ny=1\n[b]\n',
    opts: { line: 'z=1', insertAfter: '^\\[a\\]' },
    after: '[a]\nx=1\n[a]\nz=1\ny=1\n[b]\n',
    changed: true,
    reason: 'line inserted at line 4',
  },
  {
    name: 'insertAfter with firstMatch anchors after the first match',
    before: '[a]\nx=1\n[a]\n',
    opts: { line: 'z=1', insertAfter: '^\\[a\\]', firstMatch: true },
    after: '[a]\nz=1\nx=1\n[a]\n',
    changed: true,
  },
  {
    name: 'insertAfter without a match appends',
    before: 'a\n',
    opts: { line: 'z', insertAfter: '^nothing' },
    after: 'a\nz\n',
    changed: true,
  },
  {
    name: 'insertAfter EOF appends',
    before: 'a\nb\n',
    opts: { line: 'z', insertAfter: 'EOF' },
    after: 'a\nb\nz\n',
    changed: true,
  },
  {
    name: 'insertBefore anchors before the last match',
    before: 'local all\nhost all\nhost db\n',
    opts: { line: 'host rep', insertBefore: '^host' },
    after: 'local all\nhost all\nhost rep\nhost db\n',
    changed: true,
  },
  {
    name: 'insertBefore with firstMatch anchors before the first match',
    before: 'local all\nhost all\nhost db\n',
    opts: { line: 'host rep', insertBefore: '^host', firstMatch: true },
    after: 'local all\nhost rep\nhost all\nhost db\n',
    changed: true,
  },
  {
    name: 'insertBefore BOF inserts at the top',
    before: 'a\nb\n',
    opts: { line: '# managed', insertBefore: 'BOF' },
    after: '# managed\na\nb\n',
    changed: true,
    reason: 'line inserted at line 1',
  },
  {
    name: 'insertBefore without a match appends',
    before: 'a\n',
    opts: { line: 'z', insertBefore: '^nothing' },
    after: 'a\nz\n',
    changed: true,
  },
  {
    name: 'absent removes every whitespace-equal line',
    before: 'a\n  b  c\nx\nb c\n',
    opts: { line: 'b c', state: 'absent' },
    after: 'a\nx\n',
    changed: true,
    reason: '2 lines removed',
  },
  {
    name: 'absent removes every matching line',
    before: 'recovery_target=1\nx\nrecovery_target_time=2\n',
    opts: { match: '^recovery_target', state: 'absent' },
    after: 'x\n',
    changed: true,
  },
  {
    name: 'absent with nothing to remove is ok',
    before: 'a\n',
    opts: { line: 'b', state: 'absent' },
    after: 'a\n',
    changed: false,
    reason: 'line already absent',
  },
  {
    name: 'absent on a missing file is ok',
    before: null,
    opts: { line: 'b', state: 'absent' },
    after: null,
    changed: false,
    reason: 'file does not exist',
  },
  {
    name: 'a file without a trailing newline gets one before the appended line and keeps its convention',
    before: 'a\nb',
    opts: { line: 'c' },
    after: 'a\nb\nc',
    changed: true,
  },
  {
    name: 'replacing in a file without a trailing newline keeps it without',
    before: 'a\nport=1',
    opts: { line: 'port=2', match: '^port' },
    after: 'a\nport=2',
    changed: true,
  },
  {
    name: 'create makes a missing file with the line',
    before: null,
    opts: { line: 'a', create: true },
    after: 'a\n',
    changed: true,
    reason: 'file created with the line',
  },
  {
    name: 'an empty file gets the line with a newline',
    before: '',
    opts: { line: 'a' },
    after: 'a\n',
    changed: true,
  },
  {
    name: 'removing the last line leaves an empty file',
    before: 'a\n',
    opts: { line: 'a', state: 'absent' },
    after: '',
    changed: true,
  },
  {
    name: 'a CRLF file keeps CRLF',
    before: 'a\r\nb\r\n',
    opts: { line: 'c', insertAfter: '^a' },
    after: 'a\r\nc\r\nb\r\n',
    changed: true,
  },
  {
    name: 'blank lines and comments elsewhere are untouched',
    before: '# c\n\nx = 1\n\n',
    opts: { line: 'x = 2', match: '^x\\s*=' },
    after: '# c\n\nx = 2\n\n',
    changed: true,
  },
];

describe('editLines', () => {
  for (const c of cases) {
    it(c.name, () => {
      const r = editLines(c.before, c.opts);
      expect(r.content).to.equal(c.after);
      expect(r.changed).to.equal(c.changed);
      if (c.reason !== undefined) expect(r.reason).to.equal(c.reason);
    });
  }

  describe('rerun is idempotent: editing the result again changes nothing', () => {
    for (const c of cases.filter((x) => x.changed)) {
      it(c.name, () => {
        const again = editLines(c.after, c.opts);
        expect(again.changed, again.reason).to.equal(false);
        expect(again.content).to.equal(c.after);
      });
    }
  });

  it('refuses a missing file without create, saying how to fix it', () => {
    expect(() => editLines(null, { line: 'a', path: '/etc/x' }))
      .to.throw(ApplyError)
      .with.property('message', '/etc/x does not exist; set create: true to create it');
  });

  it('rejects an invalid regexp as input', () => {
    expect(() => editLines('a\n', { line: 'a', match: '(' })).to.throw(InputError, /match is not a valid/);
  });

  it('rejects present without a line, absent without line or match, and both anchors', () => {
    expect(() => editLines('', {})).to.throw(InputError, /needs "line"/);
    expect(() => editLines('', { state: 'absent' })).to.throw(InputError, /"line" or "match"/);
    expect(() => editLines('', { line: 'a', insertAfter: 'x', insertBefore: 'y' })).to.throw(
      InputError,
      /not both/,
    );
    expect(() => editLines('', { line: 'a\nb' })).to.throw(InputError, /single line/);
  });

  it('normalizeLine collapses blanks and trims', () => {
    expect(normalizeLine('  a \t b  ')).to.equal('a b');
  });
});
