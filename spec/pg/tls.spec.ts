import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { pgBasebackupCmd } from '../../lib/pg/backup.js';
import { primaryConninfo } from '../../lib/pg/standby-conf.js';
import { pgTarget } from '../../lib/pg/target.js';
import {
  type CertInfo,
  certInfo,
  certNames,
  certProblem,
  controllerTls,
  daysLeft,
  issuedBy,
  nodeTls,
  parseSubjectAltName,
  sanFor,
  sslConninfo,
} from '../../lib/pg/tls.js';
import { caConfig, makeCaCmd, makeServerCmd, serverConfig } from '../../lib/pg/tls-openssl.js';

const DAY = 86_400_000;
const info = (o: Partial<CertInfo> = {}): CertInfo => ({
  subject: 'CN=db1',
  dns: ['db1.example', '*.pg.example'],
  ips: ['10.0.0.1', '0:0:0:0:0:0:0:1'],
  notBefore: new Date(Date.UTC(2026, 0, 1)),
  notAfter: new Date(Date.UTC(2028, 0, 1)),
  isCa: false,
  ...o,
});
const now = new Date(Date.UTC(2027, 0, 1));
const opts = {
  address: 'db1.example',
  mode: 'verify-full' as const,
  now,
  minDays: 30,
  issued: true,
  file: 'db1.crt',
};

describe('TLS (pure): names and validity of a certificate', () => {
  it("splits node's subjectAltName text into DNS names and IP addresses", () => {
    expect(
      parseSubjectAltName('DNS:db1, IP Address:10.0.0.1, DNS:"a,b", email:x@y, IP Address:::1'),
    ).to.deep.equal({
      dns: ['db1', 'a,b'],
      ips: ['10.0.0.1', '::1'],
    });
    expect(parseSubjectAltName(undefined)).to.deep.equal({ dns: [], ips: [] });
  });

  it('an address matches an IP SAN (any IPv6 spelling), a name a DNS SAN (case-insensitive, one-label wildcard)', () => {
    const i = info();
    expect(certNames(i, '10.0.0.1')).to.equal(true);
    expect(certNames(i, '10.0.0.2')).to.equal(false);
    expect(certNames(i, '::1')).to.equal(true);
    expect(certNames(i, 'DB1.Example')).to.equal(true);
    expect(certNames(i, 'db1.example.')).to.equal(true);
    expect(certNames(i, 'x.pg.example')).to.equal(true);
    expect(certNames(i, 'y.x.pg.example')).to.equal(false);
    expect(certNames(i, 'pg.example')).to.equal(false);
    // every libpq matches a DNS SAN by its text, an address spelled out too (before 14, the only way)
    expect(certNames(info({ dns: ['10.0.0.3'], ips: [] }), '10.0.0.3')).to.equal(true);
    expect(sanFor('10.0.0.1')).to.equal('IP:10.0.0.1, DNS:10.0.0.1');
    expect(sanFor('fe80::1')).to.equal('IP:fe80::1, DNS:fe80::1');
    expect(sanFor('db1.example')).to.equal('DNS:db1.example');
  });

  it('a good certificate has no problem; one expiring within minDays is a warning', () => {
    expect(certProblem(info(), opts)).to.equal(undefined);
    expect(daysLeft(info(), now)).to.equal(365);
    const soon = certProblem(info(), { ...opts, now: new Date(Date.UTC(2027, 11, 20)) });
    expect(soon?.level).to.equal('warn');
    expect(soon?.found).to.equal('db1.crt expires in 12 day(s), on 2028-01-01T00:00:00.000Z');
  });

  it('an address named by an IP SAN only: a warning (libpq before 14 reads no IP SAN)', () => {
    const p = certProblem(info(), { ...opts, address: '10.0.0.1' });
    expect(p?.level).to.equal('warn');
    expect(p?.found).to.match(/names 10\.0\.0\.1 by an IP SAN only: libpq before 14/);
    expect(certProblem(info({ dns: ['10.0.0.1'] }), { ...opts, address: '10.0.0.1' })).to.equal(undefined);
  });

  it('expired or not yet valid: a failure, whatever the mode', () => {
    const late = new Date(Date.UTC(2028, 0, 1) + DAY);
    expect(certProblem(info(), { ...opts, now: late })).to.deep.include({
      level: 'fail',
      found: 'db1.crt expired on 2028-01-01T00:00:00.000Z',
    });
    expect(certProblem(info(), { ...opts, mode: 'require', now: late })?.level).to.equal('fail');
    expect(certProblem(info(), { ...opts, now: new Date(Date.UTC(2025, 0, 1)) })?.found).to.match(
      /is not valid before 2026-01-01/,
    );
  });

  it('a name it does not carry, or another issuer: a failure with verify-full, a warning with require', () => {
    const wrong = certProblem(info(), { ...opts, address: '127.0.0.2' });
    expect(wrong).to.deep.equal({
      level: 'fail',
      found:
        'db1.crt names DNS:db1.example, DNS:*.pg.example, IP:10.0.0.1, IP:0:0:0:0:0:0:0:1, not 127.0.0.2 (pg_address): sslmode=verify-full refuses it',
      fix: 'fix pg_address, or give a certificate with subjectAltName IP:127.0.0.2, DNS:127.0.0.2 (remove a made one and its key to have it made again)',
    });
    expect(certProblem(info(), { ...opts, address: '127.0.0.2', mode: 'require' })?.level).to.equal('warn');
    expect(certProblem(info(), { ...opts, issued: false })).to.deep.include({
      level: 'fail',
      found: "db1.crt is not signed by the cluster's CA",
    });
    expect(certProblem(info({ dns: [], ips: [] }), { ...opts, address: 'db9' })?.found).to.match(
      /names no SAN, not db9/,
    );
  });
});

