import type { ScalarTag } from 'yaml';
import { markSecret } from '../secret.js';
import { decryptVault, VaultError } from '../vault/crypto.js';
import { vaultKeys } from '../vault/keys.js';

const envelopes = new Map<string, string>();

/** The vault text an inline `!vault` value was decrypted from, for listings that show it as Ansible does. */
export function inlineVaultText(plain: string): string | undefined {
  return envelopes.get(plain);
}

/** The code the yaml package gives a tag's resolve error, so parsers can report it without "invalid YAML". */
export const VAULT_ERROR_CODE = 'TAG_RESOLVE_FAILED';

/**
 * Ansible's `!vault |` tag: the value is decrypted when the file is read, with the run's vault passwords, and
 * becomes a secret (masked in every output). A wrong password is reported at the value's position.
 */
export const vaultTag: ScalarTag = {
  tag: '!vault',
  identify: () => false,
  resolve(text, onError) {
    try {
      const plain = decryptVault(text, vaultKeys()).plaintext.toString('utf8');
      markSecret(plain);
      envelopes.set(plain, text);
      return plain;
    } catch (e) {
      if (!(e instanceof VaultError)) throw e;
      onError(`vault: ${e.message}`);
      return '';
    }
  },
};
