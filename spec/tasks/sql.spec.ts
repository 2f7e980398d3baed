import { expect } from 'chai';
import type { Host } from '../../lib/engine/connect.js';
import { ApplyError } from '../../lib/errors.js';
import { type Cluster, createCluster } from '../../lib/sandbox/pg-cluster.js';
import { sql, sqlData } from '../../lib/tasks/sql.js';
import { pgHost } from '../helpers/pg-host.js';

describe('sql', () => {
  it('parses psql’s unaligned rows (fields may hold spaces and tabs)', () => {
    expect(sqlData('a b\x1f1\nc\td\x1f2\n')).to.deep.equal({
      rows: [
        ['a b', '1'],
        ['c\td', '2'],
      ],
      rowCount: 2,
    });
    expect(sqlData('')).to.deep.equal({ rows: [], rowCount: 0 });
  });

  describe('on a real PostgreSQL 15', () => {
    let c: Cluster;
    let host: Host;
    before(async () => {
      c = await createCluster();
      await c.psql('create database app; ');
      await c.psql('create table t (id int, name text); insert into t values (1, $$a b$$), (2, $$c$$);', {
        db: 'app',
      });
      host = await pgHost(c);
    });
    after(async () => {
      await host?.close();
      await c?.destroy();
    });

    it('a read-only query is ok and returns its rows, in check mode too', async () => {
      const args = { query: 'select id, name from t order by id', database: 'app' };
      for (const check of [true, false]) {
        const r = await sql(host, args, { check });
        expect(r.status).to.equal('ok');
        expect(r.actions).to.deep.equal([]);
        expect(r.data?.rows).to.deep.equal([
          ['1', 'a b'],
          ['2', 'c'],
        ]);
        expect(r.data?.rowCount).to.equal(2);
      }
    });

    it('without changed: true a query runs read-only: DELETE under --check fails clearly, rows intact', async () => {
      const count = async () => (await c.psql('select count(*) from t', { db: 'app' })).trim();
      const before = await count();
      for (const check of [true, false]) {
        const e = await sql(host, { query: 'DELETE FROM t', database: 'app' }, { check }).catch(
          (x: unknown) => x,
        );
        expect(e).to.be.instanceOf(ApplyError);
        expect(String(e)).to.contain('cannot execute DELETE in a read-only transaction');
        expect(String(e)).to.contain('changed: true');
        expect(await count()).to.equal(before);
      }
    });

    it('changed: true is an action: predicted in check mode (nothing runs), changed in a real run', async () => {
      const args = { query: "insert into t values (3, 'x') returning id", database: 'app', changed: true };
      const dry = await sql(host, args, { check: true });
      expect(dry.status).to.equal('changed');
      expect(dry.actions[0]).to.include({ kind: 'exec', prediction: 'would run the SQL' });
      expect((await c.psql('select count(*) from t', { db: 'app' })).trim()).to.equal('2');
      const real = await sql(host, args);
      expect(real.status).to.equal('changed');
      expect(real.data).to.deep.include({ rows: [['3']], rowCount: 1 });
      expect((await c.psql('select count(*) from t', { db: 'app' })).trim()).to.equal('3');
    });

    it('a failing query fails with PostgreSQL’s error, and connects as the given role', async () => {
      const e = await sql(host, { query: 'select * from nope' }).catch((x: unknown) => x);
      expect(e).to.be.instanceOf(ApplyError);
      expect(String(e)).to.contain('relation "nope" does not exist');
      await c.psql('create role reader login;');
      const who = await sql(host, { query: 'select current_user', user: 'reader' });
      expect(who.data?.rows).to.deep.equal([['reader']]);
    });
  });
});
