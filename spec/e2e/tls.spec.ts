import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { nodeTls } from '../../lib/pg/tls.js';
import { type SandboxNode, type SandboxState, sandboxDown, sandboxUp } from '../../lib/sandbox/sandbox.js';
import { hostsChanged, root as projectRoot, runCli } from '../helpers/cli.js';
import { binDirFor } from '../helpers/pg-bins.js';
import { eventually, nodeSql } from '../helpers/sandbox.js';

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Every file of a directory with its content hash and mode. */
const dirPrint = (dir: string): string =>
  readdirSync(dir)
    .sort()
    .map((f) => `${f}:${(statSync(join(dir, f)).mode & 0o777).toString(8)}:${sha(join(dir, f))}`)
    .join('\n');

/** The walsender's TLS for a standby, once it streams: 't', 'f', or '' while it does not stream. */
const walsenderSsl = (s: SandboxState, n: SandboxNode, app: string) =>
  nodeSql(
    s,
    n,
    `select s.ssl from pg_stat_replication r join pg_stat_ssl s using (pid) where r.application_name = '${app}' and r.state = 'streaming'`,
  );

/**
 * Replication over verified TLS (replication_sslmode=verify-full) on a fresh pair over the test sshd: the project
 * makes the cluster's CA and each node's certificate on the controller (beside the inventory), streams with
 * pg_stat_ssl.ssl = t for the walsender, reruns with no change (same bytes), and refuses a node whose
 * certificate does not name its pg_address in preflight, before any change.
 */
