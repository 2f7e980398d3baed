import { expect } from 'chai';
import {
  currentPrimary,
  downNode,
  type NodeState,
  nodeStateSql,
  parseNodeState,
} from '../../lib/pg/topology.js';
import { type Cluster, createCluster } from '../../lib/sandbox/pg-cluster.js';

const node = (host: string, over: Partial<NodeState> = {}): NodeState => ({
  ...downNode(host),
  down: false,
  version: 15,
  systemId: '7',
  timeline: 1,
  lsn: '0/3000000',
  ...over,
});

describe('topology: the primary read from the servers', () => {
  it('one node out of recovery is the primary, whatever the inventory says', () => {
    const v = currentPrimary([node('db1', { inRecovery: true }), node('db2'), downNode('db3')]);
    expect(v.kind).to.equal('one');
    expect(v.kind === 'one' && v.primary.host).to.equal('db2');
  });

  it('no running primary is named, with the hosts that did not answer', () => {
    const v = currentPrimary([node('db1', { inRecovery: true }), downNode('db2')]);
    expect(v.kind).to.equal('none');
    expect(v.kind === 'none' && v.message).to.equal(
      'no running primary among db1, db2 (no server answered on db2)',
    );
  });

  it('two primaries are a split, the newest timeline first', () => {
    const v = currentPrimary([node('db1', { timeline: 1 }), node('db2', { timeline: 2 })]);
    expect(v.kind).to.equal('split');
    if (v.kind !== 'split') return;
    expect(v.primaries.map((n) => n.host)).to.deep.equal(['db2', 'db1']);
    expect(v.message).to.match(/^more than one primary: db2 \(timeline 2\), db1 \(timeline 1\)/);
  });

  describe('on a real server', () => {
    let c: Cluster | undefined;
    after(async () => {
      await c?.destroy();
    });

    it('reads a running primary: out of recovery, its version, system id, timeline 1 and an LSN', async () => {
      c = await createCluster({});
      const out = await c.psql(`\\pset fieldsep '\\037'\n${nodeStateSql}`);
      const s = parseNodeState('db1', out);
      expect(s).to.include({ host: 'db1', down: false, inRecovery: false, timeline: 1, upstream: '' });
      expect(s.version).to.be.within(10, 18);
      expect(s.systemId).to.match(/^\d{10,}$/);
      expect(s.lsn).to.match(/^[0-9A-F]+\/[0-9A-F]+$/);
    });
  });

  it('an empty answer is a node that is down, with the reason', () => {
    expect(parseNodeState('db1', '')).to.include({ down: true, error: 'no answer to the state query' });
  });
});
