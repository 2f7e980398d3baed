import { expect } from 'chai';
import { InputError } from '../../lib/errors.js';
import { pgTarget } from '../../lib/pg/target.js';
import {
  type ConfReader,
  findOverrides,
  includeDirFiles,
  resolveInclude,
} from '../../lib/tasks/pg-conf-sources.js';
import { pendingFromRows, serviceCmd } from '../../lib/tasks/pg-service.js';
import { checkSettings, editConf, needsOf, overrideMessage } from '../../lib/tasks/pg-set-conf-plan.js';
import { promoteAction } from '../../lib/tasks/promote.js';

const none = new Map<string, string>();

function fakeReader(files: Record<string, string>): ConfReader {
  return {
    file: async (p) => files[p] ?? null,
    dir: async (d) => {
      const names = Object.keys(files)
        .filter((p) => p.startsWith(`${d}/`))
        .map((p) => p.slice(d.length + 1));
      return names.length > 0 ? names : null;
    },
  };
}

describe('setConf planning (pure)', () => {
  it('rejects names the version does not have, before anything is written', () => {
    expect(() => checkSettings({ wal_keep_segments: 64 }, 13, none)).to.throw(InputError, /wal_keep_size/);
    expect(() => checkSettings({ wal_keep_segments: 64 }, 11, none)).not.to.throw();
    expect(() => checkSettings({ promote_trigger_file: '/tmp/t' }, 16, none)).to.throw(
      InputError,
      /removed in 16/,
    );
    expect(() => checkSettings({ promote_trigger_file: '/tmp/t' }, 13, none)).not.to.throw();
    expect(() => checkSettings({ promote_trigger_file: '/tmp/t' }, 11, none)).to.throw(
      InputError,
      /does not exist on PostgreSQL 11/,
    );
    expect(() => checkSettings({ no_such_thing: 1 }, 15, none)).to.throw(
      InputError,
      /unrecognized.*no_such_thing/,
    );
    expect(() => checkSettings({ 'myext.knob': 1 }, 15, none)).not.to.throw();
    expect(() => checkSettings({ wal_level: 'bogus' }, 15, none)).to.throw(InputError, /wal_level/);
    expect(() => checkSettings({ block_size: 8192 }, 15, none)).to.throw(InputError);
  });

  it('accepts a name the table does not know when the server reported it', () => {
    const ctx = new Map([['jit_above_cost', 'user']]);
    expect(() => checkSettings({ jit_above_cost: 1000 }, 15, ctx)).not.to.throw();
  });

  it('classifies restart vs reload: the server context first, the table otherwise', () => {
    expect(needsOf('wal_level', 15, none)).to.equal('restart');
    expect(needsOf('max_connections', 11, none)).to.equal('restart');
    expect(needsOf('wal_keep_size', 16, none)).to.equal('reload');
    expect(needsOf('primary_conninfo', 12, none)).to.equal('restart');
    expect(needsOf('primary_conninfo', 13, none)).to.equal('reload');
    expect(needsOf('foo', 15, new Map([['foo', 'postmaster']]))).to.equal('restart');
    expect(needsOf('work_mem', 15, new Map([['work_mem', 'user']]))).to.equal('reload');
  });

  it('edits in place, normalises values, and reports each change', () => {
    const text = "#wal_level = replica\nwork_mem = '16MB'  # keep\nmax_connections = 100\n";
    const e = editConf(
      text,
      'pg.conf',
      { wal_level: 'logical', work_mem: '16384kB', max_connections: 50 },
      15,
      none,
    );
    expect(e.text).to.equal(
      "#wal_level = replica\nwal_level = logical\nwork_mem = '16MB'  # keep\nmax_connections = 50\n",
    );
    expect(e.changes).to.deep.equal([
      { name: 'wal_level', after: 'logical', needs: 'restart' },
      { name: 'max_connections', before: '100', after: '50', needs: 'restart' },
    ]);
    expect(e.positions.get('wal_level')).to.equal(2);
    expect(
      editConf(e.text, 'pg.conf', { hot_standby: true, wal_level: 'logical' }, 15, none).changes,
    ).to.deep.equal([{ name: 'hot_standby', after: 'on', needs: 'restart' }]);
  });

  it('finds the auto.conf line and later includes that win, not earlier ones', async () => {
    const main =
      "include 'early.conf'\nwork_mem = 4MB\ninclude_dir 'conf.d'\ninclude_if_exists 'missing.conf'\nshared_buffers = 512MB\nmax_connections = 50\n";
    const r = fakeReader({
      '/etc/pg/early.conf': 'shared_buffers = 1GB\nwork_mem = 1MB\n',
      '/etc/pg/conf.d/10-a.conf': "include 'nested/x.conf'\n",
      '/etc/pg/conf.d/nested/x.conf': 'work_mem = 8MB\n',
      '/etc/pg/conf.d/.hidden.conf': 'shared_buffers = 2GB\n',
      '/etc/pg/conf.d/notes.txt': 'shared_buffers = 3GB\n',
      '/data/postgresql.auto.conf': "# Do not edit\nmax_connections = '20'\n",
    });
    const positions = new Map([
      ['work_mem', 2],
      ['shared_buffers', 5],
      ['max_connections', 6],
    ]);
    const { overrides: o, read } = await findOverrides(
      r,
      { path: '/etc/pg/postgresql.conf', text: main, positions },
      { main: '/etc/pg/postgresql.conf', autoConf: '/data/postgresql.auto.conf' },
    );
    expect(read).to.equal(true);
    expect(o.get('work_mem')).to.deep.equal({
      name: 'work_mem',
      file: '/etc/pg/conf.d/nested/x.conf',
      line: 1,
      value: '8MB',
    });
    expect(o.has('shared_buffers')).to.equal(false);
    expect(o.get('max_connections')).to.include({ file: '/data/postgresql.auto.conf', line: 2, value: '20' });
    expect(overrideMessage('/etc/pg/postgresql.conf', [...o.values()])).to.match(
      /postgresql.auto.conf:2.*ALTER SYSTEM RESET.*allowOverride/,
    );
  });

  it('an edited include file loses to a later line of postgresql.conf; a file the server never reads is said so', async () => {
    const files = {
      '/etc/pg/postgresql.conf': "include_dir 'conf.d'\nshared_buffers = 128MB\n",
      '/etc/pg/conf.d/tune.conf': 'shared_buffers = 64MB\n',
      '/data/postgresql.auto.conf': '',
    };
    const src = { main: '/etc/pg/postgresql.conf', autoConf: '/data/postgresql.auto.conf' };
    const positions = new Map([['shared_buffers', 1]]);
    const edited = { path: '/etc/pg/conf.d/tune.conf', text: 'shared_buffers = 16MB\n', positions };
    const got = await findOverrides(fakeReader(files), edited, src);
    expect(got.read).to.equal(true);
    expect(got.overrides.get('shared_buffers')).to.deep.equal({
      name: 'shared_buffers',
      file: '/etc/pg/postgresql.conf',
      line: 2,
      value: '128MB',
    });
    // a new file in the include_dir is read once written
    const fresh = await findOverrides(fakeReader(files), { ...edited, path: '/etc/pg/conf.d/new.conf' }, src);
    expect(fresh.read).to.equal(true);
    const elsewhere = await findOverrides(fakeReader(files), { ...edited, path: '/etc/pg/other.conf' }, src);
    expect(elsewhere.read).to.equal(false);
  });

  it('resolves includes relative to the including file and takes include_dir files as PostgreSQL does', () => {
    expect(resolveInclude('/etc/pg/main.conf', 'x.conf')).to.equal('/etc/pg/x.conf');
    expect(resolveInclude('/etc/pg/main.conf', '/abs.conf')).to.equal('/abs.conf');
    expect(includeDirFiles(['b.conf', '.a.conf', 'a.conf', 'c.txt', 'B.conf'])).to.deep.equal([
      'B.conf',
      'a.conf',
      'b.conf',
    ]);
  });
});

