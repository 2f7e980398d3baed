import { expect } from 'chai';
import { InputError } from '../../lib/errors.js';
import { Facts, HostMemory } from '../../lib/facts/facts.js';
import type { PgFacts } from '../../lib/facts/pg.js';
import type { Action } from '../../lib/model/actions.js';
import {
  defaultPassfile,
  primaryConninfo,
  recoveryConf,
  standbySettings,
} from '../../lib/pg/standby-conf.js';
import { renderDiff } from '../../lib/report/diff.js';
import { Secret } from '../../lib/secret.js';
import type { PlanContext } from '../../lib/tasks/define.js';
import { type StandbyArgs, standby } from '../../lib/tasks/standby.js';

const D = '/srv/pg/data';

/** A fresh copy's backup_label: present unless the fixture says `null`. */
const LABEL = 'START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\n';

/**
 * A context whose facts come from fixtures: PostgreSQL facts of a stopped server (or of `server`) and the files
 * it has.
 */
function fixture(
  version: number,
  files: Record<string, string | null>,
  server: Partial<PgFacts> = {},
): PlanContext {
  const memory = new HostMemory();
  const facts = new Facts(
    'db2',
    async () => ({ code: 1, stdout: '', stderr: 'no probes in this spec' }),
    memory,
  );
  const pg: PgFacts = {
    running: false,
    version,
    dataDir: D,
    configFile: `${D}/postgresql.conf`,
    hbaFile: `${D}/pg_hba.conf`,
    inRecovery: false,
    systemIdentifier: '7000000000000000001',
    binDir: '/usr/bin',
    ...server,
  };
  memory.cache.set(`pg:5432:${D}`, Promise.resolve(pg));
  const all = [
    `${D}/postgresql.conf`,
    `${D}/postgresql.auto.conf`,
    `${D}/standby.signal`,
    `${D}/recovery.conf`,
    `${D}/backup_label`,
    '/srv/pg/data.pgpass',
  ];
  for (const path of all) {
    const content = path === `${D}/backup_label` && !(path in files) ? LABEL : (files[path] ?? undefined);
    memory.overlay.set(path, {
      path,
      exists: content !== undefined,
      isDir: false,
      content: content ?? null,
      mode: '0600',
      owner: 'postgres',
    });
  }
  return {
    host: 'db2',
    vars: { pg_data_dir: D },
    check: true,
    facts,
    user: 'root',
    baseDirs: [],
    factsOf: () => {
      throw new Error('no peers');
    },
    progress: () => undefined,
  };
}

const args: StandbyArgs = {
  primary: { host: '10.0.0.1', port: 5433, user: 'replicator', password: new Secret('pw:1') },
};
const paths = (actions: Action[]) =>
  actions.map((a) => (a.kind === 'writeFile' ? `write ${a.path}` : a.kind));