describe('TLS (pure): files, connection options', () => {
  it('keeps made files in the controller dir unless given; a node keeps them beside its data dir', () => {
    expect(controllerTls('/inv/tls/', 'db1', {})).to.deep.equal({
      caFile: '/inv/tls/ca.crt',
      caKeyFile: '/inv/tls/ca.key',
      certFile: '/inv/tls/db1.crt',
      keyFile: '/inv/tls/db1.key',
      givenCa: false,
      givenCert: false,
    });
    expect(
      controllerTls('/inv/tls', 'db1', { caFile: '/p/ca.pem', certFile: '/p/c.pem', keyFile: '/p/k.pem' }),
    ).to.deep.include({
      caFile: '/p/ca.pem',
      certFile: '/p/c.pem',
      keyFile: '/p/k.pem',
      givenCa: true,
      givenCert: true,
    });
    expect(nodeTls('/var/lib/postgresql/15/main/')).to.deep.equal({
      certFile: '/var/lib/postgresql/15/main.server.crt',
      keyFile: '/var/lib/postgresql/15/main.server.key',
      caFile: '/var/lib/postgresql/15/main.root.crt',
    });
  });

  it('a certificate is made only for an IP address or a DNS name (it goes into an openssl config line)', () => {
    expect(serverConfig('db1', 'db1.example')).to.include('subjectAltName = DNS:db1.example\n');
    expect(serverConfig('db1', '::1')).to.include('subjectAltName = IP:::1, DNS:::1\n');
    expect(() => serverConfig('db1', 'db1\nsubjectAltName = DNS:evil')).to.throw(
      /db1: pg_address .* is neither/,
    );
    expect(() => serverConfig('db1', 'a b')).to.throw(/neither an IP address nor a DNS name/);
  });

  it('sslmode (and sslrootcert for verify-full) in primary_conninfo and in the copy; nothing for disable', () => {
    expect(sslConninfo('disable', '/x')).to.deep.equal([]);
    expect(sslConninfo('require', '/x')).to.deep.equal([['sslmode', 'require']]);
    const conn = { host: '10.0.0.1', port: 5432, user: 'rep', applicationName: 'db2', passfile: '/d.pgpass' };
    expect(primaryConninfo(conn)).to.equal(
      'host=10.0.0.1 port=5432 user=rep application_name=db2 passfile=/d.pgpass',
    );
    expect(primaryConninfo({ ...conn, sslmode: 'verify-full', sslrootcert: '/d 2.root.crt' })).to.equal(
      "host=10.0.0.1 port=5432 user=rep application_name=db2 passfile=/d.pgpass sslmode=verify-full sslrootcert='/d 2.root.crt'",
    );
    const cmd = pgBasebackupCmd(pgTarget({ pg_data_dir: '/d' }), '/d', {
      host: 'h',
      port: 5,
      user: 'r',
      applicationName: 'db2',
      fromStdin: false,
      fast: true,
      ssl: sslConninfo('verify-full', '/d.root.crt'),
    }).sh;
    expect(cmd).to.include("-d 'application_name=db2 sslmode=verify-full sslrootcert=/d.root.crt'");
  });
});

describe('TLS: the openssl recipes make a CA and a certificate naming the address (run here)', function () {
  this.timeout(30_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rp-tls-unit-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const run = (sh: string, input: string) =>
    execFileSync('sh', ['-c', sh], { input, stdio: ['pipe', 'pipe', 'pipe'] });

  it('CA and node certificate: keys 0600 in a 0700 dir, nothing printed, SAN and issuer as asked', () => {
    const tls = join(dir, 'tls');
    const out = [
      run(makeCaCmd(tls, 3650).sh, caConfig('test CA')),
      run(makeServerCmd(controllerTls(tls, 'db1', {}), 825).sh, serverConfig('db1', '127.0.0.1')),
      run(makeServerCmd(controllerTls(tls, 'db2', {}), 825).sh, serverConfig('db2', 'db2.example')),
    ];
    expect(out.map(String)).to.deep.equal(['', '', '']);
    expect(statSync(tls).mode & 0o777).to.equal(0o700);
    for (const f of ['ca.key', 'db1.key', 'db2.key'])
      expect(statSync(join(tls, f)).mode & 0o777, f).to.equal(0o600);
    const ca = readFileSync(join(tls, 'ca.crt'), 'utf8');
    const c1 = readFileSync(join(tls, 'db1.crt'), 'utf8');
    const c2 = readFileSync(join(tls, 'db2.crt'), 'utf8');
    expect(certInfo(ca).isCa).to.equal(true);
    const i1 = certInfo(c1);
    expect(i1).to.deep.include({ subject: 'CN=db1', dns: ['127.0.0.1'], ips: ['127.0.0.1'], isCa: false });
    expect(daysLeft(i1, new Date())).to.be.within(823, 825);
    expect(certInfo(c2).dns).to.deep.equal(['db2.example']);
    expect(certNames(i1, '127.0.0.1')).to.equal(true);
    expect(certNames(i1, '127.0.0.2')).to.equal(false);
    expect(issuedBy(c1, ca)).to.equal(true);
    expect(issuedBy(ca, c1)).to.equal(false);
    // the keys are kept out of a git commit of the inventory's directory
    expect(readFileSync(join(tls, '.gitignore'), 'utf8')).to.equal('*.key\n*.key.tmp\n');
    // no temporary file left behind
    expect(execFileSync('ls', [tls]).toString().split('\n').filter(Boolean).sort()).to.deep.equal([
      'ca.crt',
      'ca.key',
      'db1.crt',
      'db1.key',
      'db2.crt',
      'db2.key',
    ]);
  });
});
