import { expect } from 'chai';
import { exec, makeDir, movePath, setAttrs, writeFile } from '../../lib/model/actions.js';
import { argv } from '../../lib/model/command.js';
import { renderAction, renderDiff } from '../../lib/report/diff.js';
import { payload, Secret } from '../../lib/secret.js';

describe('report/diff', () => {
  it('renders a changed line as a unified diff with Ansible headers', () => {
    const text = renderAction(writeFile({ path: '/etc/a.conf', before: 'a\nb\nc\n', after: 'a\nB\nc\n' }));
    expect(text).to.equal(
      ['--- before: /etc/a.conf', '+++ after: /etc/a.conf', '@@ -1,3 +1,3 @@', ' a', '-b', '+B', ' c'].join(
        '\n',
      ),
    );
  });

  it('names the absent side of a new file and notes the attributes it gets', () => {
    const text = renderAction(
      writeFile({ path: '/x/new', before: null, after: 'x\n', mode: '0600', owner: 'postgres' }),
    );
    expect(text).to.equal(
      [
        '--- before: /x/new (absent)',
        '+++ after: /x/new',
        '@@ -0,0 +1,1 @@',
        '+x',
        'attributes: mode 0600, owner postgres',
      ].join('\n'),
    );
  });

  it('names the absent side of a deletion', () => {
    const text = renderAction(writeFile({ path: '/x/old', before: 'gone\n', after: null }));
    expect(text).to.equal(
      ['--- before: /x/old', '+++ after: /x/old (absent)', '@@ -1,1 +0,0 @@', '-gone'].join('\n'),
    );
  });

  it('hides the content of a sensitive file', () => {
    const text = renderAction(
      writeFile({ path: '/x/.pgpass', before: 'old-pw\n', after: 'new-pw\n', sensitive: true }),
    );
    expect(text).to.equal('/x/.pgpass: content changes (hidden: sensitive)');
    expect(text).not.to.include('pw');
  });

  it('renders attribute changes, directories and moves', () => {
    expect(
      renderAction(setAttrs({ path: '/f', before: { mode: '0644' }, after: { mode: '0600' } })),
    ).to.equal('/f: mode 0644 → 0600');
    expect(renderAction(makeDir({ path: '/d', mode: '0700', owner: 'postgres' }))).to.equal(
      'create directory /d (mode 0700, owner postgres)',
    );
    expect(renderAction(movePath({ from: '/data', to: '/data.old' }))).to.equal('move /data → /data.old');
  });

  it('labels predictions and shows stdin masked', () => {
    const pw = new Secret('s3cr3t-stdin');
    const text = renderAction(
      exec({
        summary: 'restart postgresql',
        cmd: argv(['psql']),
        stdin: payload`ALTER ROLE rep PASSWORD ${pw};\nSELECT 1;\n`,
        showStdin: true,
        prediction: 'the server restarts and wal_level becomes replica',
      }),
    );
    expect(text).to.equal(
      [
        'run: restart postgresql',
        '    ALTER ROLE rep PASSWORD ***;',
        '    SELECT 1;',
        '  (prediction) the server restarts and wal_level becomes replica',
      ].join('\n'),
    );
  });

  it('masks registered secrets in every rendered text', () => {
    new Secret('hunter2');
    const text = renderDiff([
      writeFile({ path: '/conf', before: '', after: "primary_conninfo = 'password=hunter2'\n" }),
      exec({ summary: 'set password hunter2', cmd: argv(['true']) }),
    ]);
    expect(text).not.to.include('hunter2');
    expect(text).to.include("+primary_conninfo = 'password=***'");
    expect(text).to.include('run: set password ***');
  });
});
