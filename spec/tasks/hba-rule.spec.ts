import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import type { Host } from '../../lib/engine/connect.js';
import { ApplyError, InputError } from '../../lib/errors.js';
import { formatHbaErrors, hbaErrorsSql, parseHbaErrors } from '../../lib/pg/hba-check.js';
import { type Cluster, createCluster } from '../../lib/sandbox/pg-cluster.js';
import { ensureLine } from '../../lib/tasks/ensure-line.js';
import { ensureUser } from '../../lib/tasks/ensure-user.js';
import { hbaRule } from '../../lib/tasks/hba-rule.js';
import { converge, filesSnapshot } from '../helpers/contract.js';
import { pgHost } from '../helpers/pg-host.js';

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

/** pg_reload_conf() only signals the postmaster: retry a login for a moment. */
async function eventually(fn: () => Promise<string>): Promise<string> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i >= 20) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('hbaRule: pure parts', () => {
  it('asks for file_name only from 16, and formats PostgreSQL’s errors with file and line', () => {
    expect(hbaErrorsSql(15)).to.contain("select line_number, '', error");
    expect(hbaErrorsSql(16)).to.contain('select line_number, file_name, error');
    const errs = parseHbaErrors('7\x1f\x1finvalid authentication method "bogus"\n');
    expect(formatHbaErrors(errs, '/d/pg_hba.conf')).to.equal(
      '/d/pg_hba.conf:7: invalid authentication method "bogus"',
    );
  });
});

