import { expect } from 'chai';
import {
  type ControlData,
  canFollow,
  type GateInput,
  historyFile,
  inventoryChange,
  lsnBytes,
  parseControlData,
  parseHistory,
  switchoverGates,
} from '../../lib/pg/switchover.js';
import { downNode, type NodeState } from '../../lib/pg/topology.js';

const CONTROLDATA = `pg_control version number:            1300
Catalog version number:               202209061
Database system identifier:           7301234567890123456
Database cluster state:               shut down
pg_control last modified:             Sat 28 Nov 2026 11:00:00 UTC
Latest checkpoint location:           0/5000028
Latest checkpoint's REDO location:    0/5000028
Latest checkpoint's TimeLineID:       1
Latest checkpoint's PrevTimeLineID:   1
`;

const up = (host: string, over: Partial<NodeState> = {}): NodeState => ({
  host,
  down: false,
  inRecovery: true,
  version: 15,
  systemId: '7301',
  timeline: 1,
  lsn: '0/5000000',
  upstream: '127.0.0.1',
  ...over,
});

describe('pg/switchover: LSNs, pg_controldata, timeline history', () => {
  it('reads LSNs as byte positions, comparable across the 32-bit halves', () => {
    expect(lsnBytes('0/5000028')).to.equal(0x5000028n);
    expect(lsnBytes('1/0')).to.equal(1n << 32n);
    expect((lsnBytes('1/0') as bigint) > (lsnBytes('0/FFFFFFFF') as bigint)).to.equal(true);
    expect(lsnBytes('')).to.equal(undefined);
    expect(lsnBytes('5000028')).to.equal(undefined);
  });

  it('parses the fields of pg_controldata it needs', () => {
    expect(parseControlData(CONTROLDATA)).to.deep.equal({
      state: 'shut down',
      checkpoint: '0/5000028',
      timeline: 1,
      systemId: '7301234567890123456',
    });
    expect(parseControlData('').state).to.equal('');
  });

  it("parses a history file's parents and fork points, and names the file", () => {
    const text = '1\t0/50000A0\tno recovery target specified\n\n2\t0/7000108\tno recovery target specified\n';
    expect(parseHistory(text)).to.deep.equal([
      { parent: 1, switchpoint: '0/50000A0' },
      { parent: 2, switchpoint: '0/7000108' },
    ]);
    expect(historyFile(2)).to.equal('00000002.history');
    expect(historyFile(26)).to.equal('0000001A.history');
  });
});

describe('pg/switchover: can the old primary follow without a rewind', () => {
  const old: ControlData = { state: 'shut down', checkpoint: '0/5000028', timeline: 1, systemId: 'x' };
  const history = [{ parent: 1, switchpoint: '0/50000A0' }];

  it('yes: shut down cleanly, and the new timeline forked after its shutdown checkpoint', () => {
    const v = canFollow(old, 2, history);
    expect(v.ok).to.equal(true);
    expect(v.reason).to.include('no rewind needed');
  });

  it('no: not shut down cleanly (a crash or a running server)', () => {
    for (const state of ['in production', 'shut down in recovery', '']) {
      const v = canFollow({ ...old, state }, 2, history);
      expect(v.ok, state).to.equal(false);
      expect(v.reason).to.include('not shut down cleanly');
    }
  });

  it('no: the new primary forked before the shutdown checkpoint (diverged)', () => {
    const v = canFollow(old, 2, [{ parent: 1, switchpoint: '0/5000028' }]);
    expect(v.ok).to.equal(false);
    expect(v.reason).to.include('diverged');
  });

  it('no: its timeline is not in the history, or the new timeline is not newer', () => {
    expect(canFollow({ ...old, timeline: 3 }, 4, history).reason).to.include('not in the new primary');
    expect(canFollow(old, 1, history).reason).to.include('not after');
  });

  it('follows across several switchovers (its timeline is an older entry of the history)', () => {
    const v = canFollow({ ...old, timeline: 2, checkpoint: '0/7000028' }, 3, [
      ...history,
      { parent: 2, switchpoint: '0/70000A0' },
    ]);
    expect(v.ok, v.reason).to.equal(true);
  });
});

