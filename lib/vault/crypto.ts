import { createDecipheriv, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';

/** The header every vault text starts with, as Ansible writes it. */
export const VAULT_HEADER = '$ANSIBLE_VAULT';

/** A vault password and the vault id (label) it was given for; `default` when none was named. */
export interface VaultKey {
  label: string;
  password: Buffer;
}

/** Why a vault text could not be read: `format` (damaged or unsupported) or `password` (no key fits). */
export class VaultError extends Error {
  constructor(
    readonly reason: 'format' | 'password',
    message: string,
  ) {
    super(message);
    this.name = 'VaultError';
  }
}

/** What the envelope's header says: `$ANSIBLE_VAULT;1.1;AES256` or `$ANSIBLE_VAULT;1.2;AES256;label`. */
export interface VaultEnvelope {
  version: string;
  cipher: string;
  label?: string;
  /** the hexlified payload, lines joined */
  body: string;
}

/** Whether a text is vault-encrypted (starts with the header, as Ansible's `is_encrypted` checks). */
export function isVaultText(text: string): boolean {
  return text.trimStart().startsWith(VAULT_HEADER);
}

/** Splits the envelope: the header line, then the hexlified payload in lines of 80. */
export function parseEnvelope(text: string): VaultEnvelope {
  const [head = '', ...rest] = text.trim().split(/\r?\n/);
  const parts = head.trim().split(';');
  if (parts[0] !== VAULT_HEADER || parts.length < 3) throw new VaultError('format', 'not a vault header');
  const [, version = '', cipher = '', label] = parts.map((p) => p.trim());
  if (version !== '1.1' && version !== '1.2')
    throw new VaultError('format', `vault format ${version} is not supported (1.1 and 1.2 are)`);
  if (cipher !== 'AES256') throw new VaultError('format', `cipher ${cipher} is not supported (AES256 is)`);
  return { version, cipher, label: label || undefined, body: rest.map((l) => l.trim()).join('') };
}

const unhex = (hex: string, what: string): Buffer => {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) throw new VaultError('format', `${what} is not hexadecimal`);
  return Buffer.from(hex, 'hex');
};

/** The payload: hex of `hex(salt) \n hex(hmac) \n hex(ciphertext)`. */
function parsePayload(body: string): { salt: Buffer; hmac: Buffer; ciphertext: Buffer } {
  const [salt, hmac, ciphertext, ...more] = unhex(body, 'the payload').toString('latin1').split('\n');
  if (salt === undefined || hmac === undefined || ciphertext === undefined || more.length)
    throw new VaultError('format', 'the payload is not salt, HMAC and ciphertext');
  return {
    salt: unhex(salt, 'the salt'),
    hmac: unhex(hmac, 'the HMAC'),
    ciphertext: unhex(ciphertext, 'the ciphertext'),
  };
}

/**
 * AES256 as Ansible's VaultAES256 does it: PBKDF2-SHA256 (10000 iterations) derives 80 bytes — the AES key,
 * the HMAC key and the counter's initial value; the HMAC-SHA256 of the ciphertext is checked first (a wrong
 * password fails there), then AES-256-CTR decrypts and the PKCS#7 padding is removed. Undefined if the
 * password does not fit.
 */
function decryptWith(p: ReturnType<typeof parsePayload>, password: Buffer): Buffer | undefined {
  const key = pbkdf2Sync(password, p.salt, 10000, 80, 'sha256');
  const mac = createHmac('sha256', key.subarray(32, 64)).update(p.ciphertext).digest();
  if (mac.length !== p.hmac.length || !timingSafeEqual(mac, p.hmac)) return undefined;
  const d = createDecipheriv('aes-256-ctr', key.subarray(0, 32), key.subarray(64, 80));
  const padded = Buffer.concat([d.update(p.ciphertext), d.final()]);
  const pad = padded.at(-1) ?? 0;
  if (pad < 1 || pad > 16 || padded.length < pad) throw new VaultError('format', 'bad padding');
  return padded.subarray(0, padded.length - pad);
}

/**
 * Decrypts a vault text (format 1.1 or 1.2). As Ansible does, the key whose label the envelope names is
 * tried first, then every other key. Throws VaultError when the text is damaged or no key fits.
 */
export function decryptVault(text: string, keys: readonly VaultKey[]): { plaintext: Buffer; label: string } {
  const env = parseEnvelope(text);
  const payload = parsePayload(env.body);
  if (keys.length === 0)
    throw new VaultError(
      'password',
      'encrypted with ansible-vault, but no vault password was given (--vault-password-file, --vault-id or --ask-vault-pass)',
    );
  const ordered = [
    ...keys.filter((k) => k.label === env.label),
    ...keys.filter((k) => k.label !== env.label),
  ];
  for (const k of ordered) {
    const plaintext = decryptWith(payload, k.password);
    if (plaintext) return { plaintext, label: k.label };
  }
  const ids = [...new Set(keys.map((k) => k.label))].join(', ');
  throw new VaultError(
    'password',
    `decryption failed: no vault password fits${env.label ? ` (vault id ${env.label})` : ''}; tried ${ids}`,
  );
}