describe('hbaRule on a real PostgreSQL 15', () => {
  let c: Cluster;
  let host: Host;
  let hbaPath: string;
  before(async () => {
    c = await createCluster();
    host = await pgHost(c);
    hbaPath = `${c.dataDir}/pg_hba.conf`;
  });
  after(async () => {
    await host?.close();
    await c?.destroy();
  });

  it('converges; the rule lands before initdb’s trust rule and a real login goes through it', async () => {
    const args = {
      type: 'host' as const,
      database: 'replication',
      user: 'rep',
      address: '127.0.0.1/32',
      method: 'md5',
    };
    const r = await converge(host, hbaRule, args, filesSnapshot([hbaPath]));
    const line = r.real.data?.line as number;
    const rows = await c.psql(
      "select line_number, auth_method, error from pg_hba_file_rules where 'rep' = any(user_name) or (auth_method = 'trust' and 'replication' = any(database) and address = '127.0.0.1');",
    );
    const [mine, trust] = rows.trim().split('\n');
    expect(mine).to.equal(`${line}|md5|`);
    expect(Number(trust?.split('|')[0])).to.be.greaterThan(line);
    await ensureUser(host, { name: 'rep', replication: true, password: 'rep-secret' });
    const conn = { host: '127.0.0.1', user: 'rep', db: 'dbname=postgres replication=true' };
    const ok = await eventually(() => c.psql('IDENTIFY_SYSTEM;', { ...conn, password: 'rep-secret' }));
    expect(ok).to.match(/^\d+\|1\|/);
    const wrong = await rejection(c.psql('IDENTIFY_SYSTEM;', { ...conn, password: 'wrong' }));
    expect(String(wrong)).to.match(/password authentication failed for user "rep"/);
  });

  it('changes the method in place, then removes the rule', async () => {
    const base = { type: 'host' as const, database: 'replication', user: 'rep', address: '127.0.0.1/32' };
    const changed = await hbaRule(host, { ...base, method: 'scram-sha-256' });
    expect(changed.status).to.equal('changed');
    expect(
      (await c.psql("select auth_method from pg_hba_file_rules where 'rep' = any(user_name);")).trim(),
    ).to.equal('scram-sha-256');
    await converge(
      host,
      hbaRule,
      { ...base, method: 'md5', state: 'absent' as const },
      filesSnapshot([hbaPath]),
    );
    expect(
      (await c.psql("select count(*) from pg_hba_file_rules where 'rep' = any(user_name);")).trim(),
    ).to.equal('0');
  });

  it('rejects invalid input before writing anything', async () => {
    const before = await readFile(hbaPath, 'utf8');
    const base = { type: 'host' as const, database: 'all', user: 'x', method: 'md5' };
    const cidr = await rejection(hbaRule(host, { ...base, address: '10.0.0.1/33' }));
    expect(cidr).to.be.instanceOf(InputError);
    expect(cidr.message).to.contain('10.0.0.1/33');
    const oauth = await rejection(hbaRule(host, { ...base, address: '10.0.0.0/8', method: 'oauth' }));
    expect(oauth.message).to.match(/oauth.*needs PostgreSQL 18.*\(PostgreSQL 15\)/);
    expect(await readFile(hbaPath, 'utf8')).to.equal(before);
  });

  it('refuses a quote or a line break in any field (an option value once wrote a trust line), file untouched', async () => {
    const before = await readFile(hbaPath, 'utf8');
    const base = { type: 'host' as const, database: 'all', user: 'x', address: '10.9.0.0/16', method: 'md5' };
    const injected = 'x"\nhost all all 0.0.0.0/0 trust\n#';
    const bad: Partial<typeof base & { options: Record<string, string> }>[] = [
      { options: { map: injected } },
      { options: { 'map=x trust': 'y' } },
      { database: 'all\nhost all all 0.0.0.0/0 trust' },
      { user: 'x host all' },
      { method: 'md5\nhost all all 0.0.0.0/0 trust' },
    ];
    for (const b of bad) {
      const e = await rejection(hbaRule(host, { ...base, ...b }));
      expect(e, JSON.stringify(b)).to.be.instanceOf(InputError);
    }
    expect(await readFile(hbaPath, 'utf8')).to.equal(before);
    expect(
      (
        await c.psql(
          "select count(*) from pg_hba_file_rules where auth_method = 'trust' and address = '0.0.0.0';",
        )
      ).trim(),
    ).to.equal('0');
  });

  it('puts the previous file back when PostgreSQL rejects the written one, and fails naming its error', async () => {
    const before = await readFile(hbaPath, 'utf8');
    const e = await rejection(
      hbaRule(host, {
        type: 'host',
        database: 'all',
        user: 'dave',
        address: '10.3.0.0/16',
        method: 'md5',
        options: { no_such_option: '1' },
      }),
    );
    expect(e).to.be.instanceOf(ApplyError);
    expect(e.message).to.match(/unrecognized authentication option name: "no_such_option"/);
    expect(e.message).to.match(/put back/);
    expect(await readFile(hbaPath, 'utf8')).to.equal(before);
    expect((await c.psql('select count(*) from pg_hba_file_rules where error is not null;')).trim()).to.equal(
      '0',
    );
  });

  it('fails clearly when an existing rule is shadowed by an earlier one', async () => {
    // appended after initdb's `host all all 127.0.0.1/32 trust`: never reached
    await ensureLine(host, { path: hbaPath, line: 'host all late 127.0.0.1/32 md5' });
    const e = await rejection(
      hbaRule(host, { type: 'host', database: 'all', user: 'late', address: '127.0.0.1/32', method: 'md5' }),
    );
    expect(e).to.be.instanceOf(ApplyError);
    expect(e.message).to.match(/shadowed by the earlier rule at line \d+/);
    await ensureLine(host, { path: hbaPath, line: 'host all late 127.0.0.1/32 md5', state: 'absent' });
  });

  it('reports PostgreSQL’s own error text for a broken file (a line ensureLine wrote)', async () => {
    await ensureLine(host, { path: hbaPath, line: 'host all bob 10.1.0.0/16 bogus' });
    const e = await rejection(
      hbaRule(host, { type: 'host', database: 'all', user: 'carol', address: '10.2.0.0/16', method: 'md5' }),
    );
    expect(e).to.be.instanceOf(ApplyError);
    expect(e.message).to.match(/pg_hba\.conf:\d+: invalid authentication method "bogus"/);
  });
});
