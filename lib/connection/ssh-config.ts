import { chmod, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { runProcess } from './process.js';
import { checkAlias, checkPort, checkValue, configLine, connVar, firstWins } from './ssh-config-values.js';

/** One host's part of the per-run ssh config: directives for its `Host` block, and flags for the command line. */
export interface HostSsh {
  directives: [string, string][];
  flags: string[];
  /** the inventory variable each directive came from, by index */
  origins: string[];
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
export function parseSshArgs(text: string): Omit<HostSsh, 'origins'> {
  const out: Omit<HostSsh, 'origins'> = { directives: [], flags: [] };
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
function pick(host: string, vars: Record<string, unknown>, ...keys: string[]): [string, string] | undefined {
  for (const k of keys) {
    const v = connVar(host, vars, k);
    if (v !== undefined) return [v, k];
  }
  return undefined;
}

/** Parses one args variable; its directives name it as their origin. */
function argsOf(host: string, vars: Record<string, unknown>, key: string): HostSsh {
  const text = connVar(host, vars, key) ?? '';
  try {
    const p = parseSshArgs(text);
    return { ...p, origins: p.directives.map(() => key) };
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`host ${host}: ${key}: ${e.detail}`);
    throw e;
  }
}

/**
 * The directives and flags one host's inventory variables ask for, in ssh's first-value-wins order
 * (inventory variables, then common args, then extra args); `origins` names the variable of each directive.
 * Throws InputError for a value of the wrong type (a list as a port).
 */
export function hostSsh(vars: Record<string, unknown>, host = 'this host'): HostSsh {
  const d: [string, string][] = [];
  const origins: string[] = [];
  const add = (key: string, found: [string, string] | undefined) => {
    if (!found) return;
    d.push([key, found[0]]);
    origins.push(found[1]);
  };
  const key = pick(host, vars, 'ansible_ssh_private_key_file', 'ansible_private_key_file');
  add('HostName', pick(host, vars, 'ansible_host', 'ansible_ssh_host'));
  const port = pick(host, vars, 'ansible_port', 'ansible_ssh_port');
  if (port) checkPort(host, port[1], port[0]);
  add('Port', port);
  add('User', pick(host, vars, 'ansible_user', 'ansible_ssh_user'));
  add('IdentityFile', key);
  add('IdentitiesOnly', key && ['yes', key[1]]);
  const common = argsOf(host, vars, 'ansible_ssh_common_args');
  const extra = argsOf(host, vars, 'ansible_ssh_extra_args');
  return {
    directives: [...d, ...common.directives, ...extra.directives],
    flags: [...common.flags, ...extra.flags],
    origins: [...origins, ...common.origins, ...extra.origins],
  };
}

/** The per-run config text, and for each of its lines the host and inventory variable it came from. */
export interface RenderedSshConfig {
  text: string;
  origins: Map<number, string>;
}

/**
 * The per-run config: one `Host` block per inventory host, then the user's own `~/.ssh/config` and the
 * system config for everything else. ssh takes the first value it reads, so inventory values win; each
 * directive is written once (repeatable ones once per value) since ssh refuses `IdentitiesOnly yes yes`.
 * The Includes sit under `Match all` because an Include after a Host line would only apply to that host.
 * Throws InputError, naming the host and variable, for a value that cannot be written (a newline, a pattern).
 */
export function renderSshConfigMapped(
  hosts: { name: string; ssh: HostSsh }[],
  home = homedir(),
): RenderedSshConfig {
  const lines = ['# written by run-playbook for this run; use with: ssh -F <this file> <host>'];
  const origins = new Map<number, string>();
  for (const h of hosts) {
    if (h.ssh.directives.length === 0) continue;
    checkAlias(h.name);
    const all = h.ssh.directives.map(([key, value], i) => ({ key, value, from: h.ssh.origins[i] ?? '?' }));
    for (const d of all) checkValue(h.name, d);
    lines.push(`Host ${h.name}`);
    for (const d of firstWins(all)) {
      lines.push(configLine(d));
      origins.set(lines.length, `host ${h.name}: ${d.from}`);
    }
  }
  const include = (value: string) => configLine({ key: 'Include', value, from: '' });
  lines.push('Match all', include(join(home, '.ssh', 'config')), include('/etc/ssh/ssh_config'));
  return { text: `${lines.join('\n')}\n`, origins };
}

/** {@link renderSshConfigMapped}'s text. */
export function renderSshConfig(hosts: { name: string; ssh: HostSsh }[], home = homedir()): string {
  return renderSshConfigMapped(hosts, home).text;
}

/** Writes the config file readable only by us (it names key files and hosts). */
export async function writeSshConfig(file: string, text: string): Promise<void> {
  await writeFile(file, text, { mode: 0o600 });
  await chmod(file, 0o600);
}

/**
 * ssh's own verdict on the whole per-run config, once per run: `ssh -G` reads it (and the user's config it
 * includes) without connecting. A complaint is an InputError naming the host and inventory variable behind
 * each line ssh names.
 */
export async function checkSshConfig(
  file: string,
  host: string,
  origins: Map<number, string>,
): Promise<void> {
  const r = await runProcess(['ssh', '-G', '-F', file, '--', host], Buffer.alloc(0), { backstopSec: 30 });
  if (r.code === 0) return;
  const lines = r.stderr.split(/\r?\n/).filter((l) => l.trim() !== '' && !/terminating, \d+ bad/.test(l));
  const named = lines.map((l) => {
    const at = l.startsWith(file) ? /line (\d+): (.*)$/.exec(l) : null;
    const from = at ? origins.get(Number(at[1])) : undefined;
    return from ? `${from}: ${at?.[2]}` : l;
  });
  const why = named.join('; ') || `exited ${r.code}`;
  throw new InputError(`ssh refuses the per-run ssh config (ssh -G -F ${file} -- ${host}): ${why}`);
}
