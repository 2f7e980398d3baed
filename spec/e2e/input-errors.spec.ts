import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runCli } from '../helpers/cli.js';

/**
 * Bad input: exit code 3, one message naming file:line:col and what was expected, no stack trace, and no
 * connection opened. The inventory's host is a TCP listener that counts connection attempts.
 */
describe('e2e: bad input is refused before any host is contacted', function () {
  this.timeout(60_000);
  let dir: string;
  let server: Server;
  let attempts = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rp-input-'));
    server = createServer((s) => {
      attempts++;
      s.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    writeFileSync(
      join(dir, 'hosts'),
      `[db]\ndb1 ansible_host=127.0.0.1 ansible_port=${port} ansible_user=root\n`,
    );
    writeFileSync(
      join(dir, 'hosts.yml'),
      `all:\n  children:\n    db:\n      hosts:\n        db1:\n          ansible_host: 127.0.0.1\n          ansible_port: [${port}, ${port}]\n`,
    );
    writeFileSync(
      join(dir, 'pgport.yml'),
      `all:\n  children:\n    db:\n      hosts:\n        db1:\n          ansible_host: 127.0.0.1\n          ansible_port: ${port}\n          pg_port: [5432, 5433]\n`,
    );
    writeFileSync(
      join(dir, 'newline.yml'),
      `all:\n  children:\n    db:\n      hosts:\n        db1:\n          ansible_host: "127.0.0.1\\n  ProxyCommand touch ${dir}/pwned"\n          ansible_port: ${port}\n`,
    );
  });

  after(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const cases: { name: string; playbook: string; args?: string[]; expect: RegExp }[] = [
    {
      name: 'malformed YAML',
      playbook: '- hosts: db\n  tasks:\n    - file: { path: /tmp/x\n',
      expect: /play\.yml:\d+:\d+: .+/,
    },
    {
      name: 'an unknown play keyword',
      playbook: '- hosts: db\n  taskz: []\n',
      expect: /play\.yml:2:3: .*taskz.*did you mean 'tasks'/,
    },
    {
      name: 'an unknown task',
      playbook: '- hosts: db\n  tasks:\n    - ensureLin: { path: /tmp/x, line: a }\n',
      expect: /play\.yml:3:7: .*ensureLin.*did you mean 'ensureLine'/,
    },
    {
      name: 'a wrong argument type',
      playbook: '- hosts: db\n  tasks:\n    - file: { path: [1, 2] }\n',
      expect: /play\.yml:3:\d+: .*path.*string/,
    },
    {
      name: 'a missing variable',
      playbook: '- hosts: db\n  tasks:\n    - file: { path: "/tmp/{{ nope }}", content: x }\n',
      expect: /play\.yml:3:\d+: .*nope/,
    },
    {
      name: 'an unknown host pattern',
      playbook: '- hosts: dbz\n  tasks: []\n',
      expect: /play\.yml:1:\d+: .*dbz/,
    },
    {
      name: 'an unknown host pattern, at its hosts: line',
      playbook: '- name: x\n  hosts: dbz\n  tasks: []\n',
      expect: /play\.yml:2:\d+: .*dbz/,
    },
    {
      name: 'a notify naming no handler, at its notify: line',
      playbook:
        '- hosts: db\n  tasks:\n    - name: t\n      file: { path: /tmp/x, state: absent }\n      notify: nope\n',
      expect: /play\.yml:5:\d+: notify: no handler named 'nope'/,
    },
    {
      name: 'a when that renders to a string that is not a boolean, at its when: line',
      playbook:
        '- hosts: db\n  vars: { flag: "yes" }\n  tasks:\n    - file: { path: /tmp/x, state: absent }\n      when: "{{ flag }}"\n',
      expect: /play\.yml:5:\d+: when: expected a boolean/,
    },
    {
      name: 'a loop over something that is not a list, at its loop: line',
      playbook:
        '- hosts: db\n  vars: { names: abc }\n  tasks:\n    - file: { path: "/tmp/{{ item }}", state: absent }\n      loop: "{{ names }}"\n',
      expect: /play\.yml:5:\d+: loop: expected a list/,
    },
    {
      name: 'an argument that is only wrong once rendered (an empty password)',
      playbook:
        '- hosts: db\n  vars: { pw: "" }\n  tasks:\n    - ensureUser: { name: rep, password: "{{ pw }}" }\n',
      expect: /play\.yml:4:\d+: ensureUser: .*password/,
    },
    {
      name: 'an hbaRule option with a line break (a pg_hba injection)',
      playbook:
        '- hosts: db\n  vars: { m: "x\\nhost all all 0.0.0.0/0 trust" }\n  tasks:\n    - hbaRule: { type: host, database: all, user: all, address: 10.0.0.0/8, method: md5, options: { map: "{{ m }}" } }\n',
      expect: /play\.yml:4:\d+: hbaRule: .*options/,
    },
    {
      name: 'a setConf value with a line break',
      playbook:
        '- hosts: db\n  vars: { n: "x\\nfsync = off" }\n  tasks:\n    - setConf: { settings: { application_name: "{{ n }}" } }\n',
      expect: /play\.yml:4:\d+: setConf: settings\.application_name: must not contain a line break/,
    },
    {
      name: 'a port that is a list in a YAML inventory',
      playbook: '- hosts: db\n  tasks: []\n',
      args: ['-i', 'hosts.yml'],
      expect: /hosts\.yml:7:25: host db1: ansible_port must be a port number/,
    },
    {
      name: 'a pg_port that is a list in a YAML inventory',
      playbook: '- hosts: db\n  tasks:\n    - setConf: { settings: { work_mem: 8MB } }\n',
      args: ['-i', 'pgport.yml'],
      expect: /pgport\.yml:8:20: host db1: pg_port must be a port number \(1-65535\), got a list/,
    },
    {
      name: 'a newline in ansible_host (an injected ProxyCommand)',
      playbook: '- hosts: db\n  tasks:\n    - file: { path: /tmp/x, state: absent }\n',
      args: ['-i', 'newline.yml'],
      expect: /db1: ansible_host/,
    },
    {
      name: 'a missing inventory file',
      playbook: '- hosts: db\n  tasks: []\n',
      args: ['-i', 'nosuch.ini'],
      expect: /nosuch\.ini/,
    },
  ];

  for (const c of cases) {
    it(`${c.name}: exit 3, position, no stack, no connection`, async () => {
      writeFileSync(join(dir, 'play.yml'), c.playbook);
      const before = attempts;
      const r = await runCli(['play.yml', ...(c.args ?? ['-i', 'hosts'])], { cwd: dir });
      expect(r.code, r.stdout + r.stderr).to.equal(3);
      expect(r.stderr).to.match(c.expect);
      expect(r.stderr).not.to.match(/\n\s+at /);
      expect(r.stderr.trim().split('\n')).to.have.length(1);
      expect(attempts).to.equal(before);
    });
  }
});
