import { expect } from 'chai';
import { InputError } from '../../lib/errors.js';
import { ensureRule } from '../../lib/pg/hba-edit.js';
import {
  md5Verifier,
  parseScramVerifier,
  saslprep,
  scramVerifier,
  verifierMatches,
} from '../../lib/pg/scram.js';
import { type Cluster, createCluster } from '../../lib/sandbox/pg-cluster.js';

describe('scram (pure)', () => {
  it('builds the PostgreSQL format with the given salt and iterations, random salt by default', () => {
    const salt = Buffer.from('0123456789abcdef');
    const v = scramVerifier('secret', { salt, iterations: 4096 });
    expect(v).to.match(
      /^SCRAM-SHA-256\$4096:MDEyMzQ1Njc4OWFiY2RlZg==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/,
    );
    expect(scramVerifier('secret', { salt, iterations: 4096 })).to.equal(v);
    const a = parseScramVerifier(scramVerifier('secret'));
    const b = parseScramVerifier(scramVerifier('secret'));
    expect(a?.iterations).to.equal(4096);
    expect(a?.salt).to.have.length(16);
    expect(a?.salt.equals(b?.salt ?? Buffer.alloc(0))).to.equal(false);
    expect(parseScramVerifier('SCRAM-SHA-256$x:abc$def:ghi')).to.equal(undefined);
    expect(() => scramVerifier('x', { iterations: 0 })).to.throw(InputError);
  });

  it('verifierMatches: scram, md5 and plain text', () => {
    const v = scramVerifier('pw', { iterations: 1000 });
    expect(verifierMatches(v, 'pw')).to.equal(true);
    expect(verifierMatches(v, 'pw ')).to.equal(false);
    expect(md5Verifier('secret', 'rep')).to.equal('md5345dd60f5188c1a9c656482f63d77e69');
    expect(verifierMatches(md5Verifier('secret', 'rep'), 'secret', 'rep')).to.equal(true);
    expect(verifierMatches(md5Verifier('secret', 'rep'), 'secret', 'other')).to.equal(false);
    expect(() => verifierMatches(md5Verifier('secret', 'rep'), 'secret')).to.throw(InputError, /role name/);
    expect(verifierMatches('legacy', 'legacy')).to.equal(true);
    expect(verifierMatches('legacy', 'legacz')).to.equal(false);
  });

  it('saslprep: ASCII as is, spaces mapped, soft hyphen dropped, NFKC, failures undefined', () => {
    expect(saslprep('a\tb')).to.equal('a\tb');
    expect(saslprep('I\u00ADX')).to.equal('IX');
    expect(saslprep('a\u00A0b\u2003c')).to.equal('a b c');
    expect(saslprep('\u2168')).to.equal('IX');
    expect(saslprep('e\u0301')).to.equal('\u00e9');
    expect(saslprep('\u00e9\u0007')).to.equal(undefined);
    expect(saslprep('\u05d0a\u05d0')).to.equal(undefined);
    expect(saslprep('\u05d0\u05d1')).to.equal('\u05d0\u05d1');
    expect(saslprep('x\ud800')).to.equal(undefined);
  });
});

describe('scram against PostgreSQL 15', () => {
  let c: Cluster;
  before(async () => {
    c = await createCluster();
    const hba = `${c.dataDir}/pg_hba.conf`;
    const { readFile } = await import('node:fs/promises');
    let text = await readFile(hba, 'utf8');
    text = ensureRule(
      text,
      { type: 'host', database: 'all', user: 'sx', address: '127.0.0.1/32', method: 'scram-sha-256' },
      'present',
    ).text;
    text = ensureRule(
      text,
      { type: 'host', database: 'all', user: 'mx', address: '127.0.0.1/32', method: 'md5' },
      'present',
    ).text;
    await c.writeFile(hba, text);
    await c.reload();
  });
  after(async () => {
    await c?.destroy();
  });

  const stored = async (role: string) =>
    (await c.psql(`SELECT rolpassword FROM pg_authid WHERE rolname = '${role}';`)).trim();

  const passwords = [
    'p',
    "it's a long pass phrase",
    'pa\u00A0ss\u00ADword',
    '\u2168',
    'e\u0301t\u00e9',
    '\u00e9\u0007',
    '\u05d0a\u05d0',
  ];
  for (const [i, pw] of passwords.entries()) {
    it(`matches the verifier PostgreSQL stored, byte for byte (${JSON.stringify(pw)})`, async () => {
      const role = `r${i}`;
      const lit = `'${pw.replace(/'/g, "''")}'`;
      await c.psql(`SET password_encryption = 'scram-sha-256'; CREATE ROLE ${role} PASSWORD ${lit};`);
      const pg = await stored(role);
      expect(verifierMatches(pg, pw)).to.equal(true);
      expect(verifierMatches(pg, `${pw}x`)).to.equal(false);
      const p = parseScramVerifier(pg);
      expect(scramVerifier(pw, { salt: p?.salt, iterations: p?.iterations })).to.equal(pg);
    });
  }

  it('PostgreSQL stores our verifier as is, and a real scram login with the password succeeds', async () => {
    const v = scramVerifier('s3cret pass', { iterations: 5000 });
    await c.psql(`CREATE ROLE sx LOGIN PASSWORD '${v}';`);
    expect(await stored('sx')).to.equal(v);
    const out = await c.psql('SELECT current_user;', {
      host: '127.0.0.1',
      user: 'sx',
      password: 's3cret pass',
    });
    expect(out.trim()).to.equal('sx');
    let err: unknown;
    try {
      await c.psql('SELECT 1;', { host: '127.0.0.1', user: 'sx', password: 'wrong' });
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.match(/password authentication failed for user "sx"/);
  });

  it('PostgreSQL stores our md5 verifier as is, and an md5 login succeeds', async () => {
    const v = md5Verifier('m5pass', 'mx');
    await c.psql(`CREATE ROLE mx LOGIN PASSWORD '${v}';`);
    expect(await stored('mx')).to.equal(v);
    expect(verifierMatches(await stored('mx'), 'm5pass', 'mx')).to.equal(true);
    const out = await c.psql('SELECT current_user;', { host: '127.0.0.1', user: 'mx', password: 'm5pass' });
    expect(out.trim()).to.equal('mx');
  });
});