function describeMajor(major: number): void {
  describe(`e2e: replication over TLS (verify-full), PostgreSQL ${major} over ssh`, function () {
    this.timeout(300_000);
    let s: SandboxState;
    let dir: string;
    let inventory: string;
    const tlsDir = () => join(s.root, 'tls');
    const primary = () => s.nodes[0] as SandboxNode;
    const standby = () => s.nodes[1] as SandboxNode;
    const play = (...extra: string[]) =>
      runCli([
        join(projectRoot, 'playbooks', 'replication.yml'),
        '-i',
        s.inventory,
        '-e',
        `@${s.secrets}`,
        '-e',
        'replication_sslmode=verify-full',
        ...extra,
      ]);

    /** What any write would change: both nodes' config and TLS files, server start time, the controller's CA dir. */
    async function fingerprint(): Promise<string> {
      const out: string[] = [dirPrint(tlsDir())];
      for (const n of s.nodes) {
        const data = n.vars.pg_data_dir as string;
        const files = ['postgresql.conf', 'postgresql.auto.conf', 'pg_hba.conf'].map((f) => join(data, f));
        const t = nodeTls(data);
        for (const f of [...files, t.certFile, t.keyFile, t.caFile]) out.push(`${f}:${sha(f)}`);
        out.push(await nodeSql(s, n, 'select pg_postmaster_start_time()'));
      }
      return out.join('\n');
    }

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'rp-tls-'));
      chmodSync(dir, 0o755);
      s = await sandboxUp({ root: join(dir, 'sandbox'), ssh: true, bin: binDirFor(major) });
      inventory = readFileSync(s.inventory, 'utf8');
    });
    after(async () => {
      if (s) await sandboxDown(s.root);
      rmSync(dir, { recursive: true, force: true });
    });

    it('--check on the fresh pair makes nothing: no CA on the controller, no file on a node', async () => {
      const p = primary();
      const data = p.vars.pg_data_dir as string;
      const before = ['postgresql.conf', 'pg_hba.conf'].map((f) => sha(join(data, f)));
      const r = await play('--check', '--diff');
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(r.stdout).to.match(/run: make the cluster's CA in \S+\/tls/);
      expect(r.stdout).to.match(/\(prediction\) a new certificate for pg2 \(127\.0\.0\.1\)/);
      expect(existsSync(tlsDir())).to.equal(false);
      expect(existsSync(nodeTls(data).keyFile)).to.equal(false);
      expect(['postgresql.conf', 'pg_hba.conf'].map((f) => sha(join(data, f)))).to.deep.equal(before);
      expect(await nodeSql(s, p, 'show ssl')).to.equal('off');
    });

    it('streams over TLS verified by the CA the project made: pg_stat_ssl.ssl = t for the walsender', async () => {
      // --diff -v: even the diff and the verbose output never hold a key's bytes
      const r = await play('--diff', '-v');
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      // up to 11 the standby's connection is in recovery.conf, not a setting
      const conninfo =
        major < 12
          ? readFileSync(join(standby().vars.pg_data_dir as string, 'recovery.conf'), 'utf8')
          : await nodeSql(s, standby(), 'select current_setting($$primary_conninfo$$)');
      const sb = nodeTls(standby().vars.pg_data_dir as string);
      expect(conninfo).to.include(`sslmode=verify-full sslrootcert=${sb.caFile}`);
      const ssl = await eventually(async () =>
        nodeSql(
          s,
          primary(),
          `select s.ssl from pg_stat_replication r join pg_stat_ssl s using (pid) where r.application_name = 'pg2' and r.state = 'streaming'`,
        ),
      );
      expect(ssl).to.equal('t');
      expect(await nodeSql(s, primary(), 'show ssl')).to.equal('on');
      expect(
        await nodeSql(
          s,
          primary(),
          `select type from pg_hba_file_rules where 'replication' = any(database) and 'replicator' = any(user_name)`,
        ),
      ).to.equal('hostssl');
      // the controller's CA: a private dir, the keys 0600; each node's key 0600 owned by the server user
      expect(statSync(tlsDir()).mode & 0o777).to.equal(0o700);
      // .gitignore (*.key): the dir sits beside the inventory, often a git checkout
      expect(readdirSync(tlsDir()).sort()).to.deep.equal([
        '.gitignore',
        'ca.crt',
        'ca.key',
        'pg1.crt',
        'pg1.key',
        'pg2.crt',
        'pg2.key',
      ]);
      for (const f of ['ca.key', 'pg1.key', 'pg2.key'])
        expect(statSync(join(tlsDir(), f)).mode & 0o777, f).to.equal(0o600);
      for (const n of s.nodes) {
        const key = statSync(nodeTls(n.vars.pg_data_dir as string).keyFile);
        expect(key.mode & 0o777).to.equal(0o600);
        expect(
          execFileSync('stat', ['-c', '%U', nodeTls(n.vars.pg_data_dir as string).keyFile])
            .toString()
            .trim(),
        ).to.equal(s.osUser);
      }
      for (const f of ['ca.key', 'pg1.key', 'pg2.key']) {
        const body = readFileSync(join(tlsDir(), f), 'utf8').split('\n')[1] as string;
        expect(r.stdout + r.stderr).not.to.include(body);
      }
    });

    it('reruns with no change: the CA and certificates are reused byte for byte', async () => {
      const before = await fingerprint();
      const r = await play();
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(
        hostsChanged(r.stdout).every((n) => n === 0),
        r.stdout,
      ).to.equal(true);
      const check = await play('--check');
      expect(check.code, check.stdout + check.stderr).to.equal(0);
      expect(
        hostsChanged(check.stdout).every((n) => n === 0),
        check.stdout,
      ).to.equal(true);
      expect(await fingerprint()).to.equal(before);
    });

    it("a node's certificate removed on the controller is made again, put on the node and served after a reload", async () => {
      const p = primary();
      const served = () =>
        execFileSync('sh', [
          '-c',
          `openssl s_client -starttls postgres -connect 127.0.0.1:${p.port} </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256`,
        ]).toString();
      const old = served();
      rmSync(join(tlsDir(), 'pg1.crt'));
      rmSync(join(tlsDir(), 'pg1.key'));
      const r = await play();
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      const made = execFileSync('openssl', [
        'x509',
        '-noout',
        '-fingerprint',
        '-sha256',
        '-in',
        join(tlsDir(), 'pg1.crt'),
      ]).toString();
      expect(made).not.to.equal(old);
      expect(served()).to.equal(made);
      expect(await eventually(async () => (await walsenderSsl(s, p, 'pg2')) === 't')).to.equal(true);
      const again = await play();
      expect(
        hostsChanged(again.stdout).every((n) => n === 0),
        again.stdout,
      ).to.equal(true);
    });

    it('a primary whose certificate does not name its new pg_address fails in preflight, nothing changed', async () => {
      const before = await fingerprint();
      writeFileSync(s.inventory, inventory.replace(/^pg1 /m, 'pg1 pg_address="127.0.0.2" '));
      try {
        for (const mode of [['--check'], []]) {
          const r = await play(...mode);
          expect(r.code, r.stdout + r.stderr).to.equal(2);
          expect(r.stdout).to.match(
            /pg1: preflight FAILED: TLS certificate: \S+\/tls\/pg1\.crt names DNS:127\.0\.0\.1, IP:127\.0\.0\.1, not 127\.0\.0\.2 \(pg_address\): sslmode=verify-full refuses it; fix pg_address/,
          );
          expect(r.stdout).to.match(/preflight failed, nothing was changed/);
          expect(r.stdout).not.to.match(/TASK \[postgres_primary/);
          expect(await fingerprint()).to.equal(before);
        }
      } finally {
        writeFileSync(s.inventory, inventory);
      }
    });

    it('certificates of your own (pg_tls_ca_file, per host pg_tls_cert_file/pg_tls_key_file) are used as given: nothing made', async () => {
      const own = join(dir, 'given');
      execFileSync('sh', ['-c', `umask 077; mkdir -p ${own} && cp ${tlsDir()}/* ${own}/`]);
      const perHost = (n: string) =>
        `${n} pg_tls_cert_file="${own}/${n}.crt" pg_tls_key_file="${own}/${n}.key" `;
      writeFileSync(
        s.inventory,
        `${inventory.replace(/^pg1 /m, perHost('pg1')).replace(/^pg2 /m, perHost('pg2'))}pg_tls_ca_file="${own}/ca.crt"\n`,
      );
      try {
        const before = await fingerprint();
        const r = await play('-e', `pg_tls_dir=${join(dir, 'unused')}`);
        expect(r.code, r.stdout + r.stderr).to.equal(0);
        expect(
          hostsChanged(r.stdout).every((n) => n === 0),
          r.stdout,
        ).to.equal(true);
        expect(existsSync(join(dir, 'unused'))).to.equal(false);
        expect(await fingerprint()).to.equal(before);
      } finally {
        writeFileSync(s.inventory, inventory);
      }
    });

    it('a pg_tls_dir the controller cannot write fails in preflight, nothing changed', async () => {
      const before = await fingerprint();
      const file = join(dir, 'a-file');
      writeFileSync(file, '');
      const r = await play('-e', `pg_tls_dir=${file}/tls`);
      expect(r.code, r.stdout + r.stderr).to.equal(2);
      expect(r.stdout).to.include(
        `preflight FAILED: TLS CA: ${file}/tls/ca.crt cannot be made: ${file} is not a directory`,
      );
      expect(r.stdout).not.to.match(/TASK \[postgres_primary/);
      expect(await fingerprint()).to.equal(before);
    });

    it('a certificate of your own for another name fails in preflight, nothing changed', async () => {
      const before = await fingerprint();
      const own = join(dir, 'own');
      execFileSync('sh', ['-c', `umask 077; mkdir -p ${own}`]);
      const cnf = `[req]\ndistinguished_name = dn\nprompt = no\nx509_extensions = ext\n[dn]\nCN = other\n[ext]\nsubjectAltName = DNS:other.example\n`;
      execFileSync('openssl', [
        'genpkey',
        '-algorithm',
        'EC',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-out',
        join(own, 'k.pem'),
      ]);
      writeFileSync(join(own, 'req.cnf'), cnf);
      execFileSync('openssl', [
        'req',
        '-new',
        '-x509',
        '-config',
        join(own, 'req.cnf'),
        '-key',
        join(own, 'k.pem'),
        '-CA',
        join(tlsDir(), 'ca.crt'),
        '-CAkey',
        join(tlsDir(), 'ca.key'),
        '-days',
        '30',
        '-out',
        join(own, 'c.pem'),
      ]);
      const r = await play(
        '-e',
        `pg_tls_cert_file=${join(own, 'c.pem')}`,
        '-e',
        `pg_tls_key_file=${join(own, 'k.pem')}`,
      );
      expect(r.code, r.stdout + r.stderr).to.equal(2);
      expect(r.stdout).to.match(
        /pg1: preflight FAILED: TLS certificate: \S+c\.pem names DNS:other\.example, not 127\.0\.0\.1 \(pg_address\)/,
      );
      expect(r.stdout).not.to.match(/TASK \[postgres_primary/);
      expect(await fingerprint()).to.equal(before);
    });
  });
}

describeMajor(15);
describeMajor(16);
// libpq before 14 reads no IP SAN: a PostgreSQL 10 standby checks the DNS SAN made beside it
describeMajor(10);

describe('e2e: an existing cluster without TLS switched to verify-full (PostgreSQL 15 over ssh)', function () {
  this.timeout(300_000);
  let s: SandboxState;
  let dir: string;
  const play = (...extra: string[]) =>
    runCli([
      join(projectRoot, 'playbooks', 'replication.yml'),
      '-i',
      s.inventory,
      '-e',
      `@${s.secrets}`,
      ...extra,
    ]);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rp-tls-switch-'));
    chmodSync(dir, 0o755);
    s = await sandboxUp({ root: join(dir, 'sandbox'), ssh: true });
  });
  after(async () => {
    if (s) await sandboxDown(s.root);
    rmSync(dir, { recursive: true, force: true });
  });

  it('streams without TLS by default (replication_sslmode disable), then over TLS after a rerun with verify-full; no clear-text rule left; a rerun changes nothing', async () => {
    const [p, sb] = s.nodes as [SandboxNode, SandboxNode];
    const first = await play();
    expect(first.code, first.stdout + first.stderr).to.equal(0);
    expect(await eventually(() => walsenderSsl(s, p, 'pg2'))).to.equal('f');
    // disable makes nothing on the controller and leaves ssl as it was
    expect(existsSync(join(s.root, 'tls'))).to.equal(false);
    expect(await nodeSql(s, p, 'show ssl')).to.equal('off');
    const r = await play('-e', 'replication_sslmode=verify-full');
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(await eventually(async () => (await walsenderSsl(s, p, 'pg2')) === 't')).to.equal(true);
    for (const n of [p, sb])
      expect(
        await nodeSql(
          s,
          n,
          `select string_agg(type, ',') from pg_hba_file_rules where 'replication' = any(database) and 'replicator' = any(user_name)`,
        ),
        n.name,
      ).to.equal('hostssl');
    const again = await play('-e', 'replication_sslmode=verify-full');
    expect(again.code, again.stdout + again.stderr).to.equal(0);
    expect(
      hostsChanged(again.stdout).every((n) => n === 0),
      again.stdout,
    ).to.equal(true);
  });
});

