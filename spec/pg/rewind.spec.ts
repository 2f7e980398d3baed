import { expect } from 'chai';
import { ApplyError } from '../../lib/errors.js';
import { parseTargetState } from '../../lib/pg/backup-target.js';
import { decideRejoin, primaryForRejoin, type RejoinTarget, type RewindTools } from '../../lib/pg/rewind.js';
import {
  humanBytes,
  parseRewindOutput,
  parseRewindTools,
  rewindCmd,
  sourceConninfo,
  walReceiverAt,
} from '../../lib/pg/rewind-cmd.js';
import { pgTarget } from '../../lib/pg/target.js';
import { downNode, type NodeState } from '../../lib/pg/topology.js';

const node = (host: string, over: Partial<NodeState> = {}): NodeState => ({
  host,
  down: false,
  inRecovery: false,
  version: 15,
  systemId: '7300',
  timeline: 1,
  lsn: '0/3000000',
  upstream: '',
  ...over,
});

const target = (over: Partial<RejoinTarget> = {}, state = ''): RejoinTarget => ({
  host: 'db1',
  dataDir: '/var/lib/postgresql/15/main',
  running: true,
  inRecovery: false,
  version: 15,
  systemId: '7300',
  state: { ...parseTargetState(''), clusterState: state },
  upstream: '',
  timeline: 1,
  ...over,
});

const tools: RewindTools = { rewindMajor: 15, walLogHints: true, checksums: false };
const db2 = node('db2', { timeline: 2 });
const opts = (method: 'auto' | 'rewind' | 'copy') => ({ method, primaryAt: '10.0.0.2:5432' });

/** pg_rewind 15's output with --progress as rejoin's log kept it (not a terminal: progress lines end in \n). */
const REWOUND = [
  'pg_rewind: connected to server',
  'pg_rewind: servers diverged at WAL location 0/4023E50 on timeline 1',
  'pg_rewind: rewinding from last common checkpoint at 0/3000060 on timeline 1',
  'pg_rewind: reading source file list',
  'pg_rewind: reading target file list',
  'pg_rewind: reading WAL in target',
  'pg_rewind: need to copy 67 MB (total source directory size is 86 MB)',
  '    0/69510 kB (0%) copied',
  '69510/69510 kB (100%) copied',
  'pg_rewind: creating backup label and updating control file',
  'pg_rewind: syncing target data directory',
  'pg_rewind: Done!',
  '',
].join('\n');

describe('pg/rewind: the current primary for a rejoin', () => {
  it('is the one other node out of recovery, never the target', () => {
    const nodes = [node('db1'), db2, node('db3', { inRecovery: true })];
    expect(primaryForRejoin('db1', nodes).host).to.equal('db2');
  });

  it('is none when the target is the only primary: nothing is stopped, promote first', () => {
    const nodes = [node('db2', { inRecovery: true }), downNode('db3')];
    expect(() => primaryForRejoin('db1', nodes)).to.throw(
      ApplyError,
      /no other node is a running primary.*db3: down/,
    );
  });

  it('refuses two other primaries (a split among the others)', () => {
    const nodes = [node('db2', { timeline: 2 }), node('db3', { timeline: 3 })];
    expect(() => primaryForRejoin('db1', nodes)).to.throw(
      ApplyError,
      /db3 \(timeline 3\), db2 \(timeline 2\)/,
    );
  });
});

