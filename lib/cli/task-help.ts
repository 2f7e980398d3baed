import type { SchemaObject } from 'ajv';
import { UsageError } from '../errors.js';
import { didYouMean } from '../playbook/index.js';
import type { AnyTask } from '../tasks/define.js';
import { registry } from '../tasks/registry.js';

/** One argument of a task as `help TASK` shows it, read from the task's schema. */
export interface ArgDoc {
  /** dotted for nested arguments: `primary.host` */
  name: string;
  type: string;
  required: boolean;
  default?: unknown;
  secret: boolean;
  description: string;
}

const bounds = (s: SchemaObject): string => {
  const lo = s.minimum ?? (s.exclusiveMinimum !== undefined ? `>${s.exclusiveMinimum}` : undefined);
  if (lo === undefined && s.maximum === undefined) return '';
  if (s.maximum === undefined) return typeof lo === 'string' ? ` ${lo}` : ` ≥${lo}`;
  return ` ${lo ?? ''}..${s.maximum}`;
};

/** A schema's type in a few words: `string`, `integer 1..65535`, `'fast'|'spread'`, `map of name → string`. */
export function typeOf(s: SchemaObject): string {
  if (Array.isArray(s.enum)) return s.enum.map((v: unknown) => JSON.stringify(v)).join('|');
  if (Array.isArray(s.anyOf)) return (s.anyOf as SchemaObject[]).map(typeOf).join(' or ');
  if (Array.isArray(s.type)) return s.type.join('|');
  if (s.type === 'array') return `list of ${typeOf(s.items ?? {})}`;
  if (s.type === 'object' && !s.properties && typeof s.additionalProperties === 'object')
    return `map of name → ${typeOf(s.additionalProperties)}`;
  if (s.type === 'object') return 'map';
  if (s.type === 'integer' || s.type === 'number') return `${s.type}${bounds(s)}`;
  return String(s.type ?? 'any');
}

/** Every argument of a task, nested ones after their parent, in the schema's order. */
export function argDocs(task: AnyTask): ArgDoc[] {
  const walk = (schema: SchemaObject, prefix: string): ArgDoc[] =>
    Object.entries((schema.properties ?? {}) as Record<string, SchemaObject>).flatMap(([key, s]) => {
      const name = `${prefix}${key}`;
      const secret = task.secretArgs.includes(name);
      const doc: ArgDoc = {
        name,
        type: secret ? 'string (secret)' : typeOf(s),
        required: ((schema.required ?? []) as string[]).includes(key),
        secret,
        description: String(s.description ?? ''),
      };
      if (s.default !== undefined) doc.default = s.default;
      return [doc, ...(s.properties ? walk(s, `${name}.`) : [])];
    });
  return walk(task.schema, '');
}

/** `run-playbook help TASK`: the task's purpose and each argument with its type, default and meaning. */
export function taskHelp(name: string): string {
  const task = Object.hasOwn(registry, name) ? registry[name] : undefined;
  if (!task)
    throw new UsageError(
      `help: unknown task '${name}'${didYouMean(name, Object.keys(registry))} (run-playbook --help lists the tasks)`,
    );
  const args = argDocs(task).map((a) => {
    const facts = [a.type, a.required ? 'required' : undefined];
    if (a.default !== undefined) facts.push(`default ${JSON.stringify(a.default)}`);
    return `  ${a.name.padEnd(20)} ${facts.filter(Boolean).join(', ')}\n      ${a.description}`;
  });
  const templates = 'Any value may be a template ("{{ var }}"); it is checked again after rendering.';
  return `${task.taskName}: ${task.description}\n\nArguments:\n${args.join('\n')}\n\n${templates}\n`;
}
