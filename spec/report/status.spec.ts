import { expect } from 'chai';
import { formatStatus, type NodeStatus, parseStatus, statusExitCode } from '../../lib/cli/status.js';
import { upstreamHost, withTopology } from '../../lib/pg/status.js';

const row = (...f: string[]) => `${f.join('\x1f')}\n`;
const addresses = [
  { host: 'db1', address: '10.0.0.1', port: 5432 },
  { host: 'db2', address: '10.0.0.2', port: 5432 },
  { host: 'db3', address: '10.0.0.3', port: 5432 },
];

const primary = (tli: string, sysid = '7300') =>
  row('node', 'f', '150008', sysid, tli, '0/3000060', '') +
  row('role', 'primary', '15.8') +
  row('rep', 'db2', '10.0.0.2', 'streaming', 'sync', '0', '00:00:00.001', 't', 'TLSv1.3') +
  row('rep', 'db3', '10.0.0.3', 'streaming', 'potential', '128', '', 'f', '');
const standby = (host: string, tli: string) =>
  row('node', 't', '150008', '7300', tli, '0/3000060', host) +
  row('role', 'standby', '15.8') +
  row('recv', 'streaming', '10.0.0.1', '5432', tli, '00:00:01.5');

describe('status: the topology as the servers say, sync state and TLS of each walsender', () => {
  const nodes = (): NodeStatus[] =>
    withTopology(
      [
        parseStatus('db1', primary('2')),
        parseStatus('db2', standby('10.0.0.1', '2')),
        parseStatus('db3', standby('10.0.0.1', '2')),
      ],
      addresses,
    );

  it('parses timeline, system identifier, sync state, ssl and the upstream of each standby', () => {
    const [p, s] = nodes();
    expect(p).to.include({ role: 'primary', timeline: 2, systemId: '7300' });
    // right after a promotion the checkpoint's timeline is still the old one: the current WAL file's wins
    expect(parseStatus('db1', primary('1') + row('tli', '2')).timeline).to.equal(2);
    expect(p?.replicas[0]).to.include({ name: 'db2', sync: 'sync', ssl: true, sslVersion: 'TLSv1.3' });
    expect(p?.replicas[1]).to.include({ name: 'db3', sync: 'potential', ssl: false, lagBytes: '128' });
    expect(s?.receiver).to.deep.equal({
      status: 'streaming',
      conninfoHost: '10.0.0.1',
      conninfoPort: '5432',
      timeline: '2',
      replayDelay: '00:00:01.5',
      from: 'db1',
    });
  });

  it('prints who streams from whom, timelines, sync state and TLS per walsender', () => {
    const text = formatStatus(nodes());
    expect(text.split('\n')[0]).to.equal(
      'topology: db1 is the primary (timeline 2); db2, db3 stream from db1',
    );
    expect(text).to.include('db1: primary (PostgreSQL 15.8), timeline 2\n');
    expect(text).to.include(
      '  standby db2 from 10.0.0.2: streaming (sync), ssl on (TLSv1.3), lag 0 bytes, replay lag 00:00:00.001\n',
    );
    expect(text).to.include('  standby db3 from 10.0.0.3: streaming (potential), ssl off, lag 128 bytes\n');
    expect(text).to.include(
      '  wal receiver: streaming from db1 (10.0.0.1:5432), timeline 2, last replayed transaction 00:00:01.5 ago\n',
    );
  });

  it('shows a split brain loudly, newest timeline first, and marks both primaries', () => {
    const split = withTopology(
      [parseStatus('db1', primary('1')), parseStatus('db2', primary('2'))],
      addresses,
    );
    expect(split.map((n) => n.splitBrain)).to.deep.equal([true, true]);
    const text = formatStatus(split);
    expect(text.split('\n')[0]).to.match(
      /^SPLIT BRAIN — more than one primary: db2 \(timeline 2\), db1 \(timeline 1\); .*rejoin/,
    );
    expect(text).to.include('db1: primary (SPLIT BRAIN: another primary runs)');
  });

  it('names a down node, a standby streaming from outside the inventory, and another cluster', () => {
    const odd = withTopology(
      [
        parseStatus('db1', primary('1')),
        parseStatus(
          'db2',
          row('node', 't', '150008', '9999', '1', '0/1', '') +
            row('role', 'standby', '15.8') +
            row('recv', 'streaming', '192.168.9.9', '5432', '1', ''),
        ),
        { host: 'db3', replicas: [], slots: [], error: 'connection refused' },
      ],
      addresses,
    );
    const text = formatStatus(odd);
    expect(text).to.match(/streaming from outside the inventory: db2; ANOTHER CLUSTER .* on db2/);
    expect(text).to.include('  wal receiver: streaming from 192.168.9.9:5432 (no host of the inventory)');
    expect(text).to.include('db3: DOWN or unreachable — connection refused');
    expect(formatStatus([{ host: 'db1', replicas: [], slots: [], error: 'x' }])).to.match(
      /^topology: no running primary among db1 \(no server answered on db1\)/,
    );
  });

  it('finds the upstream by address and port (nodes sharing an address), by address alone when unique', () => {
    const shared = [
      { host: 'pg1', address: '127.0.0.1', port: 5433 },
      { host: 'pg2', address: '127.0.0.1', port: 5434 },
    ];
    const recv = { status: 'streaming', conninfoHost: '127.0.0.1', timeline: '1', replayDelay: '' };
    expect(upstreamHost({ ...recv, conninfoPort: '5434' }, shared)).to.equal('pg2');
    expect(upstreamHost({ ...recv, conninfoPort: '' }, shared)).to.equal(undefined);
    expect(upstreamHost({ ...recv, conninfoHost: '10.0.0.2', conninfoPort: '' }, addresses)).to.equal('db2');
  });

  it('says which inventory change to make when the running primary is not the inventory primary', () => {
    const after = withTopology(
      [
        { host: 'db1', replicas: [], slots: [], error: 'connection refused', inventoryRole: 'primary' },
        { ...parseStatus('db2', primary('2')), inventoryRole: 'standby' },
      ],
      addresses,
    );
    expect(formatStatus(after).split('\n')[0]).to.equal(
      'topology: db2 is the primary now (timeline 2): move db2 to [primary] and db1 to [standby]',
    );
  });

  it('exits 4 when a node does not answer, 2 for a split brain, else 0', () => {
    const two = withTopology([parseStatus('db1', primary('1')), parseStatus('db2', primary('2'))], addresses);
    expect(statusExitCode(two)).to.equal(2);
    const stopped = parseStatus(
      'db2',
      row('node', 't', '150008', '7300', '1', '0/1', '') + row('role', 'standby', '15.8'),
    );
    expect(formatStatus(withTopology([parseStatus('db1', primary('1')), stopped], addresses))).to.match(
      /^topology: db1 is the primary \(timeline 1\); NOT STREAMING: db2\n/,
    );
    expect(formatStatus([stopped])).to.include('  wal receiver: not running');
    expect(statusExitCode(nodes())).to.equal(0);
    expect(statusExitCode([...nodes(), { host: 'db4', replicas: [], slots: [], error: 'x' }])).to.equal(4);
  });
});
