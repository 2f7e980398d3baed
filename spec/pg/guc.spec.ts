import { expect } from 'chai';
import {
  checkKnown,
  gucAt,
  normalizeValue,
  parseBool,
  restartOrReload,
  sameValue,
  validateValue,
} from '../../lib/pg/guc.js';
import { gucFacts, isKnownInTable } from '../../lib/pg/guc-table.js';

describe('pg/guc parseBool', () => {
  it("follows PostgreSQL's parse_bool, unique prefixes included", () => {
    for (const v of ['on', 'ON', 'true', 't', 'tr', 'yes', 'y', '1']) expect(parseBool(v), v).to.equal(true);
    for (const v of ['off', 'of', 'false', 'f', 'no', 'n', '0']) expect(parseBool(v), v).to.equal(false);
    for (const v of ['o', '', '01', 'onn', 'x', ' on', '2']) expect(parseBool(v), v).to.equal(undefined);
  });
});

describe('pg/guc normalizeValue and sameValue', () => {
  const table: [string, string | number | boolean, string][] = [
    ['hot_standby', 'true', 'on'],
    ['hot_standby', 'yes', 'on'],
    ['hot_standby', 1, 'on'],
    ['hot_standby', true, 'on'],
    ['hot_standby', 'OFF', 'off'],
    ['work_mem', '16MB', '16384'],
    ['work_mem', '16384kB', '16384'],
    ['work_mem', '16 MB', '16384'],
    ['work_mem', 16384, '16384'],
    ['work_mem', '1.5MB', '1536'],
    ['shared_buffers', '16MB', '2048'],
    ['shared_buffers', '1001kB', '125'],
    ['max_wal_size', '1GB', '1024'],
    ['wal_keep_size', '1TB', '1048576'],
    ['checkpoint_timeout', '1min', '60'],
    ['checkpoint_timeout', '60s', '60'],
    ['checkpoint_timeout', '1500ms', '2'],
    ['checkpoint_timeout', '2500ms', '2'],
    ['checkpoint_timeout', '1d', '86400'],
    ['wal_sender_timeout', '1min', '60000'],
    ['wal_sender_timeout', '1.5s', '1500'],
    ['max_wal_senders', '0x10', '16'],
    ['checkpoint_completion_target', '0.90', '0.9'],
    ['wal_level', 'hot_standby', 'replica'],
    ['wal_level', 'REPLICA', 'replica'],
    ['synchronous_commit', 'true', 'on'],
    ['archive_mode', 'yes', 'on'],
    ['listen_addresses', 'localhost, 0.0.0.0', 'localhost,0.0.0.0'],
    ['cluster_name', ' main ', ' main '],
    ['work_mem', '16mb', '16mb'],
    ['unknown.param', 'On', 'On'],
  ];
  for (const [name, value, want] of table) {
    it(`${name} = ${JSON.stringify(value)} → ${want}`, () => {
      expect(normalizeValue(name, value, 15)).to.equal(want);
    });
  }

  it('compares values as PostgreSQL does', () => {
    expect(sameValue('shared_buffers', '16MB', '2048', 15)).to.equal(true);
    expect(sameValue('shared_buffers', '16MB', '16384kB', 15)).to.equal(true);
    expect(sameValue('checkpoint_timeout', '1min', '60s', 15)).to.equal(true);
    expect(sameValue('hot_standby', 'on', true, 15)).to.equal(true);
    expect(sameValue('listen_addresses', 'localhost, 0.0.0.0', 'localhost,0.0.0.0', 15)).to.equal(true);
    expect(sameValue('listen_addresses', 'localhost', '0.0.0.0', 15)).to.equal(false);
    expect(sameValue('cluster_name', 'Main', 'main', 15)).to.equal(false);
    expect(sameValue('work_mem', '16MB', '16GB', 15)).to.equal(false);
  });

  it('knows version differences: fractions from 12, enum aliases of password_encryption until 13', () => {
    expect(normalizeValue('work_mem', '1.5MB', 11)).to.equal('1.5MB');
    expect(normalizeValue('password_encryption', 'on', 13)).to.equal('md5');
    expect(normalizeValue('password_encryption', 'on', 14)).to.equal('on');
  });

  it('explains values PostgreSQL would reject', () => {
    expect(validateValue('hot_standby', 'o', 15)).to.match(/requires a Boolean value/);
    expect(validateValue('wal_level', 'archive2', 15)).to.match(/expected one of minimal, replica, logical/);
    expect(validateValue('work_mem', '16mb', 15)).to.match(
      /expected a number with an optional unit \(base unit kB\)/,
    );
    expect(validateValue('port', '54x', 15)).to.match(/\(expected a number\)$/);
    expect(validateValue('work_mem', '16MB', 15)).to.equal(undefined);
    expect(validateValue('no.such', 'x', 15)).to.equal(undefined);
  });
});

