import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { InputError } from '../../lib/errors.js';
import { emptyInventory, loadInventory, parseIni, parseYamlInventory } from '../../lib/inventory/index.js';

function iniError(text: string): InputError {
  try {
    parseIni(text, 'hosts', emptyInventory());
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

function yamlError(text: string): InputError {
  try {
    parseYamlInventory(text, 'hosts.yml', emptyInventory());
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('inventory errors', () => {
  it('points at a bad host variable', () => {
    const e = iniError('[db]\n  pg1 port 5432\n');
    expect(e.where).to.deep.equal({ file: 'hosts', line: 2, col: 7 });
    expect(e.detail).to.equal("expected key=value host variable, found 'port'");
  });

  it('rejects a ; comment after a host (Ansible does too)', () => {
    expect(iniError('[db]\npg1 ; primary\n').where).to.include({ line: 2 });
  });

  it('rejects bad sections and unknown section types', () => {
    expect(iniError('[db ]\n').message).to.match(/^hosts:1:1: invalid section/);
    expect(iniError('\n[db:hostz]\n').message).to.contain('hosts:2:1: section [db:hostz] has unknown type');
  });

  it('rejects vars without =, open quotes and bad ranges', () => {
    expect(iniError('[g:vars]\nnovalue\n').message).to.equal(
      "hosts:2:1: expected key=value, found 'novalue'",
    );
    expect(iniError('h a="open\n').message).to.contain(
      'hosts:1:1: cannot parse host line: No closing quotation',
    );
    expect(iniError('db[01:3]\n').message).to.contain('equal-length');
  });

  it('rejects children or vars of groups never defined', () => {
    expect(iniError('[p:children]\nghost\n').message).to.equal(
      "hosts:2:1: section [p:children] includes undefined group 'ghost'",
    );
    expect(iniError('[ghost:vars]\na=1\n').message).to.contain('hosts:1:1:');
  });

  it('rejects a group loop', () => {
    expect(iniError('[a:children]\nb\n[b:children]\na\n').detail).to.contain('loop');
  });

  it('gives YAML syntax errors and bad structure with positions', () => {
    expect(yamlError('all:\n  hosts: [a, b\n').where).to.include({ file: 'hosts.yml' });
    const e = yamlError('all:\n  children:\n    web:\n      hosts: [a, b]\n');
    expect(e.where).to.deep.equal({ file: 'hosts.yml', line: 4, col: 14 });
    expect(yamlError('all:\n  hostz:\n    a:\n').detail).to.contain("unexpected key 'hostz'");
    expect(yamlError('all:\n  hosts:\n    1234:\n').detail).to.contain('must be a string');
  });

  it('reports a missing source and a bad file with its path', async () => {
    let err: unknown;
    try {
      await loadInventory(['/nonexistent/inventory']);
    } catch (e) {
      err = e;
    }
    expect(err)
      .to.be.instanceOf(InputError)
      .with.property('message')
      .that.contains('inventory source not found');
    const dir = mkdtempSync(join(tmpdir(), 'inv-'));
    try {
      writeFileSync(join(dir, 'bad.yml'), 'all:\n  vars: {a: 1\n');
      const e = await loadInventory([join(dir, 'bad.yml')]).catch((x: unknown) => x);
      expect(e).to.be.instanceOf(InputError);
      expect((e as InputError).where?.file).to.equal(join(dir, 'bad.yml'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
