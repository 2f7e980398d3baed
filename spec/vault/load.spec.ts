import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'chai';
import { InputError } from '../../lib/errors.js';
import { loadInventory, toAnsibleList } from '../../lib/inventory/index.js';
import { loadPlaybook } from '../../lib/playbook/index.js';
import { redact } from '../../lib/secret.js';
import { registry } from '../../lib/tasks/registry.js';
import { readPasswordFile, setVaultKeys } from '../../lib/vault/keys.js';

const dir = resolve('spec/fixtures/vault');
const key = (label: string, file: string) => ({ label, password: readPasswordFile(join(dir, file), label) });

async function inputError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(InputError);
    return (e as Error).message.replace(`${dir}/`, '');
  }
  throw new Error('expected an InputError');
}

/** Vault-encrypted group_vars, inline !vault values and vars_files, read with the run's vault passwords. */
describe('vault: encrypted variables in inventories and playbooks', () => {
  afterEach(() => setVaultKeys([]));

  it('lists the inventory as ansible-inventory does: encrypted group_vars read, inline values still encrypted', async () => {
    setVaultKeys([key('default', 'default.pass'), key('prod', 'prod.pass')]);
    const inv = await loadInventory([join(dir, 'inventory/hosts')]);
    const expected = JSON.parse(readFileSync(join(dir, 'inventory/expected.json'), 'utf8'));
    expect(toAnsibleList(inv)).to.deep.equal(expected);
    expect(inv.hosts.get('db1')?.fileVars?.inventory).to.include({ host_secret: 'h0st-Inline-secret' });
  });

  it('reads a whole encrypted inventory file as ansible-inventory does; its values are secrets', async () => {
    setVaultKeys([key('default', 'default.pass')]);
    const inv = await loadInventory([join(dir, 'encrypted-inventory.yml')]);
    const expected = JSON.parse(readFileSync(join(dir, 'encrypted-inventory.json'), 'utf8'));
    expect(toAnsibleList(inv)).to.deep.equal(expected);
    expect(redact('inv3ntory-Secret')).to.equal('***');
  });

  it('makes every decrypted value a secret that outputs mask', async () => {
    setVaultKeys([key('default', 'default.pass'), key('prod', 'prod.pass')]);
    await loadInventory([join(dir, 'inventory/hosts')]);
    expect(redact('a gr0up-Secret-value b h0st-Inline-secret c')).to.equal('a *** b *** c');
    expect(redact('correct horse battery staple')).to.equal('***');
  });

  it('reads encrypted vars_files and inline values of a playbook', async () => {
    setVaultKeys([key('default', 'default.pass')]);
    const [play] = await loadPlaybook(join(dir, 'site.yml'), registry);
    expect(play?.vars).to.include({ play_secret: 'pl4y-Secret-value', inline_secret: 'inl1ne-Play-secret' });
    expect(redact('pl4y-Secret-value inl1ne-Play-secret')).to.equal('*** ***');
  });

  it('an extension-less YAML inventory with an inline value it cannot open says so, not an INI error', async () => {
    const inv = join(dir, 'inventory/host_vars/db1.yml');
    const text = readFileSync(inv, 'utf8')
      .replace(/^plain_var.*\n/, '')
      .replace(/^host_secret:/m, 'all:\n  vars:\n    host_secret:');
    const file = join(tmpdir(), `rp-vault-inv-${process.pid}`);
    writeFileSync(file, text.replace(/^ {10}/gm, '            '));
    try {
      expect(await inputError(loadInventory([file]))).to.match(/:3:18: vault: .*no vault password was given/);
    } finally {
      rmSync(file, { force: true });
    }
  });

  it('a wrong password names the file (and the position of an inline value)', async () => {
    setVaultKeys([key('default', 'wrong.pass')]);
    expect(await inputError(loadInventory([join(dir, 'inventory/hosts')]))).to.equal(
      'inventory/group_vars/db.yml: vault: decryption failed: no vault password fits; tried default',
    );
    expect(await inputError(loadPlaybook(join(dir, 'site.yml'), registry))).to.equal(
      'site.yml:5:20: vault: decryption failed: no vault password fits; tried default',
    );
  });
});
