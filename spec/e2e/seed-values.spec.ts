import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { root as projectRoot, runCli } from '../helpers/cli.js';

/**
 * The old tutorial's values (see the seed: max_wal_senders = 1, CONNECTION LIMIT 1, wal_level = 'hot_standby',
 * archive_command = 'cd .', a pg_hba line appended at the end, trigger_file, recovery.conf, md5) are caught
 * before any host is contacted: exit 3 and no connection where the run cannot succeed, else a warning printed
 * before the first play. The inventory's hosts are a TCP listener that counts connection attempts.
 */
describe('e2e: the seed tutorial values are caught before any host is contacted', function () {
  this.timeout(120_000);
  let dir: string;
  let server: Server;
  let attempts = 0;

  const inventory = (version: string, standbys = 2) => {
    const port = (server.address() as { port: number }).port;
    const host = (n: string) =>
      `${n} ansible_host=127.0.0.1 ansible_port=${port} ansible_user=root pg_data_dir=/srv/${n} ${version ? `pg_version=${version} pg_cluster=main` : ''}`;
    const file = join(dir, `hosts-${version || 'x'}-${standbys}`);
    const sb = Array.from({ length: standbys }, (_, i) => host(`db${i + 2}`));
    writeFileSync(
      file,
      `[primary]\n${host('db1')}\n[standby]\n${sb.join('\n')}\n[all:vars]\nreplication_password=s3cret\n`,
    );
    return file;
  };
  const replication = (inv: string, ...extra: string[]) =>
    runCli([join(projectRoot, 'playbooks', 'replication.yml'), '-i', inv, ...extra]);
  const own = (name: string, body: string) => {
    const file = join(dir, name);
    writeFileSync(file, body);
    return file;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rp-seed-'));
    server = createServer((s) => {
      attempts++;
      s.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  /** exit 3, the message at a position, and not one connection attempt */
  async function refused(run: Promise<{ code: number; stdout: string; stderr: string }>, message: RegExp) {
    const before = attempts;
    const r = await run;
    expect(r.code, r.stdout + r.stderr).to.equal(3);
    expect(r.stderr + r.stdout).to.match(message);
    expect(r.stderr + r.stdout).to.match(/\.yml:\d+:\d+: /);
    expect(attempts - before, 'connection attempts').to.equal(0);
  }

  /** the warning comes before the first play starts, i.e. before any host was contacted */
  async function warned(run: Promise<{ code: number; stdout: string; stderr: string }>, message: RegExp) {
    const r = await run;
    const out = r.stdout;
    const warning = out.split('\n').findIndex((l) => l.startsWith('[WARNING]') && message.test(l));
    expect(warning, out + r.stderr).to.be.greaterThan(-1);
    expect(warning, 'warning before the first PLAY').to.be.lessThan(
      out.split('\n').findIndex((l) => l.startsWith('PLAY [')),
    );
  }

  it('max_wal_senders = 1 with two standbys: exit 3', () =>
    refused(
      replication(inventory(''), '-e', 'pg_max_wal_senders=1'),
      /max_wal_senders = 1 cannot serve 2 standbys/,
    ));

  it('max_wal_senders = 1 with a streaming base backup (pg_basebackup): exit 3; with auto: a warning', async () => {
    const one = inventory('', 1);
    await refused(
      replication(one, '-e', 'pg_max_wal_senders=1', '-e', 'pg_backup_method=pg_basebackup'),
      /max_wal_senders = 1: pg_basebackup -X stream needs one more walsender/,
    );
    await warned(
      replication(one, '-e', 'pg_max_wal_senders=1'),
      /max_wal_senders = 1: pg_basebackup -X stream/,
    );
  });

  it('CONNECTION LIMIT 1 on the replication role on 12: exit 3; with the version unknown: a warning', async () => {
    await refused(
      replication(inventory('12'), '-e', 'replication_connection_limit=1'),
      /CONNECTION LIMIT 1 on the replication role: on 10–12 walsenders count/,
    );
    await warned(
      replication(inventory('', 1), '-e', 'replication_connection_limit=1'),
      /CONNECTION LIMIT 1 on the replication role/,
    );
  });

  it("wal_level = 'hot_standby': a warning that it is shown as replica", () =>
    warned(
      replication(inventory(''), '-e', '{"pg_primary_settings": {"wal_level": "hot_standby"}}'),
      /wal_level = 'hot_standby' is an old alias: the server shows it as replica/,
    ));

  it("archive_command = 'cd .' with a restore_command: a warning", () =>
    warned(
      replication(
        inventory(''),
        '-e',
        '{"pg_archive_command": "cd .", "pg_restore_command": "cp /mnt/arch/%f %p"}',
      ),
      /archive_command = 'cd \.' archives nothing, but the standbys' restore_command expects an archive/,
    ));

  it('a pg_hba rule appended after one that shadows it: a warning', () => {
    const pb = own(
      'hba.yml',
      `- hosts: primary
  tasks:
    - ensureLine: { path: /etc/postgresql/12/main/pg_hba.conf, line: "host replication all 10.0.0.0/8 md5" }
    - ensureLine: { path: /etc/postgresql/12/main/pg_hba.conf, line: "host replication rep 10.0.0.2/32 md5" }
`,
    );
    return warned(
      runCli([pb, '-i', inventory('')]),
      /an earlier one that matches the same connections first/,
    );
  });

  it('trigger_file in postgresql.conf: exit 3; promote_trigger_file on 16: exit 3', async () => {
    await refused(
      replication(
        inventory(''),
        '-e',
        '{"pg_standby_settings": {"trigger_file": "/tmp/postgresql.trigger.5432"}}',
      ),
      /trigger_file is not a postgresql.conf setting/,
    );
    await refused(
      replication(inventory('16'), '-e', '{"pg_standby_settings": {"promote_trigger_file": "/tmp/trigger"}}'),
      /promote_trigger_file was removed in PostgreSQL 16/,
    );
  });

  it('md5 on 18: a warning that it is deprecated', () =>
    warned(
      replication(inventory('18'), '-e', 'replication_auth_method=md5'),
      /md5 is deprecated on PostgreSQL 18/,
    ));

  it('a scram-sha-256 rule with the role stored as md5: exit 3', () =>
    refused(
      replication(inventory(''), '-e', 'replication_password_encryption=md5'),
      /pg_hba method scram-sha-256 for replicator, whose password is stored as md5/,
    ));

  it('a recovery.conf written on 12: exit 3', () => {
    const pb = own(
      'recovery.yml',
      `- hosts: standby
  tasks:
    - file: { path: /var/lib/postgresql/12/main/recovery.conf, content: "standby_mode = 'on'\\n" }
`,
    );
    return refused(runCli([pb, '-i', inventory('12')]), /recovery\.conf: PostgreSQL 12\+ refuses to start/);
  });
});
