import { expect } from 'chai';
import {
  parseRoleProbe,
  planRole,
  type RoleProbe,
  type RoleRow,
  roleProbeSql,
  wantedEncryption,
} from '../../lib/pg/role.js';
import { md5Verifier, scramVerifier } from '../../lib/pg/scram.js';
import { reveal, Secret } from '../../lib/secret.js';

const row = (over: Partial<RoleRow> = {}): RoleRow => ({
  superuser: false,
  createrole: false,
  createdb: false,
  login: true,
  replication: false,
  connectionLimit: -1,
  password: null,
  validUntil: null,
  validUntilMatches: true,
  ...over,
});
const scram: RoleProbe = { encryption: 'scram-sha-256' };

describe('ensureUser planning (pure, fixture role rows)', () => {
  it('creates a missing role with LOGIN by default and only the given attributes', () => {
    const p = planRole({ name: 'rep', replication: true, connectionLimit: 3 }, scram);
    expect(p?.summary).to.equal('CREATE ROLE "rep" LOGIN REPLICATION CONNECTION LIMIT 3');
    expect(reveal(p?.sql ?? '')).to.equal('CREATE ROLE "rep" LOGIN REPLICATION CONNECTION LIMIT 3;\n');
  });

  it('alters only the attributes that differ, and plans nothing when all match', () => {
    const probe = { ...scram, role: row({ replication: true, createdb: true }) };
    expect(planRole({ name: 'a', replication: true, createdb: true, login: true }, probe)).to.equal(
      undefined,
    );
    const p = planRole({ name: 'a', replication: false, createdb: true, superuser: false }, probe);
    expect(p?.summary).to.equal('ALTER ROLE "a" NOREPLICATION');
    // login left out of the arguments of an existing role: not managed
    expect(planRole({ name: 'a' }, { ...scram, role: row({ login: false }) })).to.equal(undefined);
  });

  it('drops an existing role for state absent; nothing when it is gone', () => {
    expect(planRole({ name: 'x"y', state: 'absent' }, { ...scram, role: row() })?.summary).to.equal(
      'DROP ROLE "x""y"',
    );
    expect(planRole({ name: 'x', state: 'absent' }, scram)).to.equal(undefined);
  });

  it('sends a SCRAM verifier, never the password, and masks it in display; logging off first', () => {
    const p = planRole({ name: 'rep', password: new Secret('s3cret-pw') }, scram);
    const shown = String(p?.sql);
    expect(shown).to.contain(`CREATE ROLE "rep" LOGIN PASSWORD '***';`);
    expect(shown).to.match(/^SET log_statement = 'none';\nSET log_min_duration_statement = -1;/);
    expect(p?.summary).to.not.contain('s3cret');
    const sent = reveal(p?.sql ?? '');
    expect(sent).to.not.contain('s3cret-pw');
    expect(sent).to.match(/PASSWORD 'SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+'/);
  });

  it('chooses md5 when asked, or when the server says md5 (10–13 default, also the old `on`)', () => {
    expect(wantedEncryption({ name: 'a' }, 'md5')).to.equal('md5');
    expect(wantedEncryption({ name: 'a' }, 'on')).to.equal('md5');
    expect(wantedEncryption({ name: 'a' }, 'scram-sha-256')).to.equal('scram-sha-256');
    expect(wantedEncryption({ name: 'a', passwordEncryption: 'md5' }, 'scram-sha-256')).to.equal('md5');
    const p = planRole({ name: 'rep', password: new Secret('pw-Kx81') }, { encryption: 'md5' });
    expect(reveal(p?.sql ?? '')).to.contain(`PASSWORD '${md5Verifier('pw-Kx81', 'rep')}'`);
  });

  it('is idempotent against the stored verifier (recomputed with its salt), changes on another password', () => {
    const stored = scramVerifier('pw-Kx81', { iterations: 4096 });
    const probe = { ...scram, role: row({ password: stored }) };
    expect(planRole({ name: 'a', password: new Secret('pw-Kx81') }, probe)).to.equal(undefined);
    expect(planRole({ name: 'a', password: new Secret('other-Kx82') }, probe)?.summary).to.equal(
      `ALTER ROLE "a" PASSWORD '***'`,
    );
    // stored md5 with the right password, but SCRAM wanted: change
    const md5 = { ...scram, role: row({ password: md5Verifier('pw-Kx81', 'a') }) };
    expect(planRole({ name: 'a', password: new Secret('pw-Kx81') }, md5)).to.not.equal(undefined);
    expect(planRole({ name: 'a', password: new Secret('pw-Kx81'), passwordEncryption: 'md5' }, md5)).to.equal(
      undefined,
    );
  });

  it('compares VALID UNTIL through the server (the probe), and quotes it', () => {
    expect(roleProbeSql("o'k", 'infinity')).to.contain(
      "r.rolvaliduntil is not distinct from 'infinity'::timestamptz",
    );
    expect(roleProbeSql("o'k")).to.contain("r.rolname = 'o''k'");
    const probe = { ...scram, role: row({ validUntilMatches: false }) };
    expect(planRole({ name: 'a', validUntil: '2030-01-01' }, probe)?.summary).to.equal(
      `ALTER ROLE "a" VALID UNTIL '2030-01-01'`,
    );
  });

  it('parses the probe row (missing role, existing role)', () => {
    expect(parseRoleProbe('scram-sha-256\x1ff\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f\n')).to.deep.equal(
      scram,
    );
    const p = parseRoleProbe(
      `md5\x1ft\x1ff\x1ff\x1ft\x1ft\x1ft\x1f5\x1ff\x1f${Buffer.from('md5abc').toString('hex')}\x1f\x1ft\n`,
    );
    expect(p).to.deep.equal({
      encryption: 'md5',
      role: row({ createdb: true, replication: true, connectionLimit: 5, password: 'md5abc' }),
    });
  });
});
