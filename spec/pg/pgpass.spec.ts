import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { writeFileCmd, writeFileStdin } from '../../lib/engine/apply.js';
import { writeFile } from '../../lib/model/actions.js';
import { pgpassFields, pgpassUpToDate, pgpassWith } from '../../lib/pg/pgpass.js';
import { renderDiff } from '../../lib/report/diff.js';
import { reveal, Secret } from '../../lib/secret.js';

const key = { host: 'db1', port: 5432, user: 'rep' };

describe('pgpass (pure)', () => {
  it('reads fields with \\: and \\\\ escapes; comments and short lines are not entries', () => {
    expect(pgpassFields('h\\:1:5432:*:u\\\\x:p:w\\:z')).to.deep.equal(['h:1', '5432', '*', 'u\\x', 'p:w:z']);
    expect(pgpassFields('# db1:5432:*:rep:pw')).to.equal(undefined);
    expect(pgpassFields('db1:5432:rep')).to.equal(undefined);
  });

  it('replaces only the line of host:port:user, keeps the others and a missing final newline', () => {
    const text = '# mine\nother:5432:*:rep:x\ndb1:5432:*:rep:old\nlast:1:*:u:p';
    const out = reveal(pgpassWith(text, key, new Secret('n3w:p4ss')));
    expect(out).to.equal('# mine\nother:5432:*:rep:x\ndb1:5432:*:rep:n3w\\:p4ss\nlast:1:*:u:p');
    expect(reveal(pgpassWith('a:1:*:u:p', key, new Secret('s3cr-pw9')))).to.equal(
      'a:1:*:u:p\ndb1:5432:*:rep:s3cr-pw9\n',
    );
  });

  it('puts the line before an earlier wildcard line libpq would use first', () => {
    const text = 'x:1:*:u:p\n*:*:replication:rep:wild\ndb1:5432:*:rep:old\n';
    expect(reveal(pgpassWith(text, key, new Secret('s3cr-pw9')))).to.equal(
      'x:1:*:u:p\ndb1:5432:*:rep:s3cr-pw9\n*:*:replication:rep:wild\n',
    );
  });

  it('compares the real password: a rotation is seen, the same password is up to date', () => {
    const text = 'db1:5432:*:rep:old\\\\pw\n';
    expect(pgpassUpToDate(text, key, new Secret('old\\pw'))).to.equal(true);
    expect(pgpassUpToDate(text, key, new Secret('new-pw'))).to.equal(false);
  });

  it('a secret write carries its content, the old file’s hash and its length on stdin, never in argv or the diff', () => {
    const before = 'db1:5432:*:rep:old-secret\n';
    const a = writeFile({
      path: '/x/.pgpass',
      before,
      after: pgpassWith(before, key, new Secret('new-secret')),
    });
    const hash = createHash('sha256').update(before).digest('hex');
    const cmd = writeFileCmd(a, 'stamp').sh;
    for (const s of ['old-secret', 'new-secret', hash]) expect(cmd).to.not.include(s);
    // the first line: the old file's hash and the new content's byte count, which the writer checks arrived whole
    const content = 'db1:5432:*:rep:new-secret\n';
    expect(reveal(writeFileStdin(a))).to.equal(`${hash} ${Buffer.byteLength(content)}\n${content}`);
    expect(String(writeFileStdin(a))).to.not.include('new-secret');
    expect(renderDiff([a])).to.equal('/x/.pgpass: content changes (hidden: sensitive)');
  });
});
