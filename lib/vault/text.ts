import { InputError, type Position } from '../errors.js';
import { markSecret } from '../secret.js';
import { decryptVault, isVaultText, VaultError } from './crypto.js';
import { vaultKeys } from './keys.js';

/** Decrypts a vault text with the run's vault passwords; a wrong password or a damaged text is an InputError at `where`. */
export function decryptAt(text: string, where: Position): string {
  try {
    return decryptVault(text, vaultKeys()).plaintext.toString('utf8');
  } catch (e) {
    if (e instanceof VaultError) throw new InputError(`vault: ${e.message}`, where);
    throw e;
  }
}

/**
 * A file's text, decrypted when the whole file is vault-encrypted (`encrypted` is then true, and its values
 * are secrets: pass the parsed data to {@link markSecretLeaves}).
 */
export function fileText(text: string, file: string): { text: string; encrypted: boolean } {
  if (!isVaultText(text)) return { text, encrypted: false };
  return { text: decryptAt(text, { file }), encrypted: true };
}

/** Registers every string in decrypted data as a secret, so every output masks it. */
export function markSecretLeaves(data: unknown): void {
  if (typeof data === 'string') markSecret(data);
  else if (Array.isArray(data)) for (const x of data) markSecretLeaves(x);
  else if (data && typeof data === 'object') for (const x of Object.values(data)) markSecretLeaves(x);
}
