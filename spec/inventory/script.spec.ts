import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { loadInventory } from '../../lib/inventory/index.js';
import { runCli } from '../helpers/cli.js';

/** Executable inventories; their output is checked against ansible-inventory in fixtures.spec.ts (script-*). */
describe('inventory scripts', function () {
  this.timeout(60_000);
  let dir: string;
  const script = (name: string, body: string, mode = 0o755): string => {
    const path = join(dir, name);
    writeFileSync(path, body);
    chmodSync(path, mode);
    return path;
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rp-invscript-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a failing script is exit 3 with its stderr', async () => {
    const path = script('broken.sh', '#!/bin/sh\necho "cannot reach the CMDB at cmdb.example" >&2\nexit 7\n');
    const r = await runCli(['inventory', '-i', path, '--list']);
    expect(r.code).to.equal(3);
    expect(r.stderr).to.equal(
      `ERROR: ${path}: inventory script --list failed (exit 7):\n    cannot reach the CMDB at cmdb.example\n`,
    );
  });

  it('output that is not JSON, or not an object, is an input error naming the script', async () => {
    const notJson = script('text.sh', '#!/bin/sh\necho "[db]"\n');
    await expectError(loadInventory([notJson]), /text\.sh: inventory script --list: output is not JSON/);
    const list = script('list.sh', '#!/bin/sh\necho "[1, 2]"\n');
    await expectError(loadInventory([list]), /list\.sh: inventory script --list: expected a JSON object/);
  });

  it('a failing --host is an error too', async () => {
    const path = script(
      'host.sh',
      '#!/bin/sh\n[ "$1" = --list ] && echo \'{"db": ["db1"]}\' && exit 0\necho "no such host $2" >&2; exit 1\n',
    );
    await expectError(
      loadInventory([path]),
      /host\.sh: inventory script --host db1 failed \(exit 1\):\n {4}no such host db1/,
    );
  });

  it('reads an executable text file without #! as a plain inventory (Ansible falls back to INI)', async () => {
    const path = script('hosts', '[db]\ndb1 ansible_port=2222\n');
    const inv = await loadInventory([path]);
    expect(inv.hosts.get('db1')?.vars).to.deep.equal({ ansible_port: 2222 });
  });
});

async function expectError(p: Promise<unknown>, re: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect((e as Error).message).to.match(re);
    return;
  }
  throw new Error('expected an error');
}
