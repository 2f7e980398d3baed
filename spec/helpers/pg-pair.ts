import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Host } from '../../lib/engine/connect.js';
import { type Cluster, createCluster } from '../../lib/sandbox/pg-cluster.js';
import { freePort } from '../../lib/sandbox/ports.js';
import { clusterVars } from './pg-host.js';

/** The replication role's password in the specs. */
export const REPL_PASSWORD = 'rep:s3cret\\x';

/** A primary ready for replication, an empty place for a standby, and both as hosts (local connections). */
export interface PgPair {
  primary: Cluster;
  /** the standby's data dir (absent at first), its port and log file */
  standbyDir: string;
  standbyPort: number;
  standbyLog: string;
  db1: Host;
  db2: Host;
  /** runs a command as postgres (pg_ctl of the standby, …) */
  asPostgres(argv: string[]): { code: number; out: string };
  /** starts / stops the standby server with pg_ctl -l <log> */
  startStandby(): void;
  stopStandby(): void;
  /** psql on the standby over its socket */
  standbySql(sql: string): string;
  destroy(): Promise<void>;
}

const HBA = `local all all trust
local replication all trust
host replication replicator 127.0.0.1/32 md5
host all all 127.0.0.1/32 trust
`;

/** Makes the pair; the role `replicator` has {@link REPL_PASSWORD}. */
export async function pgPair(): Promise<PgPair> {
  const primary = await createCluster({
    conf: { wal_level: 'replica', max_wal_senders: '10', hot_standby: 'on' },
  });
  await primary.writeFile('data/pg_hba.conf', HBA);
  await primary.reload();
  await primary.psql(
    `CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD '${REPL_PASSWORD.replace(/'/g, "''")}'`,
  );
  const root = mkdtempSync(join(tmpdir(), 'pgsb-'));
  const ids = spawnSync('id', ['-u', 'postgres']).stdout.toString().trim();
  const gid = spawnSync('id', ['-g', 'postgres']).stdout.toString().trim();
  chownSync(root, Number(ids), Number(gid));
  const standbyDir = join(root, 'data');
  const standbyPort = await freePort();
  const standbyLog = `${standbyDir}.log`;
  const db1 = await connect('db1', {
    vars: { ansible_connection: 'local', ...clusterVars(primary), pg_address: '127.0.0.1' },
  });
  const db2 = await connect('db2', {
    vars: {
      ansible_connection: 'local',
      pg_port: standbyPort,
      // the copy keeps the primary's unix_socket_directories: both servers share it, on their own ports
      pg_socket_dir: primary.socketDir,
      pg_data_dir: standbyDir,
      pg_bin_dir: primary.bin,
      pg_os_user: 'postgres',
    },
    peers: [db1],
  });
  const asPostgres = (argv: string[]) => {
    const r = spawnSync('runuser', ['-u', 'postgres', '--', ...argv], { cwd: '/' });
    return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
  };
  const pgCtl = join(primary.bin, 'pg_ctl');
  const pair: PgPair = {
    primary,
    standbyDir,
    standbyPort,
    standbyLog,
    db1,
    db2,
    asPostgres,
    startStandby() {
      const r = asPostgres([pgCtl, '-D', standbyDir, '-l', standbyLog, '-w', '-t', '60', 'start']);
      if (r.code !== 0) throw new Error(`standby start failed: ${r.out}`);
    },
    stopStandby() {
      if (existsSync(join(standbyDir, 'postmaster.pid')))
        asPostgres([pgCtl, '-D', standbyDir, '-m', 'immediate', '-w', 'stop']);
    },
    standbySql(sql) {
      const psqlBin = join(primary.bin, 'psql');
      const r = spawnSync(psqlBin, [
        '-X',
        '-A',
        '-t',
        '-h',
        primary.socketDir,
        '-p',
        String(standbyPort),
        '-U',
        'postgres',
        '-c',
        sql,
      ]);
      if (r.status !== 0) throw new Error(`standby psql: ${r.stderr}`);
      return r.stdout.toString().trim();
    },
    async destroy() {
      pair.stopStandby();
      await db2.close();
      await db1.close();
      await primary.destroy();
      rmSync(root, { recursive: true, force: true });
    },
  };
  return pair;
}
