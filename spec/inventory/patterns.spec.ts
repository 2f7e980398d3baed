import { expect } from 'chai';
import { InputError } from '../../lib/errors.js';
import type { Inventory } from '../../lib/inventory/index.js';
import { emptyInventory, parseIni, reconcile, selectHosts, splitPattern } from '../../lib/inventory/index.js';

const INI = `
top1
[web]
weba
webb
web-x.example.com:22
[dbs]
db01
db05
[prod:children]
web
dbs
[stage]
db05
s1
`;

function inventory(text = INI): Inventory {
  const inv = emptyInventory();
  parseIni(text, 'hosts', inv);
  reconcile(inv);
  return inv;
}

describe('selectHosts', () => {
  const inv = inventory();

  it('all and * give every host in Ansible order (ungrouped first, then groups level by level)', () => {
    // checked with `ansible -i <this> all --list-hosts` (ansible-core 2.14.18)
    const all = ['top1', 'db05', 's1', 'weba', 'webb', 'web-x.example.com', 'db01'];
    expect(selectHosts(inv, 'all')).to.deep.equal(all);
    expect(selectHosts(inv, '*')).to.have.members(all);
  });

  it('names a group (with its children) or a host', () => {
    expect(selectHosts(inv, 'prod')).to.deep.equal(['weba', 'webb', 'web-x.example.com', 'db01', 'db05']);
    expect(selectHosts(inv, 'db05')).to.deep.equal(['db05']);
  });

  it('unions with : and , keeping pattern order', () => {
    expect(selectHosts(inv, 'dbs:top1')).to.deep.equal(['db01', 'db05', 'top1']);
    expect(selectHosts(inv, 'top1,dbs')).to.deep.equal(['top1', 'db01', 'db05']);
  });

  it('intersects with & and excludes with !, after the unions', () => {
    expect(selectHosts(inv, 'prod:&stage')).to.deep.equal(['db05']);
    expect(selectHosts(inv, 'prod:!dbs')).to.deep.equal(['weba', 'webb', 'web-x.example.com']);
    expect(selectHosts(inv, '!prod:stage')).to.deep.equal(['s1']);
    expect(selectHosts(inv, '!prod')).to.deep.equal(['top1', 's1']);
  });

  it('matches globs against groups and hosts, and ~regex from the start', () => {
    expect(selectHosts(inv, 'db*')).to.deep.equal(['db01', 'db05']);
    expect(selectHosts(inv, 'web?')).to.deep.equal(['weba', 'webb']);
    expect(selectHosts(inv, '~web[ab]')).to.deep.equal(['weba', 'webb']);
    expect(selectHosts(inv, 'nothing*')).to.deep.equal([]);
  });

  it('takes subscripts of a group', () => {
    expect(selectHosts(inv, 'prod[0]')).to.deep.equal(['weba']);
    expect(selectHosts(inv, 'prod[1:2]')).to.deep.equal(['webb', 'web-x.example.com']);
    expect(selectHosts(inv, 'prod[-1]')).to.deep.equal(['db05']);
  });

  it('knows the implicit localhost', () => {
    expect(selectHosts(inv, 'localhost')).to.deep.equal(['localhost']);
  });

  it('rejects an unknown name with its position', () => {
    const where = { file: 'site.yml', line: 3, col: 10 };
    expect(() => selectHosts(inv, 'prod:nope', where))
      .to.throw(InputError, "site.yml:3:10: unknown host or group 'nope'")
      .with.property('where')
      .that.deep.equals(where);
    expect(() => selectHosts(inv, 'prod:!missing')).to.throw(InputError, "unknown host or group 'missing'");
  });

  it('splits patterns as Ansible does', () => {
    expect(splitPattern('a:b:&c:!d')).to.deep.equal(['a', 'b', '&c', '!d']);
    expect(splitPattern('a, b ,c')).to.deep.equal(['a', 'b', 'c']);
    expect(splitPattern('web[1:3]:db')).to.deep.equal(['web[1:3]', 'db']);
    expect(splitPattern('fe80::1')).to.deep.equal(['fe80::1']);
  });
});
