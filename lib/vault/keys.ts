import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { InputError, UsageError } from '../errors.js';
import { markSecret } from '../secret.js';
import type { VaultKey } from './crypto.js';

let keys: VaultKey[] = [];

/** Sets the vault passwords every later read of an encrypted file or `!vault` value uses (once per run). */
export function setVaultKeys(k: readonly VaultKey[]): void {
  for (const key of k) markSecret(key.password.toString('utf8'));
  keys = [...k];
}

/** The vault passwords set by {@link setVaultKeys}. */
export function vaultKeys(): readonly VaultKey[] {
  return keys;
}

const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

function checked(password: Buffer, source: string): Buffer {
  if (password.length === 0) throw new InputError(`${source}: the vault password is empty`);
  return password;
}

/**
 * A vault password from a file, as Ansible reads it: its content without surrounding blanks; an executable
 * file is run instead and its stdout is the password (a `*-client` script is given `--vault-id LABEL`).
 */
export function readPasswordFile(path: string, label: string): Buffer {
  if (!existsSync(path)) throw new InputError(`vault password file not found: ${path}`, { file: path });
  if (!executable(path)) {
    return checked(Buffer.from(readFileSync(path, 'utf8').trim(), 'utf8'), path);
  }
  const client = basename(path, extname(path)).endsWith('-client');
  try {
    // a plain script may prompt on stderr, so only a client script's stderr is kept (as Ansible does)
    const out = execFileSync(path, client ? ['--vault-id', label] : [], {
      stdio: ['inherit', 'pipe', client ? 'pipe' : 'inherit'],
    });
    return checked(Buffer.from(out.toString('utf8').replace(/^[\r\n]+|[\r\n]+$/g, ''), 'utf8'), path);
  } catch (e) {
    const err = e as { status?: number; stderr?: Buffer | null };
    const said = err.stderr?.toString().trim();
    const why = `vault password script failed (exit ${err.status ?? '?'})${said ? `: ${said}` : ''}`;
    throw new InputError(why, { file: path });
  }
}

// The shell turns echo off, reads one line and always turns echo back on, even when interrupted.
const PROMPT = `trap 'stty echo' EXIT; trap 'stty echo; exit 130' INT TERM
stty -echo; printf '%s' "$1" >&2; IFS= read -r p; s=$?; printf '\\n' >&2; printf '%s' "$p"; exit $s`;

/** Asks for a vault password on the terminal without echo; refused when stdin is not a terminal. */
export function promptPassword(label: string): Buffer {
  if (!process.stdin.isTTY)
    throw new UsageError(
      '--ask-vault-pass needs a terminal on stdin; use --vault-password-file FILE instead',
    );
  const prompt = label === 'default' ? 'Vault password: ' : `Vault password (${label}): `;
  const out = execFileSync('sh', ['-c', PROMPT, 'sh', prompt], { stdio: ['inherit', 'pipe', 'inherit'] });
  return checked(out, 'the prompt');
}

/** Where the vault passwords come from, as the CLI flags and ansible.cfg say. */
export interface VaultSources {
  /** `--vault-id [label@]file|prompt`, repeatable */
  ids: string[];
  /** `--vault-password-file FILE`, repeatable (label `default`) */
  passwordFiles: string[];
  /** `--ask-vault-pass` (label `default`) */
  ask: boolean;
}

/** Reads every vault password the sources name, in Ansible's order: --vault-id, then password files, then the prompt. */
export function loadVaultKeys(s: VaultSources): VaultKey[] {
  const out: VaultKey[] = [];
  for (const spec of s.ids) {
    const at = spec.indexOf('@');
    const label = at > 0 ? spec.slice(0, at) : 'default';
    const source = at > 0 ? spec.slice(at + 1) : spec;
    if (!source) throw new UsageError(`--vault-id: expected LABEL@FILE or LABEL@prompt, got '${spec}'`);
    out.push({
      label,
      password: source === 'prompt' ? promptPassword(label) : readPasswordFile(source, label),
    });
  }
  for (const f of s.passwordFiles) out.push({ label: 'default', password: readPasswordFile(f, 'default') });
  if (s.ask) out.push({ label: 'default', password: promptPassword('default') });
  return out;
}
