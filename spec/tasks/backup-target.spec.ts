import { expect } from 'chai';
import { tarSendCmd } from '../../lib/pg/backup.js';
import {
  asideName,
  COPY_MARKER,
  copyMarker,
  decideTarget,
  markerValid,
  parseTargetState,
  type TargetState,
} from '../../lib/pg/backup-target.js';

const st = (o: Partial<TargetState>): TargetState => ({
  dir: 'nonempty',
  systemIdentifier: null,
  running: false,
  clientMajor: 15,
  backupLabel: false,
  standbySignal: false,
  recoveryConf: false,
  marker: null,
  clusterState: '',
  timeline: 0,
  historyTimeline: 0,
  ...o,
});
const primary = { name: 'db1', systemIdentifier: '7', timeline: 1 };
const ctx = { host: 'db2', dataDir: '/d', replaceExisting: false };
const marker = copyMarker('db2', '/d', '7');
/** A finished copy of the primary's system, as the copy leaves it. */
const copied = st({
  systemIdentifier: '7',
  backupLabel: true,
  marker,
  clusterState: 'in production',
  timeline: 1,
});

describe('base backup target: decisions (pure)', () => {
  it('same system identifier: a no-op only for a finished copy or a standby that has run', () => {
    expect(decideTarget(copied, primary, ctx).kind).to.equal('same');
    const configured = { ...copied, standbySignal: true };
    expect(decideTarget(configured, primary, ctx).kind).to.equal('same');
    const running = { ...configured, backupLabel: false, running: true, clusterState: 'in archive recovery' };
    expect(decideTarget(running, primary, { ...ctx, inRecovery: true }).kind).to.equal('same');
    // made before markers existed: a server has run on it as a standby
    const old = st({
      systemIdentifier: '7',
      standbySignal: true,
      clusterState: 'shut down in recovery',
      timeline: 1,
    });
    expect(decideTarget(old, primary, ctx).kind).to.equal('same');
  });

  it('an interrupted copy (no marker, or one for another host) is moved aside and copied again', () => {
    const partial = st({ systemIdentifier: '7', clusterState: 'in production', timeline: 1 });
    const again = { kind: 'copy', create: true, stop: false, moveAside: true, incomplete: true };
    expect(decideTarget(partial, primary, ctx)).to.deep.equal(again);
    expect(decideTarget({ ...partial, backupLabel: true }, primary, ctx)).to.deep.equal(again);
    const carried = { ...partial, marker: copyMarker('db3', '/d', '7') };
    expect(decideTarget(carried, primary, ctx)).to.deep.equal(again);
    expect(markerValid(marker, 'db2', '/d', '8')).to.equal(false);
  });

  it('a primary of the same system is refused, naming the host and what to do', () => {
    const msg =
      /db2: \/d is a primary \((.*)\); refusing to make it a standby of db1, nothing written\. If db2 is the primary now \(after a failover\), fix the inventory so that db2 is the primary/;
    const cases: [TargetState, boolean | undefined, RegExp][] = [
      [{ ...copied, running: true }, false, /pg_is_in_recovery\(\) = f/],
      [{ ...copied, running: true, standbySignal: true }, undefined, /pg_control: in production/],
      [{ ...copied, standbySignal: true, historyTimeline: 2 }, undefined, /timeline 2, newer than db1's 1/],
      [{ ...copied, backupLabel: false, clusterState: 'shut down' }, undefined, /pg_control: shut down/],
      [{ ...copied, backupLabel: false }, undefined, /no backup_label, standby\.signal or recovery\.conf/],
    ];
    for (const [s, inRecovery, why] of cases) {
      const c = inRecovery === undefined ? ctx : { ...ctx, inRecovery };
      const f = () => decideTarget(s, primary, c);
      expect(f).to.throw(msg);
      expect(f).to.throw(why);
    }
  });

  it('other dirs: filled when empty, refused when running or foreign unless replaceExisting', () => {
    expect(decideTarget(st({ dir: 'absent' }), primary, ctx)).to.deep.equal({
      kind: 'copy',
      create: true,
      stop: false,
      moveAside: false,
    });
    expect(decideTarget(st({ dir: 'empty' }), primary, ctx)).to.deep.equal({
      kind: 'copy',
      create: false,
      stop: false,
      moveAside: false,
    });
    const foreign = st({ running: true, systemIdentifier: '8' });
    expect(() => decideTarget(foreign, primary, ctx)).to.throw(/a server is running/);
    expect(() => decideTarget(st({ systemIdentifier: '8' }), primary, ctx)).to.throw(
      /another cluster \(system identifier 8/,
    );
    expect(() => decideTarget(st({ backupLabel: true }), primary, ctx)).to.throw(
      /backup_label but no global\/pg_control \(an interrupted copy\?\); set replaceExisting/,
    );
    expect(decideTarget(foreign, primary, { ...ctx, replaceExisting: true })).to.deep.equal({
      kind: 'copy',
      create: true,
      stop: true,
      moveAside: true,
    });
    expect(asideName('/d/', new Date('2024-05-06T07:08:09Z'))).to.equal('/d.replaced-20240506T070809');
    expect(asideName('/d', new Date('2024-05-06T07:08:09Z'), 'incomplete')).to.equal(
      '/d.incomplete-20240506T070809',
    );
  });

  it('parses the target probe', () => {
    const m = Buffer.from(marker).toString('base64');
    const out = `nonempty\n7311\nrunning\npg_basebackup (PostgreSQL) 15.8\n101\n${m}\nin production\n2\n00000003\n`;
    expect(parseTargetState(out)).to.deep.equal({
      dir: 'nonempty',
      systemIdentifier: '7311',
      running: true,
      clientMajor: 15,
      backupLabel: true,
      standbySignal: false,
      recoveryConf: true,
      marker,
      clusterState: 'in production',
      timeline: 2,
      historyTimeline: 3,
    });
    const bare = parseTargetState('absent\n\nstopped\n\n000\n\n\n\n\n');
    expect(bare).to.include({ clientMajor: 0, marker: null, timeline: 0, historyTimeline: 0 });
  });

  it('our own copies leave the marker out', () => {
    expect(tarSendCmd('/d')).to.include(`--exclude=./${COPY_MARKER}`);
  });
});