describe('pg/guc table facts', () => {
  it('says which changes need a restart and which a reload', () => {
    expect(restartOrReload('wal_level', 15)).to.equal('restart');
    expect(restartOrReload('primary_conninfo', 12)).to.equal('restart');
    expect(restartOrReload('primary_conninfo', 13)).to.equal('reload');
    expect(restartOrReload('restore_command', 13)).to.equal('restart');
    expect(restartOrReload('restore_command', 14)).to.equal('reload');
    expect(restartOrReload('wal_sender_timeout', 11)).to.equal('reload');
    expect(restartOrReload('log_connections', 15)).to.equal('new-sessions');
    expect(restartOrReload('data_checksums', 18)).to.equal('read-only');
    expect(restartOrReload('no_such_thing', 15)).to.equal('unknown');
  });

  it('explains parameters that do not exist on a version', () => {
    expect(checkKnown('wal_keep_segments', 12)).to.deep.equal({ ok: true });
    expect(checkKnown('wal_keep_segments', 13)).to.deep.equal({
      ok: false,
      message: 'wal_keep_segments does not exist on PostgreSQL 13 (removed in 13; use wal_keep_size)',
    });
    expect(checkKnown('wal_keep_size', 12)).to.deep.equal({
      ok: false,
      message: 'wal_keep_size does not exist on PostgreSQL 12 (added in 13)',
    });
    expect(checkKnown('promote_trigger_file', 15)).to.deep.equal({ ok: true });
    const ptf = checkKnown('promote_trigger_file', 16);
    expect(ptf.ok === false && ptf.message).to.match(
      /promote_trigger_file .* \(removed in 16; use pg_promote\(\)/,
    );
    const pc = checkKnown('primary_conninfo', 11);
    expect(pc.ok === false && pc.message).to.match(/on PostgreSQL 11 it belongs in recovery\.conf/);
    const sm = checkKnown('Standby_Mode', 15);
    expect(sm.ok === false && sm.message).to.match(
      /^standby_mode is not a server parameter.*standby\.signal/,
    );
    const dc = checkKnown('data_checksums', 15);
    expect(dc.ok === false && dc.message).to.match(/read-only/);
    expect(checkKnown('archive_library', 14).ok).to.equal(false);
    expect(checkKnown('archive_library', 15).ok).to.equal(true);
    expect(checkKnown('some.custom', 15)).to.deep.equal({ ok: true });
  });

  it('covers the parameters the replication tasks touch, and says what it does not know', () => {
    for (const n of [
      'wal_level',
      'max_wal_senders',
      'hot_standby',
      'primary_slot_name',
      'recovery_target_timeline',
    ]) {
      expect(isKnownInTable(n), n).to.equal(true);
    }
    expect(isKnownInTable('WAL_LEVEL')).to.equal(true);
    expect(isKnownInTable('enable_seqscan')).to.equal(false);
    expect(gucAt('log_connections', 17)?.type).to.equal('bool');
    expect(gucAt('log_connections', 18)?.type).to.equal('string');
    const names = gucFacts().map((f) => f.name);
    expect(new Set(names).size).to.equal(names.length);
  });
});