describe('standby planning (fixture facts)', () => {
  it('11: writes recovery.conf (standby_mode, conninfo with passfile, latest timeline, trigger_file)', async () => {
    const ctx = fixture(11, { [`${D}/postgresql.conf`]: 'port = 5433\n' });
    const plan = await standby.plan(ctx, {
      ...args,
      promoteTriggerFile: '/tmp/promote',
      restoreCommand: 'cp /a/%f %p',
    });
    expect(paths(plan.actions)).to.deep.equal([`write /srv/pg/data.pgpass`, `write ${D}/recovery.conf`]);
    const rc = plan.actions[1];
    if (rc?.kind !== 'writeFile') throw new Error('expected a write');
    expect(rc.after).to.equal(
      "# written by run-playbook (standby)\nstandby_mode = 'on'\nprimary_conninfo = 'host=10.0.0.1 port=5433 user=replicator application_name=db2 passfile=/srv/pg/data.pgpass'\nrestore_command = 'cp /a/%f %p'\ntrigger_file = '/tmp/promote'\nrecovery_target_timeline = 'latest'\n",
    );
    expect(rc.mode).to.equal('0600');
    expect(renderDiff(plan.actions)).to.not.include('pw:1');
    expect(plan.restartRequired).to.equal(true);
  });

  it('12: standby.signal + settings in postgresql.conf; removes recovery.conf, recovery_target* and -R leftovers', async () => {
    const ctx = fixture(12, {
      [`${D}/postgresql.conf`]: "#primary_conninfo = ''\nrecovery_target_time = '2020-01-01'\n",
      [`${D}/postgresql.auto.conf`]: "primary_conninfo = 'user=x password=secret channel_binding=prefer'\n",
      [`${D}/recovery.conf`]: "standby_mode = 'on'\n",
    });
    const plan = await standby.plan(ctx, { ...args, promoteTriggerFile: '/tmp/promote', slot: 's1' });
    expect(paths(plan.actions)).to.deep.equal([
      'write /srv/pg/data.pgpass',
      `write ${D}/postgresql.conf`,
      `write ${D}/postgresql.auto.conf`,
      `write ${D}/standby.signal`,
      `write ${D}/recovery.conf`,
    ]);
    const [, conf, auto, signal, stray] = plan.actions;
    if (
      conf?.kind !== 'writeFile' ||
      auto?.kind !== 'writeFile' ||
      signal?.kind !== 'writeFile' ||
      stray?.kind !== 'writeFile'
    )
      throw new Error('expected writes');
    expect(conf.after).to.include("primary_conninfo = 'host=10.0.0.1 port=5433");
    expect(conf.after).to.match(/^primary_slot_name = s1$/m);
    expect(conf.after).to.include("promote_trigger_file = '/tmp/promote'");
    expect(conf.after).to.not.include('recovery_target_time');
    expect(auto.after).to.equal('');
    expect(signal.after).to.equal('');
    expect(stray.after).to.equal(null);
  });

  it('16: promoteTriggerFile is an input error (removed in 16); without it, settings as on 12', async () => {
    const ctx = fixture(16, { [`${D}/postgresql.conf`]: '' });
    const err = await standby.plan(ctx, { ...args, promoteTriggerFile: '/tmp/p' }).catch((e: Error) => e);
    expect(err).to.be.instanceOf(Error);
    expect((err as Error).message).to.match(/promote_trigger_file was removed in 16/);
    const plan = await standby.plan(fixture(16, { [`${D}/postgresql.conf`]: '' }), args);
    expect(paths(plan.actions)).to.include(`write ${D}/standby.signal`);
  });

  it('is ok when everything is in place (the passfile compared for real, unmasked)', async () => {
    const conninfo =
      'host=10.0.0.1 port=5433 user=replicator application_name=db2 passfile=/srv/pg/data.pgpass';
    const ctx = fixture(15, {
      [`${D}/postgresql.conf`]: `primary_conninfo = '${conninfo}'\n`,
      [`${D}/postgresql.auto.conf`]: '',
      [`${D}/standby.signal`]: '',
      '/srv/pg/data.pgpass': '10.0.0.1:5433:*:replicator:pw\\:1\n',
    });
    const plan = await standby.plan(ctx, args);
    expect(plan.actions).to.deep.equal([]);
    expect(plan.reason).to.include('is a standby of 10.0.0.1:5433');
  });

  it('refuses a data dir that is or was a primary: running out of recovery, or no standby.signal/recovery.conf/backup_label', async () => {
    const conf = { [`${D}/postgresql.conf`]: '' };
    const cases: [PlanContext, RegExp][] = [
      [fixture(15, conf, { running: true, inRecovery: false }), /pg_is_in_recovery\(\) = f/],
      [
        fixture(15, { ...conf, [`${D}/backup_label`]: null }),
        /no standby\.signal, recovery\.conf or backup_label/,
      ],
    ];
    for (const [ctx, why] of cases) {
      const err = await standby.plan(ctx, args).catch((e: Error) => e);
      expect(err).to.be.instanceOf(Error);
      expect((err as Error).message).to.match(/^db2: \/srv\/pg\/data is a primary \(/);
      expect((err as Error).message).to.match(why);
      expect((err as Error).message).to.include('fix the inventory so that db2 is the primary');
    }
    const standbyRunning = fixture(
      15,
      { ...conf, [`${D}/standby.signal`]: '' },
      { running: true, inRecovery: true },
    );
    expect((await standby.plan(standbyRunning, args)).actions.length).to.be.greaterThan(0);
  });
});

describe('standby configuration text', () => {
  it('quotes conninfo values the libpq way', () => {
    const c = primaryConninfo({
      host: 'db 1',
      port: 5432,
      user: "o'neil",
      applicationName: 'a\\b',
      passfile: '/p',
    });
    expect(c).to.equal("host='db 1' port=5432 user='o\\'neil' application_name='a\\\\b' passfile=/p");
  });
  it('quotes recovery.conf values with doubled quotes', () => {
    const text = recoveryConf({ conn: { host: 'h', port: 1, user: "u'x", applicationName: 'a' } });
    expect(text).to.include("primary_conninfo = 'host=h port=1 user=''u\\\\''x'' application_name=a'");
  });
  it('refuses a line break in a recovery.conf value (it would leave an unterminated string)', () => {
    const conn = { host: 'h', port: 1, user: 'u', applicationName: 'a' };
    expect(() =>
      recoveryConf({ conn, restoreCommand: "cp %p /a\nrecovery_target_action = 'promote'" }),
    ).to.throw(InputError, /restore_command: the value contains a line break/);
  });
  it('settings per version: promote_trigger_file on 12–15 only', () => {
    const w = { conn: { host: 'h', port: 1, user: 'u', applicationName: 'a' }, promoteTriggerFile: '/t' };
    expect(standbySettings(12, w)).to.have.property('promote_trigger_file', '/t');
    expect(standbySettings(15, w)).to.have.property('promote_trigger_file', '/t');
    expect(() => standbySettings(16, w)).to.throw(/removed in 16/);
  });
  it('puts the default passfile beside the data dir, named after it', () => {
    expect(defaultPassfile('/var/lib/postgresql/15/main/')).to.equal('/var/lib/postgresql/15/main.pgpass');
    expect(defaultPassfile('/data')).to.equal('/data.pgpass');
  });
  it('gives two clusters of one version on one host their own passfiles (Debian: one parent for all)', () => {
    // a shared file let one cluster's setup or removal rewrite the other's password (a flaky rerun, changed=1)
    expect(defaultPassfile('/var/lib/postgresql/15/a')).to.not.equal(
      defaultPassfile('/var/lib/postgresql/15/b'),
    );
  });
});
