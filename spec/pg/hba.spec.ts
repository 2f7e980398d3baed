import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { InputError } from '../../lib/errors.js';
import { type HbaLine, parseHba, validateRule } from '../../lib/pg/hba.js';
import { maskBits, parseIp, toNetwork } from '../../lib/pg/ip.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/pg/hba/${name}`, import.meta.url), 'utf8');
const rules = (lines: HbaLine[]) => lines.filter((l) => l.kind === 'rule');

function parseError(text: string): InputError {
  try {
    parseHba(text, 'f.conf');
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('pg_hba parser', () => {
  it('parses initdb 15 default file: six rules, comments kept byte for byte', () => {
    const text = fixture('initdb-15.conf');
    const lines = parseHba(text, 'pg_hba.conf');
    expect(lines.map((l) => l.raw).join('\n')).to.equal(text.replace(/\n$/, ''));
    const r = rules(lines);
    expect(r).to.have.length(6);
    const last = r[5];
    if (last?.kind !== 'rule') throw new Error('rule expected');
    expect(last.rule).to.deep.equal({
      type: 'host',
      database: [{ value: 'replication', quoted: false }],
      user: [{ value: 'all', quoted: false }],
      address: '::1/128',
      method: 'trust',
      options: {},
    });
    expect(last.fields.map((f) => f.start)).to.deep.equal([0, 8, 24, 40, 64]);
  });

  it("parses Debian's pg_createcluster file", () => {
    const r = rules(parseHba(fixture('debian-15.conf'), 'pg_hba.conf'));
    expect(r.map((l) => (l.kind === 'rule' ? `${l.rule.type} ${l.rule.method}` : ''))).to.deep.equal([
      'local peer',
      'local peer',
      'host scram-sha-256',
      'host scram-sha-256',
      'local peer',
      'host scram-sha-256',
      'host scram-sha-256',
    ]);
  });

  it('reads lists, quoted names, groups, files, masks, options and trailing comments', () => {
    const text = [
      'host  db1,"my db", @dbs  +admins,"all"  10.0.0.0 255.0.0.0  ldap ldapserver=ldap.example ldapprefix="cn=" # x',
      'hostssl all all samenet cert clientcert=verify-full map=m1',
    ].join('\n');
    const [a, b] = parseHba(text, 'f');
    if (a?.kind !== 'rule' || b?.kind !== 'rule') throw new Error('rules expected');
    expect(a.rule.database).to.deep.equal([
      { value: 'db1', quoted: false },
      { value: 'my db', quoted: true },
      { value: '@dbs', quoted: false },
    ]);
    expect(a.rule.user).to.deep.equal([
      { value: '+admins', quoted: false },
      { value: 'all', quoted: true },
    ]);
    expect(a.rule.address).to.equal('10.0.0.0');
    expect(a.rule.mask).to.equal('255.0.0.0');
    expect(a.rule.options).to.deep.equal({ ldapserver: 'ldap.example', ldapprefix: 'cn=' });
    expect(b.rule.address).to.equal('samenet');
    expect(b.rule.options).to.deep.equal({ clientcert: 'verify-full', map: 'm1' });
  });

  it('joins backslash continuations and keeps the physical lines', () => {
    const text = 'host all \\\n  all 127.0.0.1/32 \\\n  md5\nlocal all all peer\n';
    const lines = parseHba(text, 'f');
    expect(lines).to.have.length(2);
    expect(lines[0]).to.include({
      kind: 'rule',
      line: 1,
      endLine: 3,
      raw: 'host all \\\n  all 127.0.0.1/32 \\\n  md5',
    });
    expect(lines[1]).to.include({ line: 4 });
  });

  it('recognises include directives, blank and comment lines', () => {
    const lines = parseHba('\n# c\ninclude_dir conf.d\ninclude_if_exists "extra file.conf"\n', 'f');
    expect(lines.map((l) => l.kind)).to.deep.equal(['blank', 'comment', 'include', 'include']);
    expect(lines[3]).to.include({ directive: 'include_if_exists', path: 'extra file.conf' });
  });

  it('reports structural errors at file:line:col', () => {
    expect(parseError('# ok\nhots all all 1.2.3.4/32 md5').message).to.equal(
      'f.conf:2:1: invalid connection type "hots"; expected one of local, host, hostssl, hostnossl, hostgssenc, hostnogssenc',
    );
    expect(parseError('host all all 10.0.0.1').message).to.match(
      /^f\.conf:1:\d+: end-of-line before IP mask/,
    );
    expect(parseError('local all').message).to.match(/end-of-line before role/);
    expect(parseError('host all all 1.2.3.4/32 ldap foo').message).to.match(/not in name=value format: foo/);
    expect(parseError('local "all all trust').message).to.match(/^f\.conf:1:7: unterminated quoted/);
  });
});

describe('pg_hba validation', () => {
  const rule = (line: string) => {
    const l = parseHba(line, 'f')[0];
    if (l?.kind !== 'rule') throw new Error('rule expected');
    return l.rule;
  };
  it('accepts valid records, including non-canonical host bits as PostgreSQL does', () => {
    expect(validateRule(rule('host all all 10.0.0.1/24 scram-sha-256'), 15)).to.deep.equal([]);
    expect(validateRule(rule('host all all fe80::1/64 md5'), 15)).to.deep.equal([]);
    expect(validateRule(rule('host all all 10.0.0.0 255.255.0.0 md5'), 15)).to.deep.equal([]);
    expect(validateRule(rule('host all all db.example.com md5'), 15)).to.deep.equal([]);
  });
  it('rejects bad CIDR, masks, methods and gssenc before 12', () => {
    expect(validateRule(rule('host all all 10.0.0.1/33 md5'), 15)).to.deep.equal([
      'invalid CIDR mask in address "10.0.0.1/33"',
    ]);
    expect(validateRule(rule('host all all 300.0.0.1/32 md5'), 15)[0]).to.match(/invalid IP address/);
    expect(validateRule(rule('host all all 10.0.0.0 255.0.255.0 md5'), 15)[0]).to.match(/invalid IP mask/);
    expect(validateRule(rule('host all all 1.2.3.4/32 md6'), 15)[0]).to.match(
      /invalid authentication method "md6"/,
    );
    expect(validateRule(rule('host all all 1.2.3.4/32 scram-sha-256'), 9)[0]).to.match(/needs PostgreSQL 10/);
    expect(validateRule(rule('hostgssenc all all 1.2.3.4/32 gss'), 11)[0]).to.match(/needs PostgreSQL 12/);
    expect(validateRule(rule('local all all oauth'), 17)[0]).to.match(/needs PostgreSQL 18/);
  });
  it('rejects an address on local and a missing one on host', () => {
    const local = { ...rule('local all all trust'), address: '1.2.3.4/32' };
    expect(validateRule(local, 15)).to.deep.equal(['"local" records take no address']);
    const { address: _, ...host } = rule('host all all 1.2.3.4/32 md5');
    expect(validateRule(host, 15)).to.deep.equal(['"host" records need an address']);
  });
  it('parses addresses and masks', () => {
    expect(parseIp('::1')).to.deep.equal({ family: 6, addr: 1n });
    expect(parseIp('1::2::3')).to.equal(undefined);
    expect(maskBits('255.255.255.0')).to.deep.equal({ family: 4, bits: 24 });
    expect(toNetwork('127.0.0.1', '255.255.255.255')).to.deep.equal({
      family: 4,
      addr: 0x7f000001n,
      bits: 32,
    });
  });
});
