import { Writable } from 'node:stream';
import { expect } from 'chai';
import { exec, writeFile } from '../../lib/model/actions.js';
import { argv } from '../../lib/model/command.js';
import type { RunEvent } from '../../lib/model/events.js';
import { emptyStats, type TaskResult } from '../../lib/model/results.js';
import { type ConsoleOptions, consoleReporter } from '../../lib/report/console.js';
import { Secret } from '../../lib/secret.js';

function run(events: RunEvent[], opts: Partial<Omit<ConsoleOptions, 'out'>> = {}): string {
  let text = '';
  const out = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  const r = consoleReporter({ out, verbosity: 0, diff: false, check: false, ...opts });
  for (const e of events) r.onEvent(e);
  return text;
}

const result = (status: TaskResult['status'], extra: Partial<TaskResult> = {}): TaskResult => ({
  status,
  actions: [],
  ...extra,
});
const hostResult = (host: string, r: TaskResult, noLog = false): RunEvent => ({
  type: 'hostResult',
  host,
  task: 't',
  result: r,
  noLog,
});
const change = writeFile({ path: '/etc/a.conf', before: 'a\nb\n', after: 'a\nB\n' });

describe('report/console', () => {
  it('draws banners 80 columns wide and one status line per host', () => {
    const text = run([
      { type: 'playStart', name: 'Probe play', hosts: ['db1'] },
      { type: 'taskStart', name: 'write', handler: false },
      hostResult('db1', result('ok')),
      hostResult('db2', result('changed')),
      hostResult('db3', result('skipped')),
      { type: 'taskStart', name: 'restart', handler: true },
      hostResult('db1', result('failed', { error: 'boom', ignored: true })),
      hostResult('db2', result('unreachable', { error: 'ssh: connect refused' })),
    ]);
    expect(text).to.equal(
      [
        '',
        `PLAY [Probe play] ${'*'.repeat(62)}`,
        '',
        `TASK [write] ${'*'.repeat(67)}`,
        'ok: [db1]',
        'changed: [db2]',
        'skipping: [db3]',
        '',
        `RUNNING HANDLER [restart] ${'*'.repeat(54)}`,
        'fatal: [db1]: FAILED! => boom',
        '...ignoring',
        'fatal: [db2]: UNREACHABLE! => ssh: connect refused',
        '',
      ].join('\n'),
    );
    expect(text.split('\n')[1]).to.have.length(80);
  });

  it('prints the diff before the status line under --diff, and loop items', () => {
    const text = run(
      [
        hostResult('db1', result('changed', { actions: [change] })),
        hostResult(
          'db1',
          result('changed', {
            results: [result('changed', { item: 'x' }), result('ok', { item: { n: 1 } })],
          }),
        ),
      ],
      { diff: true },
    );
    expect(text).to.equal(
      [
        '--- before: /etc/a.conf',
        '+++ after: /etc/a.conf',
        '@@ -1,2 +1,2 @@',
        ' a',
        '-b',
        '+B',
        '',
        'changed: [db1]',
        'changed: [db1] => (item=x)',
        'ok: [db1] => (item={"n":1})',
        '',
      ].join('\n'),
    );
  });

  it('reports a failed loop item, then the loop as failed', () => {
    const items = [result('ok', { item: 'a' }), result('failed', { item: 'b', error: 'no such file' })];
    const text = run([hostResult('db1', result('failed', { results: items }))]);
    expect(text).to.equal(
      [
        'ok: [db1] => (item=a)',
        'failed: [db1] (item=b) => no such file',
        'fatal: [db1]: FAILED! => One or more items failed',
        '',
      ].join('\n'),
    );
  });

  it('colours a diff as Ansible does', () => {
    const text = run([hostResult('db1', result('changed', { actions: [change] }))], {
      diff: true,
      color: true,
    });
    expect(text).to.include(
      '\u001b[0;31m--- before: /etc/a.conf\u001b[0m\n\u001b[0;32m+++ after: /etc/a.conf\u001b[0m',
    );
    expect(text).to.include('\u001b[0;36m@@ -1,2 +1,2 @@\u001b[0m\n a\n\u001b[0;31m-b\u001b[0m');
  });

  it('labels a prediction in the diff of a check run', () => {
    const restart = exec({
      summary: 'restart postgresql',
      cmd: argv(['true']),
      prediction: 'server restarts',
    });
    const text = run(
      [
        { type: 'playbookStart', file: 'site.yml', check: true },
        { type: 'playStart', name: 'p', hosts: [] },
        hostResult('db1', result('changed', { actions: [restart], check: true })),
      ],
      { diff: true, check: true },
    );
    expect(text).to.include(`PLAY [p] [CHECK MODE] ***`);
    expect(text).to.include('run: restart postgresql\n  (prediction) server restarts\n\nchanged: [db1]\n');
  });

  it('prints the PLAY RECAP with aligned columns', () => {
    const text = run([
      {
        type: 'recap',
        stats: {
          db1: { ...emptyStats(), ok: 3, changed: 1 },
          'standby-with-a-long-name.example.com': { ...emptyStats(), ok: 12, failed: 1 },
        },
      },
    ]);
    const pad = ' '.repeat(33);
    expect(text).to.equal(
      [
        '',
        `PLAY RECAP ${'*'.repeat(69)}`,
        `db1${pad} : ok=3    changed=1    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   `,
        'standby-with-a-long-name.example.com : ok=12   changed=0    unreachable=0    failed=1    skipped=0    rescued=0    ignored=0   ',
        '',
        '',
      ].join('\n'),
    );
  });

  it('uses Ansible colours only when color is true', () => {
    const events: RunEvent[] = [
      hostResult('db1', result('ok')),
      hostResult('db1', result('changed')),
      hostResult('db1', result('skipped')),
      hostResult('db1', result('failed', { error: 'x' })),
      { type: 'recap', stats: { db1: { ...emptyStats(), ok: 1 } } },
    ];
    const colored = run(events, { color: true });
    expect(colored).to.include('\u001b[0;32mok: [db1]\u001b[0m');
    expect(colored).to.include('\u001b[0;33mchanged: [db1]\u001b[0m');
    expect(colored).to.include('\u001b[0;36mskipping: [db1]\u001b[0m');
    expect(colored).to.include('\u001b[0;31mfatal: [db1]: FAILED! => x\u001b[0m');
    expect(colored).to.include(
      `\u001b[0;32mdb1\u001b[0m${' '.repeat(23)} : \u001b[0;32mok=1   \u001b[0m changed=0`,
    );
    expect(run(events, { color: false })).not.to.include('\u001b[');
  });

  it('hides no_log results and their diff', () => {
    const text = run([hostResult('db1', result('changed', { actions: [change], reason: 'r' }), true)], {
      diff: true,
      verbosity: 3,
    });
    expect(text).to.equal(
      `changed: [db1] => {"censored": "the output has been hidden due to the fact that 'no_log: true' was specified for this result"}\n`,
    );
  });

  it('shows reasons and commands with -v, warnings and no-hosts always', () => {
    const events: RunEvent[] = [
      hostResult('db1', result('ok', { reason: 'already present' })),
      { type: 'command', host: 'db1', display: 'psql -X' },
      { type: 'warning', message: 'deprecated' },
      { type: 'noHosts', play: 'p' },
      { type: 'progress', host: 'db2', message: '42%' },
    ];
    expect(run(events, { verbosity: 1 })).to.equal(
      [
        'ok: [db1] => already present',
        '<db1> $ psql -X',
        '[WARNING]: deprecated',
        'skipping: no hosts matched',
        'progress: [db2] 42%',
        '',
      ].join('\n'),
    );
    expect(run(events)).to.equal(
      ['ok: [db1]', '[WARNING]: deprecated', 'skipping: no hosts matched', 'progress: [db2] 42%', ''].join(
        '\n',
      ),
    );
  });

  it('never prints a secret value', () => {
    new Secret('hunter2');
    const text = run(
      [
        { type: 'taskStart', name: 'user hunter2', handler: false },
        hostResult(
          'db1',
          result('changed', { actions: [exec({ summary: 'pw hunter2', cmd: argv(['x']) })] }),
        ),
        hostResult('db2', result('failed', { error: 'bad password hunter2' })),
        { type: 'command', host: 'db1', display: 'echo hunter2' },
        { type: 'warning', message: 'hunter2' },
      ],
      { diff: true, verbosity: 2, color: true },
    );
    expect(text).to.include('pw ***');
    expect(text).not.to.include('hunter2');
  });
});
