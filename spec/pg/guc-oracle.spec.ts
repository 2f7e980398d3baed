// Checks the pure parser, normaliser and table against the real PostgreSQL 15 of this machine: `postgres -C`
// reads a postgresql.conf and prints a parameter as the server stores it; `--describe-config` lists the GUCs.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { confErrors, parseConf } from '../../lib/pg/conf.js';
import { gucAt, normalizeValue } from '../../lib/pg/guc.js';
import { gucFacts } from '../../lib/pg/guc-table.js';

const BIN = '/usr/lib/postgresql/15/bin/postgres';

/** Runs the server binary as the postgres OS user (it refuses root), from a cwd that user can read. */
function asPostgres(args: string[]): { code: number; out: string; err: string } {
  const argv = userInfo().uid === 0 ? ['runuser', '-u', 'postgres', '--', BIN, ...args] : [BIN, ...args];
  const r = spawnSync(argv[0] as string, argv.slice(1), { cwd: '/', encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout.trim(), err: r.stderr };
}

describe('pg/guc against PostgreSQL 15 itself', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pgconf-oracle-'));
    chmodSync(dir, 0o755);
    const pg = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    if (userInfo().uid === 0) chownSync(dir, Number(pg.stdout.trim()), 0);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** What `postgres -C name` prints for a postgresql.conf holding `line`, or null when the server rejects it. */
  function serverValue(line: string, name: string): string | null {
    writeFileSync(join(dir, 'postgresql.conf'), `${line}\n`);
    writeFileSync(join(dir, 'postgresql.auto.conf'), '');
    const r = asPostgres(['-D', dir, '-C', name]);
    return r.code === 0 ? r.out : null;
  }

  const normalised: [string, string][] = [
    ['hot_standby', 'tr'],
    ['hot_standby', 'of'],
    ['hot_standby', "'YES'"],
    ['work_mem', '16MB'],
    ['work_mem', "'16 MB'"],
    ['work_mem', "'1.5MB'"],
    ['work_mem', '0x100'],
    ['shared_buffers', '16MB'],
    ['shared_buffers', '1001kB'],
    ['max_wal_size', '1GB'],
    ['wal_keep_size', "'0.5GB'"],
    ['checkpoint_timeout', '5min'],
    ['wal_receiver_status_interval', '1500ms'],
    ['wal_receiver_status_interval', '2500ms'],
    ['wal_sender_timeout', "'1.5s'"],
    ['wal_receiver_status_interval', '1min'],
    ['wal_level', 'hot_standby'],
    ['wal_level', 'LOGICAL'],
    ['synchronous_commit', 'yes'],
    ['archive_mode', "'always'"],
    ['log_min_messages', 'Warning'],
    ['checkpoint_completion_target', '.90'],
  ];
  for (const [name, written] of normalised) {
    it(`normalises ${name} = ${written} as the server does`, () => {
      const [line] = parseConf(`${name} = ${written}`, 'f');
      if (line?.kind !== 'setting') throw new Error('not parsed');
      const server = serverValue(`${name} = ${written}`, name);
      expect(server, 'server accepted it').to.not.equal(null);
      expect(normalizeValue(name, line.value, 15)).to.equal(server);
    });
  }

  const grammar: string[] = [
    "archive_command = 'it''s \\101 \\t x'",
    "archive_command 'no equals'",
    'archive_command = abc.def',
    'archive_command = en_US.UTF-8',
    'archive_command = .5',
    "archive_command = '#x' # comment",
    'archive_command = pg_catalog.english',
    'archive_command = /tmp',
    'archive_command = 1e3',
    'archive_command = a b',
    "archive_command = 'open",
    'Archive_Command = x',
  ];
  for (const text of grammar) {
    it(`reads ${JSON.stringify(text)} as the server does`, () => {
      const lines = parseConf(text, 'f');
      const server = serverValue(text, 'archive_command');
      if (server === null) {
        expect(confErrors(lines), 'an error').to.have.length(1);
      } else {
        expect(lines[0]?.kind === 'setting' && lines[0].value).to.equal(server);
      }
    });
  }

  it("matches the server's --describe-config for every 15 parameter in the table", () => {
    const r = asPostgres(['--describe-config']);
    const rows = new Map(r.out.split('\n').map((l) => [l.split('\t')[0], l.split('\t')] as const));
    const types: Record<string, string> = {
      BOOLEAN: 'bool',
      INTEGER: 'integer',
      REAL: 'real',
      STRING: 'string',
      ENUM: 'enum',
    };
    let compared = 0;
    for (const f of gucFacts()) {
      const at = gucAt(f.name, 15);
      const row = rows.get(f.name);
      // internal (read-only) parameters are not listed by --describe-config
      if (f.context === 'internal') continue;
      expect(Boolean(at), `${f.name} exists on 15`).to.equal(Boolean(row));
      if (!at || !row) continue;
      expect([row[1], types[row[3] ?? '']], f.name).to.deep.equal([at.context, at.type]);
      compared++;
    }
    expect(compared).to.be.greaterThan(60);
  });
});
