import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Inventory } from '../../lib/inventory/index.js';
import {
  emptyInventory,
  groupsMap,
  groupsOf,
  hostVars,
  loadInventory,
  parseIni,
  reconcile,
} from '../../lib/inventory/index.js';

function inventory(text: string): Inventory {
  const inv = emptyInventory();
  parseIni(text, 'hosts', inv);
  reconcile(inv);
  return inv;
}

const NESTED = `
[all:vars]
v=all
[top:children]
mid
[mid:children]
leaf
[leaf]
h1
h2 v=host
[top:vars]
v=top
t=top
[mid:vars]
v=mid
[leaf:vars]
v=leaf
[aaa]
h1
[zzz]
h1
[aaa:vars]
s=aaa
[zzz:vars]
s=zzz
`;

describe('hostVars', () => {
  const inv = inventory(NESTED);

  it('merges all < parent < child < host', () => {
    expect(hostVars(inv, 'h1')).to.include({ v: 'leaf', t: 'top' });
    expect(hostVars(inv, 'h2')).to.include({ v: 'host', t: 'top' });
  });

  it('orders groups of the same depth by name (later wins)', () => {
    expect(hostVars(inv, 'h1').s).to.equal('zzz');
  });

  it('lets ansible_group_priority outrank the name', () => {
    const p = inventory('[aa]\nh\n[bb]\nh\n[aa:vars]\nv=aa\nansible_group_priority=5\n[bb:vars]\nv=bb\n');
    expect(hostVars(p, 'h').v).to.equal('aa');
  });

  it('adds inventory_hostname, inventory_hostname_short and sorted group_names', () => {
    const v = hostVars(inventory('[web]\nweb1.example.com\n'), 'web1.example.com');
    expect(v).to.include({ inventory_hostname: 'web1.example.com', inventory_hostname_short: 'web1' });
    expect(hostVars(inv, 'h1').group_names).to.deep.equal(['aaa', 'leaf', 'mid', 'top', 'zzz']);
  });

  it('puts a host of no group in ungrouped', () => {
    const u = inventory('lone\n[g]\nother\n');
    expect(hostVars(u, 'lone').group_names).to.deep.equal(['ungrouped']);
    expect(groupsOf(u, 'other')).to.deep.equal(['all', 'g']);
  });

  it('gives the groups magic variable with all and ungrouped', () => {
    expect(groupsMap(inventory('lone\n[g:children]\nk\n[k]\nx\n'))).to.deep.equal({
      all: ['lone', 'x'],
      ungrouped: ['lone'],
      g: ['x'],
      k: ['x'],
    });
  });

  it('rejects an unknown host', () => {
    expect(() => hostVars(inv, 'nope')).to.throw("unknown host 'nope'");
  });
});

describe('group_vars and host_vars files', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'inv-'));
    const inv = join(dir, 'inventory');
    const play = join(dir, 'play');
    for (const d of ['group_vars', 'host_vars']) {
      mkdirSync(join(inv, d), { recursive: true });
      mkdirSync(join(play, d), { recursive: true });
    }
    writeFileSync(
      join(inv, 'hosts'),
      '[db]\npg1 inline=host\n[db:vars]\ng=inline\nall_vs_group=group_inline\n',
    );
    writeFileSync(join(inv, 'group_vars/all.yml'), 'all_vs_group: all_file\nlayer: inv_all\n');
    writeFileSync(join(inv, 'group_vars/db.yml'), 'g: inv_file\nlayer: inv_db\n');
    writeFileSync(join(play, 'group_vars/db.yaml'), 'g: play_file\n');
    writeFileSync(join(inv, 'host_vars/pg1'), 'inline: inv_hostfile\nh: inv\n');
    writeFileSync(join(play, 'host_vars/pg1.json'), '{"h": "play"}');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('layers files over inline vars, playbook dir over inventory dir', async () => {
    const inv = await loadInventory([join(dir, 'inventory/hosts')], { playbookDir: join(dir, 'play') });
    expect(hostVars(inv, 'pg1')).to.include({
      g: 'play_file',
      layer: 'inv_db',
      inline: 'inv_hostfile',
      h: 'play',
      // as in Ansible, group_vars/all (a file) beats inline vars of any group
      all_vs_group: 'all_file',
    });
  });
});