describe('pg/switchover: the gates', () => {
  const primary = up('db1', { inRecovery: false });
  const base: GateInput = {
    nodes: [primary, up('db2'), up('db3')],
    primary,
    newPrimary: 'db2',
    candidate: { state: 'streaming', lagBytes: 100 },
    archive: { mode: 'on', ready: 0, failing: false, lastFailedWal: '' },
    maxLagBytes: 1000,
    maxArchiveReady: 0,
  };
  const failed = (i: GateInput) => switchoverGates(i).filter((g) => !g.ok);

  it('all pass for a streaming candidate under the lag bound with an archive that keeps up', () => {
    const gates = switchoverGates(base);
    expect(gates.every((g) => g.ok)).to.equal(true);
    expect(gates.map((g) => g.host)).to.include.members(['db1', 'db2', 'db3']);
  });

  it('a node that does not answer fails, naming it and what to do', () => {
    const f = failed({ ...base, nodes: [primary, up('db2'), downNode('db3', 'connection refused')] });
    expect(f).to.have.length(1);
    expect(f[0]?.host).to.equal('db3');
    expect(f[0]?.what).to.include('connection refused').and.include('rejoin.yml');
  });

  it('a node of another cluster or version fails', () => {
    expect(failed({ ...base, nodes: [primary, up('db2'), up('db3', { systemId: '9' })] })[0]?.host).to.equal(
      'db3',
    );
    expect(failed({ ...base, nodes: [primary, up('db2', { version: 16 }), up('db3')] })[0]?.host).to.equal(
      'db2',
    );
  });

  it('a candidate that does not stream, or lags over the bound, fails', () => {
    const none = failed({ ...base, candidate: undefined });
    expect(none[0]?.what).to.include('does not stream from db1');
    const catching = failed({ ...base, candidate: { state: 'catchup', lagBytes: 0 } });
    expect(catching[0]?.what).to.include('state catchup');
    const lag = failed({ ...base, candidate: { state: 'streaming', lagBytes: 1001 } });
    expect(lag[0]?.what).to.include('over the bound 1000 (switchover_max_lag_bytes)');
    expect(failed({ ...base, candidate: { state: 'streaming' } })[0]?.what).to.include('lag unknown');
  });

  it('an archive backlog or a failing archive_command fails on the primary; archive_mode off passes', () => {
    const ready = failed({ ...base, archive: { mode: 'on', ready: 3, failing: false, lastFailedWal: '' } });
    expect(ready[0]?.host).to.equal('db1');
    expect(ready[0]?.what).to.include('3 WAL file(s) wait to be archived');
    const failing = failed({
      ...base,
      archive: { mode: 'on', ready: 0, failing: true, lastFailedWal: '000000010000000000000005' },
    });
    expect(failing[0]?.what).to.include('archive_command fails (last failed: 000000010000000000000005)');
    expect(
      failed({ ...base, archive: { mode: 'off', ready: 9, failing: true, lastFailedWal: '' } }),
    ).to.have.length(0);
  });

  it('switching to the primary it already is checks only that every node answers', () => {
    const gates = switchoverGates({ ...base, newPrimary: 'db1', candidate: undefined, archive: undefined });
    expect(gates).to.have.length(3);
    expect(gates.every((g) => g.ok)).to.equal(true);
  });
});

describe('pg/switchover: the inventory change', () => {
  const groups = { primaryGroup: 'primary', standbyGroup: 'standby' };

  it('names the running primary, its timeline and both moves', () => {
    expect(inventoryChange({ host: 'db2', timeline: 2 }, 'db1', groups)).to.equal(
      'db2 is the primary now (timeline 2): move db2 to [primary] and db1 to [standby]',
    );
    expect(
      inventoryChange({ host: 'db2', timeline: 2 }, 'db1', {
        primaryGroup: 'pg_primary',
        standbyGroup: 'replicas',
      }),
    ).to.include('move db2 to [pg_primary] and db1 to [replicas]');
  });

  it('is nothing when the inventory says so already', () => {
    expect(inventoryChange({ host: 'db1', timeline: 3 }, 'db1', groups)).to.equal(undefined);
  });
});