describe('e2e: TLS on the Debian layout (pg_createcluster, PostgreSQL 15 over ssh): verify-full, then require', function () {
  this.timeout(300_000);
  let s: SandboxState;
  let dir: string;
  const play = (...extra: string[]) =>
    runCli([
      join(projectRoot, 'playbooks', 'replication.yml'),
      '-i',
      s.inventory,
      '-e',
      `@${s.secrets}`,
      ...extra,
    ]);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rp-tls-debian-'));
    chmodSync(dir, 0o755);
    s = await sandboxUp({ root: join(dir, 'sandbox'), ssh: true, layout: 'debian' });
  });
  after(async () => {
    if (s) await sandboxDown(s.root);
    rmSync(dir, { recursive: true, force: true });
  });

  it("the node's own files replace Debian's snakeoil certificate; require then keeps TLS without checking the name", async () => {
    const [p, sb] = s.nodes as [SandboxNode, SandboxNode];
    const data = (n: SandboxNode) => `/var/lib/postgresql/15/${n.cluster}`;
    const r = await play('-e', 'replication_sslmode=verify-full');
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(await eventually(async () => (await walsenderSsl(s, p, 'pg2')) === 't')).to.equal(true);
    for (const n of [p, sb])
      expect(await nodeSql(s, n, 'show ssl_cert_file'), n.name).to.equal(nodeTls(data(n)).certFile);
    expect(await nodeSql(s, sb, 'select current_setting($$primary_conninfo$$)')).to.include(
      `sslmode=verify-full sslrootcert=${nodeTls(data(sb)).caFile}`,
    );
    const req = await play('-e', 'replication_sslmode=require');
    expect(req.code, req.stdout + req.stderr).to.equal(0);
    expect(
      await eventually(async () =>
        /sslmode=require$/.test(await nodeSql(s, sb, 'select current_setting($$primary_conninfo$$)')),
      ),
    ).to.equal(true);
    expect(await eventually(async () => (await walsenderSsl(s, p, 'pg2')) === 't')).to.equal(true);
    const again = await play('-e', 'replication_sslmode=require');
    expect(again.code, again.stdout + again.stderr).to.equal(0);
    expect(
      hostsChanged(again.stdout).every((n) => n === 0),
      again.stdout,
    ).to.equal(true);
  });
});
