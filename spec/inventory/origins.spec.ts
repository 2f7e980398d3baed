import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { formatPosition } from '../../lib/errors.js';
import { loadInventory } from '../../lib/inventory/index.js';
import { inventoryVarOrigin } from '../../lib/inventory/vars.js';

describe('inventory: where each variable was set', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rp-origins-'));
    writeFileSync(
      join(dir, 'hosts'),
      '[db]\ndb1 ansible_host=10.0.0.1  pg_port=5433\ndb2\n\n[db:vars]\npg_port=5432\npg_cluster=main\n',
    );
    writeFileSync(
      join(dir, 'hosts.yml'),
      'all:\n  vars:\n    pg_version: 15\n  children:\n    web:\n      hosts:\n        web1:\n          ansible_port: 2222\n',
    );
    mkdirSync(join(dir, 'group_vars'));
    mkdirSync(join(dir, 'host_vars'));
    writeFileSync(join(dir, 'group_vars', 'db.yml'), '# db\npg_data_dir: /srv/pg\n');
    writeFileSync(join(dir, 'host_vars', 'db2.yml'), 'pg_data_dir:\n  - not a path\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const where = async (host: string, name: string) => {
    const inv = await loadInventory([join(dir, 'hosts'), join(dir, 'hosts.yml')]);
    const p = inventoryVarOrigin(inv, host, name);
    return p && formatPosition({ ...p, file: p.file.slice(dir.length + 1) });
  };

  it('an INI host variable: its line and the column of its key=value word', async () => {
    expect(await where('db1', 'pg_port')).to.equal('hosts:2:28');
    expect(await where('db1', 'ansible_host')).to.equal('hosts:2:5');
  });

  it('an INI group variable, where no host sets it', async () => {
    expect(await where('db2', 'pg_port')).to.equal('hosts:6:1');
    expect(await where('db1', 'pg_cluster')).to.equal('hosts:7:1');
  });

  it('a YAML host and group variable: the position of the value', async () => {
    expect(await where('web1', 'ansible_port')).to.equal('hosts.yml:8:25');
    expect(await where('db1', 'pg_version')).to.equal('hosts.yml:3:17');
  });

  it('the winning layer: a host_vars file over a group_vars file', async () => {
    expect(await where('db1', 'pg_data_dir')).to.equal('group_vars/db.yml:2:14');
    expect(await where('db2', 'pg_data_dir')).to.equal('host_vars/db2.yml:2:3');
  });

  it('a variable the inventory does not set has no position', async () => {
    expect(await where('db1', 'pg_bin_dir')).to.equal(undefined);
  });
});
