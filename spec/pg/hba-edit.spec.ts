import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { InputError } from '../../lib/errors.js';
import { ensureRule, formatRule, specToRule } from '../../lib/pg/hba-edit.js';

const initdb = readFileSync(new URL('../fixtures/pg/hba/initdb-15.conf', import.meta.url), 'utf8');
const debian = readFileSync(new URL('../fixtures/pg/hba/debian-15.conf', import.meta.url), 'utf8');
const lineOf = (text: string, n: number) => text.split('\n')[n - 1];

describe('ensureRule', () => {
  it('inserts a replication rule before initdb\'s "host replication all 127.0.0.1/32 trust", aligned', () => {
    const spec = {
      type: 'host',
      database: 'replication',
      user: 'rep',
      address: '127.0.0.1/32',
      method: 'md5',
    } as const;
    const { text, change } = ensureRule(initdb, spec, 'present');
    const target =
      initdb.split('\n').indexOf('host    replication     all             127.0.0.1/32            trust') + 1;
    expect(change).to.deep.equal({
      kind: 'added',
      line: target,
      after: 'host    replication     rep             127.0.0.1/32            md5',
    });
    expect(lineOf(text, target)).to.equal(change.after);
    expect(lineOf(text, target + 1)).to.match(/^host +replication +all +127\.0\.0\.1\/32 +trust$/);
    expect(
      text
        .split('\n')
        .filter((l) => l !== change.after)
        .join('\n'),
    ).to.equal(initdb);
    const again = ensureRule(text, spec, 'present');
    expect(again).to.deep.equal({ text, change: { kind: 'none', line: target } });
  });

  it('puts an ordinary host rule before the first "host all all" rule, not before local or ::1 rules', () => {
    const spec = {
      type: 'host',
      database: 'app',
      user: 'web',
      address: '127.0.0.0/8',
      method: 'scram-sha-256',
    } as const;
    const { change } = ensureRule(debian, spec, 'present');
    expect(lineOf(debian, change.line)).to.match(/^host +all +all +127\.0\.0\.1\/32/);
  });

  it('appends when nothing could shadow it', () => {
    const spec = {
      type: 'hostssl',
      database: 'app',
      user: 'web',
      address: '10.1.0.0/16',
      method: 'cert',
    } as const;
    const { text, change } = ensureRule(initdb, spec, 'present');
    expect(change.kind).to.equal('added');
    expect(text).to.equal(`${initdb}hostssl app             web             10.1.0.0/16             cert\n`);
    expect(change.line).to.equal(text.split('\n').length - 1);
  });

  it('treats all as not matching replication, and host as covering hostssl', () => {
    const base = 'host all all 0.0.0.0/0 md5\nhostssl replication all 0.0.0.0/0 md5\n';
    const r = ensureRule(
      base,
      { type: 'host', database: 'replication', user: 'r', address: '10.0.0.1/32', method: 'trust' },
      'present',
    );
    expect(r.change.line).to.equal(2);
    const s = ensureRule(
      base,
      { type: 'hostnossl', database: 'replication', user: 'r', address: '10.0.0.1/32', method: 'trust' },
      'present',
    );
    expect(s.change.line).to.equal(3);
    const g = ensureRule(
      'host all +grp samenet md5\n',
      { type: 'host', database: 'x', user: 'y', address: '10.0.0.0/8', method: 'md5' },
      'present',
    );
    expect(g.change.line).to.equal(1);
    const v6 = ensureRule(
      'host all all ::1/128 md5\n',
      { type: 'host', database: 'x', user: 'y', address: '10.0.0.0/8', method: 'md5' },
      'present',
    );
    expect(v6.change.line).to.equal(2);
  });

  it('changes the method in place, keeping columns and the trailing comment', () => {
    const text =
      '# head\nhost    replication     rep    127.0.0.1/32    trust   # temporary\nlocal all all peer\n';
    const spec = {
      type: 'host',
      database: 'replication',
      user: 'rep',
      address: '127.0.0.1 255.255.255.255',
      method: 'md5',
    } as const;
    const r = ensureRule(text, spec, 'present');
    expect(r.change).to.deep.equal({
      kind: 'changed',
      line: 2,
      before: 'host    replication     rep    127.0.0.1/32    trust   # temporary',
      after: 'host    replication     rep    127.0.0.1/32    md5   # temporary',
    });
    expect(r.text).to.equal(text.replace('trust   #', 'md5   #'));
    expect(ensureRule(r.text, spec, 'present').change.kind).to.equal('none');
  });

  it('changes options and reports a rule shadowed by an earlier one', () => {
    const text = 'host all all 0.0.0.0/0 trust\nhost db u 10.0.0.0/8 ldap ldapserver=a\n';
    const spec = {
      type: 'host',
      database: 'db',
      user: 'u',
      address: '10.0.0.0/8',
      method: 'ldap',
      options: { ldapserver: 'b c' },
    } as const;
    const r = ensureRule(text, spec, 'present');
    expect(r.change).to.include({ kind: 'changed', line: 2, shadowedBy: 1 });
    expect(lineOf(r.text, 2)).to.equal('host db u 10.0.0.0/8 ldap ldapserver="b c"');
  });

  it('removes a rule (absent), and is a no-op when it is already gone', () => {
    const spec = { type: 'local', database: 'replication', user: 'all', method: 'trust' } as const;
    const r = ensureRule(initdb, spec, 'absent');
    expect(r.change.kind).to.equal('removed');
    expect(r.change.before).to.equal('local   replication     all                                     trust');
    expect(r.text.split('\n')).to.have.length(initdb.split('\n').length - 1);
    expect(ensureRule(r.text, spec, 'absent')).to.deep.equal({
      text: r.text,
      change: { kind: 'none', line: 0 },
    });
  });

  it('leaves includes, comments and continued lines untouched, inserting before an include', () => {
    const text = '# c1\nlocal all postgres peer\ninclude_dir conf.d\nhost all \\\n all 10.0.0.0/8 md5\n';
    const r = ensureRule(
      text,
      { type: 'host', database: 'a', user: 'b', address: '192.168.0.0/16', method: 'md5' },
      'present',
    );
    expect(r.change.line).to.equal(3);
    expect(r.text).to.equal(
      '# c1\nlocal all postgres peer\nhost a b 192.168.0.0/16 md5\ninclude_dir conf.d\nhost all \\\n all 10.0.0.0/8 md5\n',
    );
  });

  it('starts an empty file', () => {
    const r = ensureRule('', { type: 'local', database: 'all', user: 'all', method: 'peer' }, 'present');
    expect(r.text).to.equal('local   all             all                                     peer\n');
    expect(r.change.line).to.equal(1);
  });

  it('rejects invalid input with InputError', () => {
    const bad = [
      { type: 'local', database: 'all', user: 'all', address: '1.2.3.4/32', method: 'md5' },
      { type: 'host', database: 'all', user: 'all', address: '10.0.0.1/33', method: 'md5' },
      { type: 'host', database: 'all', user: 'all', address: '10.0.0.1/32', method: 'md55' },
      { type: 'host', database: 'all', user: 'all', method: 'md5' },
    ] as const;
    for (const b of bad) expect(() => ensureRule(initdb, b, 'present')).to.throw(InputError, /hba rule:/);
    expect(() =>
      ensureRule('bogus line\n', { type: 'local', database: 'all', user: 'all', method: 'peer' }, 'present', {
        file: 'x.conf',
      }),
    ).to.throw(InputError, /^x\.conf:1:1:/);
  });

  it('formats quoted names and masks', () => {
    const r = specToRule({
      type: 'host',
      database: '"my db",b',
      user: 'all',
      address: '10.0.0.0 255.0.0.0',
      method: 'md5',
    });
    expect(formatRule(r, [0, 0, 0, 0, 0])).to.equal('host "my db",b all 10.0.0.0 255.0.0.0 md5');
  });
});
