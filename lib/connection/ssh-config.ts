import { chmod, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import SSHConfig from 'ssh-config';
import { InputError } from '../errors.js';
import { strVar } from './vars.js';

/** One host's part of the per-run ssh config: directives for its `Host` block, and flags for the command line. */
export interface HostSsh {
  directives: [string, string][];
  flags: string[];
}

/** ssh flags that take a value, so `-J bastion` stays one unit. */
const FLAGS_WITH_ARG = new Set('BbcDEeFIiJLlmOoPpQRSWw'.split(''));

/** Reads a quoted run starting at `i` (the quote); returns its text and the index of the closing quote. */
function quoted(s: string, i: number): [string, number] {
  const q = s[i];
  let text = '';
  for (let j = i + 1; j < s.length; j++) {
    const c = s[j] as string;
    if (c === q) return [text, j];
    // inside "…" a backslash escapes only " \ $ `; inside '…' nothing is special
    if (q === '"' && c === '\\' && /["\\$`]/.test(s[j + 1] ?? '')) text += s[++j];
    else text += c;
  }
  throw new InputError(`unterminated ${q} in ssh arguments: ${s}`);
}

/** Splits a command-line string into words the way a POSIX shell would (quotes and backslashes; no expansion). */
export function shellWords(s: string): string[] {
  const words: string[] = [];
  let cur: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (/\s/.test(c)) {
      if (cur !== undefined) words.push(cur);
      cur = undefined;
    } else if (c === "'" || c === '"') {
      const [text, end] = quoted(s, i);
      cur = (cur ?? '') + text;
      i = end;
    } else if (c === '\\' && i + 1 < s.length) {
      cur = (cur ?? '') + s[++i];
    } else cur = (cur ?? '') + c;
  }
  if (cur !== undefined) words.push(cur);
  return words;
}

/** `Key=Value` or `Key Value` from an `-o` option. */
function optionPair(opt: string): [string, string] {
  const m = /^\s*([A-Za-z][A-Za-z0-9]*)\s*(?:=\s*|\s+)(.*)$/s.exec(opt);
  if (!m) throw new InputError(`ssh option "-o ${opt}" is not Key=Value`);
  return [m[1] as string, (m[2] as string).trim()];
}

/** Splits `ansible_ssh_common_args`-style text into `-o` directives and other flags. */
export function parseSshArgs(text: string): HostSsh {
  const out: HostSsh = { directives: [], flags: [] };
  const words = shellWords(text);
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    if (w === '-o' || (w.startsWith('-o') && w.length > 2)) {
      const opt = w === '-o' ? words[++i] : w.slice(2);
      if (opt === undefined) throw new InputError(`ssh arguments end in -o: ${text}`);
      out.directives.push(optionPair(opt));
    } else {
      out.flags.push(w);
      const letter = w.length === 2 && w.startsWith('-') ? w[1] : undefined;
      if (letter && FLAGS_WITH_ARG.has(letter) && i + 1 < words.length) out.flags.push(words[++i] as string);
    }
  }
  return out;
}

/** First defined of several variable names (the old `ansible_ssh_*` spellings are still found in inventories). */
function pick(vars: Record<string, unknown>, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = strVar(vars, k);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** The directives and flags one host's inventory variables ask for, in ssh's first-value-wins order. */
export function hostSsh(vars: Record<string, unknown>): HostSsh {
  const d: [string, string][] = [];
  const host = pick(vars, 'ansible_host', 'ansible_ssh_host');
  const port = pick(vars, 'ansible_port', 'ansible_ssh_port');
  const user = pick(vars, 'ansible_user', 'ansible_ssh_user');
  const key = pick(vars, 'ansible_ssh_private_key_file', 'ansible_private_key_file');
  if (host) d.push(['HostName', host]);
  if (port) d.push(['Port', port]);
  if (user) d.push(['User', user]);
  if (key) d.push(['IdentityFile', key], ['IdentitiesOnly', 'yes']);
  const common = parseSshArgs(pick(vars, 'ansible_ssh_common_args') ?? '');
  const extra = parseSshArgs(pick(vars, 'ansible_ssh_extra_args') ?? '');
  return {
    directives: [...d, ...common.directives, ...extra.directives],
    flags: [...common.flags, ...extra.flags],
  };
}

/**
 * The per-run config text: one `Host` block per inventory host, then the user's own `~/.ssh/config` and the
 * system config for everything else. ssh takes the first value it reads, so inventory values win; the
 * Includes sit under `Match all` because an Include after a Host line would only apply to that host.
 */
export function renderSshConfig(hosts: { name: string; ssh: HostSsh }[], home = homedir()): string {
  const c = new SSHConfig();
  for (const h of hosts) {
    if (h.ssh.directives.length === 0) continue;
    const block: Record<string, string | string[]> = { Host: h.name };
    for (const [k, v] of h.ssh.directives) {
      const prev = block[k];
      block[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
    }
    c.append(block);
  }
  c.append({ Match: 'all', Include: [join(home, '.ssh', 'config'), '/etc/ssh/ssh_config'] });
  return `# written by run-playbook for this run; use with: ssh -F <this file> <host>\n${c.toString()}`;
}

/** Writes the config file readable only by us (it names key files and hosts). */
export async function writeSshConfig(file: string, text: string): Promise<void> {
  await writeFile(file, text, { mode: 0o600 });
  await chmod(file, 0o600);
}
