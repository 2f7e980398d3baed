import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import { ensureRule } from '../../lib/pg/hba-edit.js';
import { type Cluster, createCluster } from '../../lib/sandbox/pg-cluster.js';

describe('ensureRule against a real PostgreSQL 15 (pg_hba_file_rules)', () => {
  let c: Cluster;
  before(async () => {
    c = await createCluster();
  });
  after(async () => {
    await c?.destroy();
  });

  it('the edited file loads without errors, the rule sits where we put it and is the one that matches', async () => {
    const hbaPath = `${c.dataDir}/pg_hba.conf`;
    let text = await readFile(hbaPath, 'utf8');
    const rep = ensureRule(
      text,
      { type: 'host', database: 'replication', user: 'rep', address: '127.0.0.1/32', method: 'md5' },
      'present',
    );
    // non-canonical host bits: PostgreSQL accepts them, so must we
    const odd = ensureRule(
      rep.text,
      { type: 'host', database: 'all', user: 'all', address: '10.0.0.1/24', method: 'md5' },
      'present',
    );
    text = odd.text;
    await c.writeFile(hbaPath, text);
    await c.reload();
    expect((await c.psql('SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL;')).trim()).to.equal(
      '0',
    );
    const row = await c.psql(
      "SELECT line_number, auth_method FROM pg_hba_file_rules WHERE 'rep' = ANY(user_name);",
    );
    expect(row.trim()).to.equal(`${rep.change.line}|md5`);
    const ten = await c.psql(
      "SELECT line_number, address, netmask FROM pg_hba_file_rules WHERE address = '10.0.0.1';",
    );
    expect(ten.trim()).to.equal(`${odd.change.line}|10.0.0.1|255.255.255.0`);

    await c.psql("CREATE ROLE rep REPLICATION LOGIN PASSWORD 'secret';");
    const conn = { host: '127.0.0.1', user: 'rep', db: 'dbname=postgres replication=true' };
    expect(await c.psql('IDENTIFY_SYSTEM;', { ...conn, password: 'secret' })).to.match(/^\d+\|1\|/);
    let err: unknown;
    try {
      await c.psql('IDENTIFY_SYSTEM;', { ...conn, password: 'wrong' });
    } catch (e) {
      err = e;
    }
    // had the rule landed after initdb's trust line, any password would pass
    expect(String(err)).to.match(/password authentication failed for user "rep"/);
  });
});
