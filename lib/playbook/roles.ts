import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { firstError, roleEntrySchema, validate } from './schema.js';
import { buildTasks } from './task.js';
import type { TaskNode, TaskSchemas } from './types.js';
import { loadYamlFile, type YamlFile } from './yaml.js';

/** A role, loaded from `<playbookDir>/roles/<name>/`. */
export interface Role {
  name: string;
  dir: string;
  tasks: TaskNode[];
  handlers: TaskNode[];
  defaults: Record<string, unknown>;
  vars: Record<string, unknown>;
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

async function optionalYaml(file: string): Promise<YamlFile | undefined> {
  return (await exists(file)) ? loadYamlFile(file) : undefined;
}

function varsFrom(y: YamlFile | undefined): Record<string, unknown> {
  if (!y || y.data === null || y.data === undefined) return {};
  if (typeof y.data !== 'object' || Array.isArray(y.data))
    throw new InputError('expected a map of variables', y.at([]));
  return y.data as Record<string, unknown>;
}

/** What a `roles:` entry says: a name, or `{role, vars, tags}`. */
export interface RoleEntry {
  name: string;
  vars: Record<string, unknown>;
  tags: string[];
}

/** Reads one `roles:` entry, validated. */
export function roleEntry(raw: unknown, y: YamlFile, path: (string | number)[]): RoleEntry {
  if (typeof raw === 'string') return { name: raw, vars: {}, tags: [] };
  const err = firstError(
    validate(roleEntrySchema, raw),
    roleEntrySchema,
    (p, key) => (key ? y.keyAt([...path, ...p], key) : y.at([...path, ...p])),
    'role: ',
    'keyword',
  );
  if (err) throw err;
  const r = raw as { role: string; vars?: Record<string, unknown>; tags?: string | string[] };
  const tags = r.tags === undefined ? [] : Array.isArray(r.tags) ? r.tags : [r.tags];
  return { name: r.role, vars: r.vars ?? {}, tags };
}

/**
 * Where roles are looked up, as Ansible does: `roles/` beside the playbook, then `roles/` one level up (a
 * project with `playbooks/` and `roles/` side by side), then `$ANSIBLE_ROLES_PATH`.
 */
export function rolePath(playbookDir: string): string[] {
  const env = (process.env.ANSIBLE_ROLES_PATH ?? '').split(':').filter(Boolean);
  return [join(playbookDir, 'roles'), join(playbookDir, '..', 'roles'), ...env];
}

/** Loads a role's tasks, handlers, defaults and vars; `tags` are the play's and the entry's. */
export async function loadRole(
  playbookDir: string,
  entry: RoleEntry,
  tags: string[],
  tasks: TaskSchemas,
  where: { file: string; line?: number; col?: number },
): Promise<Role> {
  const places = rolePath(playbookDir).map((p) => join(p, entry.name));
  let dir: string | undefined;
  for (const p of places) if (!dir && (await exists(p))) dir = p;
  if (!dir) throw new InputError(`role '${entry.name}' not found (looked in ${places.join(', ')})`, where);
  const [t, h, d, v] = await Promise.all(
    ['tasks', 'handlers', 'defaults', 'vars'].map((sub) => optionalYaml(join(dir, sub, 'main.yml'))),
  );
  const vars = { ...varsFrom(v), ...entry.vars };
  const origin = {
    role: entry.name,
    baseDirs: [dir, playbookDir],
    roleVars: vars,
    tags: [...tags, ...entry.tags],
  };
  return {
    name: entry.name,
    dir,
    tasks: t ? buildTasks(t.data, { ...origin, y: t, path: [] }, tasks) : [],
    handlers: h ? buildTasks(h.data, { ...origin, y: h, path: [] }, tasks) : [],
    defaults: varsFrom(d),
    vars,
  };
}
