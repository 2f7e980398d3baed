import { execFile } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readSync } from 'node:fs';
import { InputError } from '../errors.js';
import type { Inventory } from './types.js';
import { addChild, addGroup, addHost, setGroupVar } from './types.js';

type Json = Record<string, unknown>;
const isMapping = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * Whether a file is an inventory script: executable and a program (`#!` or ELF). Ansible tries any executable
 * file as a script and falls back to reading it as INI or YAML when it cannot run, which is what a text file
 * that merely has its x bit set comes to.
 */
export function isInventoryScript(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    return false;
  }
  const head = Buffer.alloc(4);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  return head.subarray(0, 2).toString('latin1') === '#!' || head.toString('latin1') === '\x7fELF';
}

/** Runs the script with `args`; a failure is an InputError with the script's stderr. */
function run(path: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(path, args, { maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const code = typeof err.code === 'number' ? `exit ${err.code}` : err.message;
      const tail = stderr.trim() ? `:\n    ${stderr.trim().split('\n').slice(-20).join('\n    ')}` : '';
      reject(new InputError(`inventory script ${args.join(' ')} failed (${code})${tail}`, { file: path }));
    });
  });
}

function parseJson(text: string, path: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`inventory script ${what}: output is not JSON: ${(e as Error).message}`, {
      file: path,
    });
  }
}

/** One group of the `--list` JSON, in each shape Ansible's script plugin takes. */
function parseGroup(inv: Inventory, name: string, raw: unknown, path: string): string[] {
  addGroup(inv, name);
  // a bare list is the hosts; a mapping with none of hosts/vars/children is the vars of a host of that name
  const data = !isMapping(raw)
    ? { hosts: raw }
    : ['hosts', 'vars', 'children'].some((k) => k in raw)
      ? raw
      : { hosts: [name], vars: raw };
  const bad = (what: string) =>
    new InputError(`inventory script: group '${name}' has bad ${what}`, { file: path });
  const hosts = data.hosts ?? [];
  if (!Array.isArray(hosts)) throw bad('hosts (expected a list)');
  for (const h of hosts) addHost(inv, String(h), name);
  if (data.vars !== undefined) {
    if (!isMapping(data.vars)) throw bad('vars (expected a mapping)');
    const g = inv.groups.get(name)!;
    for (const [k, v] of Object.entries(data.vars)) setGroupVar(g, k, v);
  }
  for (const c of Array.isArray(data.children) ? data.children : []) {
    addGroup(inv, String(c));
    addChild(inv, name, String(c));
  }
  return hosts.map(String);
}

/**
 * An executable inventory source, as Ansible's script plugin reads it: `script --list` prints the groups as
 * JSON; host variables come from `_meta.hostvars`, or, when there is no `_meta`, from `script --host H` for
 * each host. A failing script or bad JSON is an InputError naming the script, with its stderr.
 */
export async function parseInventoryScript(path: string, inv: Inventory): Promise<void> {
  const listed = parseJson(await run(path, ['--list']), path, '--list');
  if (!isMapping(listed))
    throw new InputError('inventory script --list: expected a JSON object', { file: path });
  const hosts = new Set<string>();
  for (const [name, raw] of Object.entries(listed)) {
    if (name !== '_meta') for (const h of parseGroup(inv, name, raw, path)) hosts.add(h);
  }
  const meta =
    isMapping(listed._meta) && isMapping(listed._meta.hostvars) ? listed._meta.hostvars : undefined;
  for (const h of hosts) {
    const vars = meta ? meta[h] : await hostVarsOf(path, h);
    if (vars === undefined || vars === null) continue;
    if (!isMapping(vars))
      throw new InputError(`inventory script: vars of host '${h}' must be a mapping`, { file: path });
    Object.assign(inv.hosts.get(h)!.vars, vars);
  }
}

async function hostVarsOf(path: string, host: string): Promise<unknown> {
  const out = await run(path, ['--host', host]);
  return out.trim() === '' ? {} : parseJson(out, path, `--host ${host}`);
}
