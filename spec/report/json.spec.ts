import { expect } from 'chai';
import { exec, writeFile } from '../../lib/model/actions.js';
import { argv } from '../../lib/model/command.js';
import { emptyStats } from '../../lib/model/results.js';
import { jsonReporter } from '../../lib/report/json.js';
import { Secret } from '../../lib/secret.js';

describe('report/json', () => {
  it('collects plays, tasks, host results and stats into one report', () => {
    const r = jsonReporter();
    r.onEvent({ type: 'playbookStart', file: 'site.yml', check: true });
    r.onEvent({ type: 'playStart', name: 'primary', hosts: ['db1'] });
    r.onEvent({ type: 'taskStart', name: 'conf', handler: false });
    r.onEvent({
      type: 'hostResult',
      host: 'db1',
      task: 'conf',
      noLog: false,
      result: {
        status: 'changed',
        actions: [writeFile({ path: '/c', before: 'a\n', after: 'b\n' })],
        reason: 'wal_level differs',
        data: { rows: [1, 2] },
        restartRequired: true,
      },
    });
    r.onEvent({ type: 'taskStart', name: 'restart', handler: true });
    r.onEvent({
      type: 'hostResult',
      host: 'db1',
      task: 'restart',
      noLog: false,
      result: { status: 'ok', actions: [] },
    });
    r.onEvent({ type: 'warning', message: 'careful', host: 'db1' });
    r.onEvent({ type: 'recap', stats: { db1: { ...emptyStats(), ok: 1, changed: 1 } } });
    expect(r.result()).to.deep.equal({
      playbook: 'site.yml',
      check: true,
      plays: [
        {
          name: 'primary',
          hosts: ['db1'],
          tasks: [
            {
              name: 'conf',
              handler: false,
              hosts: {
                db1: {
                  status: 'changed',
                  changes: ['--- before: /c\n+++ after: /c\n@@ -1,1 +1,1 @@\n-a\n+b'],
                  reason: 'wal_level differs',
                  data: { rows: [1, 2] },
                  restartRequired: true,
                },
              },
            },
            { name: 'restart', handler: true, hosts: { db1: { status: 'ok', changes: [] } } },
          ],
        },
      ],
      stats: { db1: { ...emptyStats(), ok: 1, changed: 1 } },
      warnings: ['db1: careful'],
    });
  });

  it('reports loop items and censors no_log results', () => {
    const r = jsonReporter();
    const item = { status: 'failed' as const, actions: [], item: 'x', error: 'no' };
    r.onEvent({
      type: 'hostResult',
      host: 'db1',
      task: 'loop',
      noLog: false,
      result: { status: 'failed', actions: [], results: [item] },
    });
    r.onEvent({
      type: 'hostResult',
      host: 'db2',
      task: 'loop',
      noLog: true,
      result: {
        status: 'changed',
        actions: [writeFile({ path: '/p', before: null, after: 's' })],
        data: { a: 1 },
      },
    });
    const task = r.result().plays[0]?.tasks[0];
    expect(task?.hosts.db1?.items).to.deep.equal([{ item: 'x', status: 'failed', changes: [], error: 'no' }]);
    expect(task?.hosts.db2).to.deep.equal({
      status: 'changed',
      changes: [],
      censored:
        "the output has been hidden due to the fact that 'no_log: true' was specified for this result",
    });
  });

  it('never contains a secret value', () => {
    const pw = new Secret('hunter2');
    const r = jsonReporter();
    r.onEvent({ type: 'taskStart', name: 'user', handler: false });
    r.onEvent({
      type: 'hostResult',
      host: 'db1',
      task: 'user',
      noLog: false,
      result: {
        status: 'failed',
        actions: [exec({ summary: 'set hunter2', cmd: argv(['psql']) })],
        error: 'auth failed for hunter2',
        reason: 'hunter2',
        data: { password: pw, nested: [{ text: 'pw=hunter2' }] },
        item: 'hunter2',
      },
    });
    r.onEvent({ type: 'warning', message: 'leaked hunter2?' });
    const json = JSON.stringify(r.result());
    expect(json).not.to.include('hunter2');
    expect(json).to.include('"password":"***"');
    expect(json).to.include('auth failed for ***');
  });
});