describe('service and promote planning (pure)', () => {
  const t = pgTarget({ pg_data_dir: '/d', pg_port: 5433, pg_bin_dir: '/bin15' });

  it('pg_ctl always gets -l and -w -t for a start and a restart', () => {
    const s = { t, dataDir: '/d', logFile: '/d.log', manager: 'pg_ctl' as const, timeout: 30 };
    expect(serviceCmd(s, 'start').cmd.sh).to.match(/pg_ctl" -D \/d -l \/d\.log -w -t 30 start$/);
    expect(serviceCmd(s, 'restart').cmd.sh).to.match(/-l \/d\.log -m fast -w -t 30 restart$/);
    expect(serviceCmd(s, 'start').user).to.equal('postgres');
    const c = serviceCmd({ ...s, manager: 'systemd', unit: 'postgresql@15-main' }, 'start');
    expect(c.cmd.sh).to.match(/systemctl start postgresql@15-main && .*pg_isready/);
  });

  it('decides what `applied` must do from pg_settings / pg_file_settings rows', () => {
    const row = (
      kind: string,
      name: string,
      file: string,
      cur: string,
      type: string,
      unit = '',
      err = '',
    ) => [kind, name, file, cur, type, unit, '', 'user', err, '/d/postgresql.conf:3'];
    const p = pendingFromRows(
      [
        row('f', 'work_mem', '16MB', '16384', 'integer', 'kB'),
        row('f', 'shared_buffers', '128MB', '16384', 'integer', '8kB'),
        row('f', 'datestyle', 'iso, mdy', 'ISO, MDY', 'string'),
        row('f', 'hot_standby', 'true', 'on', 'bool'),
        row('f', 'maintenance_work_mem', '128MB', '65536', 'integer', 'kB'),
        row('f', 'max_connections', '50', '100', 'integer', '', 'setting could not be applied'),
        row('p', 'wal_level', '', 'replica', 'enum'),
      ],
      15,
    );
    expect(p).to.deep.equal({ reload: ['maintenance_work_mem'], restart: ['max_connections', 'wal_level'] });
    expect(() =>
      pendingFromRows([row('f', 'work_mem', 'x', '4096', 'integer', 'kB', 'bad value')], 15),
    ).to.throw(/postgresql.conf:3: work_mem: bad value/);
  });

  it('promotes with pg_promote() from 12 and pg_ctl promote before', () => {
    const a16 = promoteAction(t, 16, '/d', true, 60);
    expect(a16.stdin?.toString()).to.match(/pg_promote\(true, 60\)/);
    const a11 = promoteAction(t, 11, '/d', true, 60);
    expect(a11.cmd.sh).to.match(/pg_ctl" -D \/d -w -t 60 promote$/);
    expect(a11.user).to.equal('postgres');
  });
});
