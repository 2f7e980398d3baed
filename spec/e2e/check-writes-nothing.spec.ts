import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { type SandboxState, sandboxDown, sandboxUp } from '../../lib/sandbox/sandbox.js';
import { root as projectRoot, runCli } from '../helpers/cli.js';
import { nodeLog, nodeSql } from '../helpers/sandbox.js';

/** One statement the server logged (log_statement = all), or a replication command (log_replication_commands). */
interface Logged {
  kind: 'statement' | 'replication';
  text: string;
}

/** The statements in a server log (stderr format: `… LOG:  statement: …`, continuation lines start with a tab). */
function loggedStatements(log: string): Logged[] {
  const out: Logged[] = [];
  let cur: Logged | undefined;
  for (const line of log.split('\n')) {
    const m = /\bLOG:\s+(statement|received replication command): (.*)$/.exec(line);
    if (m) {
      cur = { kind: m[1] === 'statement' ? 'statement' : 'replication', text: m[2] ?? '' };
      out.push(cur);
    } else if (cur && line.startsWith('\t')) cur.text += `\n${line.slice(1)}`;
    else cur = undefined;
  }
  return out;
}

const READS = /^\s*(SELECT|SHOW|SET|WITH|VALUES|BEGIN|COMMIT|ROLLBACK)\b/i;
const WRITES =
  /\b(INSERT|UPDATE|DELETE|MERGE|CREATE|ALTER|DROP|GRANT|REVOKE|TRUNCATE|COPY|VACUUM|CLUSTER|REINDEX|COMMENT|CHECKPOINT|pg_backup_start|pg_start_backup|pg_backup_stop|pg_stop_backup|pg_reload_conf|pg_promote|pg_switch_wal|pg_create_\w+|pg_drop_\w+|pg_terminate_backend|pg_cancel_backend|nextval|setval|set_config|lo_\w+)\b/i;

/** The logged statements that write (or could): anything but a plain read, and every replication command but the harmless ones. */
function writers(stmts: readonly Logged[]): Logged[] {
  return stmts.filter((s) =>
    s.kind === 'replication'
      ? !/^\s*(IDENTIFY_SYSTEM|SHOW)\b/i.test(s.text)
      : !READS.test(s.text) || WRITES.test(s.text),
  );
}

describe('log parsing for the --check audit', () => {
  it('finds writes among logged statements, across continuation lines, and lets reads pass', () => {
    const log = [
      '2026-01-01 00:00:00 UTC [1] LOG:  statement: select current_setting($$x$$), r.rolcreaterole',
      '2026-01-01 00:00:00 UTC [1] LOG:  statement: SET log_statement = $$none$$;',
      '2026-01-01 00:00:00 UTC [2] LOG:  statement: with x as (select 1)',
      '\tdelete from t',
      '2026-01-01 00:00:00 UTC [3] LOG:  statement: SELECT pg_backup_start($$l$$, true);',
      '2026-01-01 00:00:00 UTC [4] LOG:  statement: CREATE ROLE "r"',
      '2026-01-01 00:00:00 UTC [5] LOG:  received replication command: BASE_BACKUP',
      '2026-01-01 00:00:00 UTC [5] LOG:  received replication command: IDENTIFY_SYSTEM',
    ].join('\n');
    const found = writers(loggedStatements(log)).map((s) => s.text.split('\n')[0]);
    expect(found).to.deep.equal([
      'with x as (select 1)',
      'SELECT pg_backup_start($$l$$, true);',
      'CREATE ROLE "r"',
      'BASE_BACKUP',
    ]);
  });
});

describe('e2e: replication.yml --check writes nothing (log_statement = all on the primary)', function () {
  this.timeout(300_000);
  let s: SandboxState;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rp-checklog-'));
    chmodSync(dir, 0o755);
    s = await sandboxUp({ root: join(dir, 'sandbox'), ssh: true });
    const primary = s.nodes.find((n) => n.group === 'primary')!;
    await nodeSql(s, primary, "alter system set log_statement = 'all'");
    await nodeSql(s, primary, "alter system set log_replication_commands = 'on'");
    await nodeSql(s, primary, 'select pg_reload_conf()');
  });
  after(async () => {
    if (s) await sandboxDown(s.root);
    rmSync(dir, { recursive: true, force: true });
  });

  for (const method of ['pg_basebackup', 'lowlevel']) {
    it(`every task of the playbook runs in --check (${method}), and the server log shows only reads`, async () => {
      const primary = s.nodes.find((n) => n.group === 'primary')!;
      const log = nodeLog(primary);
      const from = statSync(log).size;
      const r = await runCli([
        join(projectRoot, 'playbooks', 'replication.yml'),
        ...['-i', s.inventory, '-e', `@${s.secrets}`, '-e', `pg_backup_method=${method}`, '--check'],
      ]);
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      // every task of both plays was planned (none skipped by an error)
      expect(r.stdout).to.include('TASK [postgres_standby : streaming from the primary]');
      const stmts = loggedStatements(readFileSync(log).subarray(from).toString('utf8'));
      // the planners did ask the primary: the role, settings and size probes are in the log
      expect(stmts.map((x) => x.text).join('\n')).to.include('pg_authid');
      expect(writers(stmts).map((x) => x.text)).to.deep.equal([]);
    });
  }
});
