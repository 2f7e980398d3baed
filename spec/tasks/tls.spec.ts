import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ApplyError } from '../../lib/errors.js';
import type { WriteFile } from '../../lib/model/actions.js';
import { nodeTls } from '../../lib/pg/tls.js';
import { Payload } from '../../lib/secret.js';
import { tlsCertificates } from '../../lib/tasks/tls-certificates.js';
import { tlsFiles } from '../../lib/tasks/tls-files.js';
import { tlsPreflight } from '../../lib/tasks/tls-preflight.js';
import { converge, localContext } from '../helpers/local-facts.js';

/** The three TLS tasks on this machine: the controller's CA, a node's files, the preflight checks. */
describe('TLS tasks (local): converge, check mode, preflight', function () {
  this.timeout(30_000);
  let dir: string;
  let tls: string;
  const vars = () => ({
    groups: { primary: ['db1'], standby: ['db2'] },
    hostvars: { db1: { pg_address: '127.0.0.1' }, db2: { pg_address: 'db2.example' } },
  });
  const nodeVars = () => ({ ...vars(), pg_data_dir: join(dir, 'data'), pg_os_user: 'root' });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rp-tls-tasks-'));
    tls = join(dir, 'tls');
    mkdirSync(join(dir, 'data'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('tlsPreflight before anything exists: passes (the CA and certificates will be made)', async () => {
    const plan = await tlsPreflight.plan(localContext({ host: 'db1', vars: nodeVars() }), {
      mode: 'verify-full',
      dir: tls,
    });
    expect(plan.actions).to.deep.equal([]);
  });

  it('tlsFiles in check mode before the CA exists: the writes are shown, their content is not invented', async () => {
    const plan = await tlsFiles.plan(localContext({ host: 'db1', vars: nodeVars(), check: true }), {
      dir: tls,
    });
    const writes = plan.actions as WriteFile[];
    expect(writes.map((w) => [w.path, w.mode, w.sensitive])).to.deep.equal([
      [nodeTls(join(dir, 'data')).caFile, '0644', true],
      [nodeTls(join(dir, 'data')).certFile, '0644', true],
      [nodeTls(join(dir, 'data')).keyFile, '0600', true],
    ]);
  });

  it('tlsCertificates makes the CA and one certificate per host of the groups, then nothing', async () => {
    const ctx = localContext({ host: 'localhost', vars: vars() });
    const { first, second } = await converge(
      tlsCertificates,
      { dir: tls, hosts: ['primary', 'standby'] },
      ctx,
    );
    expect(first.actions.map((a) => (a.kind === 'exec' ? a.summary : a.kind))).to.deep.equal([
      `make the cluster's CA in ${tls} (ca.key 0600, ca.crt)`,
      `make db1's key and certificate for 127.0.0.1, signed by the CA (${tls}/db1.crt)`,
      `make db2's key and certificate for db2.example, signed by the CA (${tls}/db2.crt)`,
    ]);
    expect(second.actions).to.deep.equal([]);
    expect(statSync(join(tls, 'ca.key')).mode & 0o777).to.equal(0o600);
  });

  it('tlsFiles puts the files on the node (the key as a secret payload, 0600), then nothing', async () => {
    const ctx = localContext({ host: 'db1', vars: nodeVars() });
    const { first, second } = await converge(tlsFiles, { dir: tls }, ctx);
    const key = (first.actions as WriteFile[]).find((w) => w.path.endsWith('.server.key'));
    expect(key?.after).to.be.instanceOf(Payload);
    expect(String(key?.after)).to.equal('***');
    expect(second.actions).to.deep.equal([]);
    expect(second.data).to.deep.equal(nodeTls(join(dir, 'data')));
    const t = nodeTls(join(dir, 'data'));
    expect(readFileSync(t.keyFile, 'utf8')).to.equal(readFileSync(join(tls, 'db1.key'), 'utf8'));
    expect(statSync(t.keyFile).mode & 0o777).to.equal(0o600);
  });

  it('tlsPreflight: a made certificate that does not name the address fails, naming file, names and fix', async () => {
    const ctx = localContext({ host: 'db1', vars: nodeVars() });
    const ok = await tlsPreflight.plan(ctx, { mode: 'verify-full', dir: tls });
    expect(ok.reason).to.equal('2 TLS preflight check(s) passed');
    let err: unknown;
    await tlsPreflight.plan(ctx, { mode: 'verify-full', dir: tls, address: '127.0.0.2' }).catch((e) => {
      err = e;
    });
    expect(err).to.be.instanceOf(ApplyError);
    expect((err as Error).message).to.include(
      `db1: preflight FAILED: TLS certificate: ${tls}/db1.crt names DNS:127.0.0.1, IP:127.0.0.1, not 127.0.0.2 (pg_address): sslmode=verify-full refuses it; fix pg_address`,
    );
    // require does not check the name: a warning, the run goes on
    const warned = await tlsPreflight.plan(ctx, { mode: 'require', dir: tls, address: '127.0.0.2' });
    expect(warned.actions).to.deep.equal([]);
  });

  it("tlsPreflight: another node's key, a missing given file: failures before any change", async () => {
    const ctx = localContext({ host: 'db1', vars: nodeVars() });
    const fails = async (args: Parameters<typeof tlsPreflight.plan>[1]) => {
      try {
        await tlsPreflight.plan(ctx, args);
      } catch (e) {
        return (e as Error).message;
      }
      return 'passed';
    };
    expect(await fails({ mode: 'verify-full', dir: tls, keyFile: join(tls, 'db2.key') })).to.include(
      `${tls}/db2.key is not the key of ${tls}/db1.crt`,
    );
    expect(await fails({ mode: 'verify-full', dir: tls, caFile: join(dir, 'nope.crt') })).to.include(
      `pg_tls_ca_file ${join(dir, 'nope.crt')}: no such file on the controller`,
    );
    expect(
      await fails({ mode: 'verify-full', dir: join(dir, 'empty'), caFile: join(tls, 'ca.crt') }),
    ).to.include('no pg_tls_cert_file, and the CA is your own (pg_tls_ca_file)');
    expect(await fails({ mode: 'verify-full', dir: tls, caFile: join(tls, 'db2.crt') })).to.include(
      `${tls}/db2.crt is not a CA certificate`,
    );
  });
});
