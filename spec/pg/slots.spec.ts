import { expect } from 'chai';
import { formatStatus, parseStatus } from '../../lib/cli/status.js';
import { parseSlots, planSlots, slotName } from '../../lib/pg/slots.js';

describe('pg/slots: one physical slot per standby', () => {
  it('names a slot from the inventory host as PostgreSQL allows (a-z, 0-9, _; 63 bytes)', () => {
    expect(slotName('db-2.example.com')).to.equal('db_2_example_com');
    expect(slotName('PG2')).to.equal('pg2');
    expect(slotName('x'.repeat(80))).to.have.length(63);
  });

  it('creates the missing slots, keeps and reports unlisted ones, drops only inactive unlisted ones when asked', () => {
    const found = parseSlots(
      'pg2\x1ft\x1freserved\x1f0\nold\x1ff\x1fextended\x1f33554432\nbusy\x1ft\x1freserved\x1f0\n',
    );
    expect(planSlots(['pg2', 'pg3'], found, false)).to.deep.equal({
      create: ['pg3'],
      drop: [],
      orphans: found.slice(1),
    });
    const asked = planSlots(['pg2'], found, true);
    expect(asked.drop).to.deep.equal(['old']);
    expect(asked.orphans.map((o) => o.name)).to.deep.equal(['busy']);
  });

  it('status shows each slot with wal_status and retained WAL, and marks a slot no inventory host uses', () => {
    const out =
      'role\x1fprimary\x1f16.14\nslot\x1fpg2\x1ft\x1freserved\x1f0\nslot\x1fgone\x1ff\x1fextended\x1f16777216\n';
    const text = formatStatus([parseStatus('pg1', out, new Set(['pg1', 'pg2']))]);
    expect(text).to.include('  slot pg2: active, wal_status reserved, holds 0 bytes of WAL\n');
    expect(text).to.match(
      / {2}slot gone: inactive, wal_status extended, holds 16777216 bytes of WAL — no host of the inventory uses it/,
    );
  });
});
