import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect } from 'chai';
import { decryptVault, parseEnvelope, VaultError } from '../../lib/vault/crypto.js';
import { readPasswordFile } from '../../lib/vault/keys.js';

const dir = resolve('spec/fixtures/vault');
const text = (f: string) => readFileSync(join(dir, f), 'utf8');
const key = (label: string, file: string) => ({ label, password: readPasswordFile(join(dir, file), label) });

function vaultError(f: () => unknown): VaultError {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(VaultError);
    return e as VaultError;
  }
  throw new Error('expected a VaultError');
}

/** Files made by the real ansible-vault (spec/fixtures/vault/make.sh). */
describe('vault: decrypting what ansible-vault wrote', () => {
  it('reads a format 1.1 file (no vault id)', () => {
    expect(parseEnvelope(text('secrets.yml'))).to.include({
      version: '1.1',
      cipher: 'AES256',
      label: undefined,
    });
    const { plaintext, label } = decryptVault(text('secrets.yml'), [key('default', 'default.pass')]);
    expect(label).to.equal('default');
    expect(plaintext.toString()).to.equal(
      'replication_password: "s3cr3t-Repl1cation"\nadmin:\n  password: "nested-Adm1n-secret"\n',
    );
  });

  it('reads a format 1.2 file, trying the key of its vault id first, then the others', () => {
    expect(parseEnvelope(text('prod.yml'))).to.include({ version: '1.2', label: 'prod' });
    const keys = [key('default', 'default.pass'), key('prod', 'prod.pass')];
    expect(decryptVault(text('prod.yml'), keys).plaintext.toString()).to.equal(
      'prod_token: "pr0d-t0ken-value"\n',
    );
    // a key under another label still opens it, as in Ansible (the label is only a hint)
    const relabelled = [{ label: 'other', password: key('prod', 'prod.pass').password }];
    expect(decryptVault(text('prod.yml'), relabelled).label).to.equal('other');
  });

  it('strips blanks around a password file, as Ansible does', () => {
    expect(key('prod', 'prod.pass').password.toString()).to.equal('prod-Pa55word');
  });

  it('refuses a wrong password, and says which vault id it wanted', () => {
    const e = vaultError(() => decryptVault(text('prod.yml'), [key('default', 'wrong.pass')]));
    expect(e.reason).to.equal('password');
    expect(e.message).to.equal('decryption failed: no vault password fits (vault id prod); tried default');
  });

  it('says a password is needed when none was given', () => {
    expect(vaultError(() => decryptVault(text('secrets.yml'), [])).message).to.match(/--vault-password-file/);
  });

  it('refuses a damaged file as a format error, and an unknown version or cipher', () => {
    const damaged = text('secrets.yml').replace(/\n3/, '\nz');
    expect(vaultError(() => decryptVault(damaged, [key('default', 'default.pass')])).reason).to.equal(
      'format',
    );
    const tampered = text('secrets.yml').replace(
      /0a(..)/,
      (_m, x: string) => `0a${x === '66' ? '65' : '66'}`,
    );
    expect(vaultError(() => decryptVault(tampered, [key('default', 'default.pass')])).reason).to.equal(
      'password',
    );
    expect(vaultError(() => parseEnvelope('$ANSIBLE_VAULT;1.0;AES\n00')).message).to.match(/1\.0/);
    expect(vaultError(() => parseEnvelope('$ANSIBLE_VAULT;1.1;AES128\n00')).message).to.match(/AES128/);
  });
});