describe('pg/rewind: the path a rejoin takes', () => {
  it('a running primary of the same system is stopped and rewound', () => {
    expect(decideRejoin(target(), db2, tools, opts('auto'))).to.deep.include({ kind: 'rewind', stop: true });
  });

  it('never rewinds the newer primary of a split brain onto the stray one, nor one on the same timeline', () => {
    const stray = node('db1', { timeline: 1 });
    const newer = target({ host: 'db2', timeline: 2 });
    expect(() => decideRejoin(newer, stray, tools, opts('auto'))).to.throw(
      ApplyError,
      /db2 is a primary on timeline 2, db1 on 1: db2 is the newer one; nothing written/,
    );
    expect(() => decideRejoin(target(), node('db2'), tools, opts('copy'))).to.throw(
      ApplyError,
      /the same timeline/,
    );
    // stopped: the timeline pg_control or the newest history file names
    const stopped = target({ running: false, timeline: 0 }, 'shut down');
    stopped.state.historyTimeline = 2;
    expect(() => decideRejoin(stopped, stray, tools, opts('auto'))).to.throw(ApplyError, /timeline 2/);
  });

  it('a crashed primary (pg_control: in production) is rewound without a stop', () => {
    const d = decideRejoin(target({ running: false }, 'in production'), db2, tools, opts('auto'));
    expect(d).to.deep.include({ kind: 'rewind', stop: false });
    expect(d.reason).to.include('a stopped primary (in production)');
  });

  it('data checksums are enough without wal_log_hints', () => {
    const d = decideRejoin(target(), db2, { ...tools, walLogHints: false, checksums: true }, opts('auto'));
    expect(d.kind).to.equal('rewind');
  });

  it('a standby streaming from the primary, or a stopped one (standby.signal, a rewind not started yet) changes nothing', () => {
    const streaming = target({ inRecovery: true, upstream: '10.0.0.2:5432' });
    expect(decideRejoin(streaming, db2, tools, opts('auto')).kind).to.equal('standby');
    expect(
      decideRejoin(target({ running: false, inRecovery: true }), db2, tools, opts('auto')).kind,
    ).to.equal('standby');
    for (const state of ['in archive recovery', 'shut down in recovery'])
      expect(decideRejoin(target({ running: false }, state), db2, tools, opts('auto')).kind).to.equal(
        'standby',
      );
    const labelled = target({ running: false }, 'shut down');
    labelled.state.backupLabel = true;
    expect(decideRejoin(labelled, db2, tools, opts('auto')).kind).to.equal('standby');
  });

  it('a running standby streaming from elsewhere (or nowhere) is rewound: it may hold WAL the primary never had', () => {
    for (const upstream of ['10.0.0.2:5433', '']) {
      const d = decideRejoin(target({ inRecovery: true, upstream }), db2, tools, opts('auto'));
      expect(d).to.deep.include({ kind: 'rewind', stop: true });
      expect(d.reason).to.include(upstream ? 'streams from 10.0.0.2:5433' : 'has no walreceiver');
    }
    // without pg_rewind it is only re-pointed, never copied unless asked
    const none = { ...tools, rewindMajor: 0 };
    expect(decideRejoin(target({ inRecovery: true }), db2, none, opts('auto')).kind).to.equal('standby');
    expect(decideRejoin(target({ inRecovery: true }), db2, none, opts('copy')).kind).to.equal('copy');
  });

  it('falls back to a fresh copy, saying why, when pg_rewind cannot work', () => {
    const cases: [Partial<RewindTools>, Partial<NodeState>, RegExp][] = [
      [{ walLogHints: false, checksums: false }, {}, /neither wal_log_hints = on nor data checksums/],
      [{ rewindMajor: 0 }, {}, /no pg_rewind in db1's bin dir/],
      [{ rewindMajor: 16 }, {}, /pg_rewind on db1 is 16, the cluster is 15/],
      [{ walLogHints: null, checksums: null }, {}, /pg_controldata could not read/],
      [{}, { version: 16 }, /db2 runs 16, db1 15/],
    ];
    for (const [t, p, why] of cases) {
      const d = decideRejoin(target(), { ...db2, ...p }, { ...tools, ...t }, opts('auto'));
      expect(d.kind).to.equal('copy');
      expect(d.reason).to.match(why);
    }
  });

  it('method rewind refuses the copy, method copy never rewinds', () => {
    const none = { ...tools, rewindMajor: 0 };
    expect(() => decideRejoin(target(), db2, none, opts('rewind'))).to.throw(
      ApplyError,
      /pg_rewind cannot work/,
    );
    expect(decideRejoin(target(), db2, tools, opts('copy')).kind).to.equal('copy');
  });

  it('refuses another cluster and an empty data dir', () => {
    expect(() => decideRejoin(target({ systemId: '999' }), db2, tools, opts('auto'))).to.throw(
      ApplyError,
      /another cluster/,
    );
    expect(() => decideRejoin(target({ systemId: null }), db2, tools, opts('auto'))).to.throw(
      ApplyError,
      /holds no cluster/,
    );
  });
});

describe('pg/rewind: reading pg_rewind and pg_controldata', () => {
  it('reads where a walreceiver streams from: host and port, only when streaming', () => {
    const conninfo = 'user=replicator passfile=/x.pgpass host=127.0.0.1 port=5434 application_name=pg3';
    expect(walReceiverAt(['streaming', conninfo])).to.equal('127.0.0.1:5434');
    expect(walReceiverAt(['streaming', 'host=db2 user=r'])).to.equal('db2:5432');
    expect(walReceiverAt(['waiting', conninfo])).to.equal('');
    expect(walReceiverAt(undefined)).to.equal('');
  });

  it('parses the bytes copied, the divergence point and Done!', () => {
    expect(parseRewindOutput(REWOUND)).to.deep.equal({
      bytes: 69510 * 1024,
      noRewindRequired: false,
      divergedAt: '0/4023E50',
      timeline: 1,
      done: true,
    });
  });

  it('uses the "need to copy" estimate without progress lines, and knows "no rewind required"', () => {
    expect(
      parseRewindOutput('pg_rewind: need to copy 3 MB (total source directory size is 40 MB)\n').bytes,
    ).to.equal(3 * 1024 * 1024);
    const none = parseRewindOutput(
      'pg_rewind: source and target cluster are on the same timeline\npg_rewind: no rewind required\n',
    );
    expect(none).to.deep.include({ bytes: 0, noRewindRequired: true, done: false });
  });

  it('parses the tools probe: pg_rewind major, wal_log_hints, checksums; empty lines are unknown', () => {
    expect(parseRewindTools('pg_rewind (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)\non\n0\n')).to.deep.equal({
      rewindMajor: 15,
      walLogHints: true,
      checksums: false,
    });
    expect(parseRewindTools('\n\n\n')).to.deep.equal({ rewindMajor: 0, walLogHints: null, checksums: null });
  });

  it('keeps passwords out of the connection string and quotes odd values', () => {
    const c = sourceConninfo({ host: 'db 2', port: 5433, user: 'rewind', fromStdin: true });
    expect(c).to.equal("host='db 2' port=5433 user=rewind dbname=postgres application_name=pg_rewind");
    expect(c).to.not.include('password');
  });

  it('the command: CHECKPOINT on the source first, the password only from stdin, the signal file after', () => {
    const t = pgTarget({ pg_data_dir: '/d', pg_bin_dir: '/b' });
    const src = { host: 'db2', port: 5432, user: 'rewind', fromStdin: true };
    const cmd = rewindCmd(t, '/d', 15, src, { logFile: '/d.rewind.log', restoreTargetWal: false }).sh;
    expect(cmd).to.match(/cat > "\$pf"; export PGPASSFILE="\$pf"/);
    expect(cmd.indexOf('CHECKPOINT')).to.be.lessThan(cmd.indexOf('"$B/pg_rewind"'));
    expect(cmd).to.include(
      "--source-server='host=db2 port=5432 user=rewind dbname=postgres application_name=pg_rewind'",
    );
    expect(cmd).to.include('(umask 077; : > /d/standby.signal)');
    expect(cmd).to.not.include('--single');
    expect(cmd).to.not.include('--restore-target-wal');
    // before 13 pg_rewind does not finish a crashed target's recovery itself; before 12 the signal is recovery.conf
    const old = rewindCmd(
      t,
      '/d',
      11,
      { ...src, fromStdin: false },
      { logFile: '/l', restoreTargetWal: true },
    ).sh;
    expect(old).to.include('"$B/postgres" --single -D /d postgres');
    expect(old).to.include('/d/recovery.conf');
    expect(old).to.include('--restore-target-wal');
    expect(old).to.not.include('PGPASSFILE');
  });

  it('shows bytes for people', () => {
    expect([humanBytes(0), humanBytes(2048), humanBytes(71178240)]).to.deep.equal(['0 B', '2 kB', '67.9 MB']);
  });
});
