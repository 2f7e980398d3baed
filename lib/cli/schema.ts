import type { SchemaObject } from 'ajv';
import { playSchema, roleEntrySchema, taskKeywordSchema } from '../playbook/schema.js';

/** A string holding `{{`: the loader leaves its checking to the engine, after rendering. */
const TEMPLATE: SchemaObject = { type: 'string', pattern: '\\{\\{' };
const ANNOTATIONS = ['description', 'default'] as const;

const mapValues = (o: Record<string, SchemaObject>, f: (s: SchemaObject) => SchemaObject) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));

/** A plain string schema already takes any template; others need the template as an alternative. */
const takesTemplates = (s: SchemaObject): boolean =>
  (s.type === 'string' || (Array.isArray(s.type) && s.type.includes('string'))) &&
  s.enum === undefined &&
  s.pattern === undefined &&
  s.format === undefined;

/** The alternatives of a bare `anyOf` (nothing else beside it), else the schema itself. */
const branchesOf = (s: SchemaObject): SchemaObject[] =>
  Object.keys(s).length === 1 && Array.isArray(s.anyOf) ? s.anyOf : [s];

/**
 * A task's argument schema as an editor should apply it: ajv's `nullable` written as JSON Schema (a `null` type,
 * which ajv, and so the loader, allows except beside an `enum`), and every
 * value, at any depth, may instead be a template, as the loader allows (an error at or below a templated value
 * is left to the engine). Descriptions and defaults move to the outside, where editors show them.
 */
export function templatable(schema: SchemaObject): SchemaObject {
  const { nullable, ...s } = schema;
  if (nullable === true && s.enum === undefined && typeof s.type === 'string') s.type = [s.type, 'null'];
  if (s.properties) s.properties = mapValues(s.properties, templatable);
  if (s.items && typeof s.items === 'object') s.items = templatable(s.items);
  if (s.additionalProperties && typeof s.additionalProperties === 'object')
    s.additionalProperties = templatable(s.additionalProperties);
  if (Array.isArray(s.anyOf)) {
    const branches = (s.anyOf as SchemaObject[]).map(templatable).flatMap(branchesOf);
    s.anyOf = branches.some(takesTemplates) ? branches : [...branches, TEMPLATE];
    return s;
  }
  if (takesTemplates(s)) return s;
  const outer: SchemaObject = {};
  for (const k of ANNOTATIONS)
    if (k in s) {
      outer[k] = s[k];
      delete s[k];
    }
  return { ...outer, anyOf: [s, TEMPLATE] };
}

/** What may follow a task key: its arguments; `command` also takes the command alone; no arguments may be empty. */
function taskValue(name: string, schema: SchemaObject, description: string | undefined): SchemaObject {
  const { description: _, ...args } = templatable(schema);
  const alone = name === 'command' ? [templatable(schema.properties.cmd)] : [];
  const empty = (schema.required ?? []).length === 0 ? [{ type: 'null' }] : [];
  return { ...(description ? { description } : {}), anyOf: [args, ...alone, ...empty].flatMap(branchesOf) };
}

/** Deep copy of a keyword schema with its task lists pointing at the task definition. */
function playDefinition(): SchemaObject {
  const tasks = { type: 'array', items: { $ref: '#/definitions/task' } };
  const props = structuredClone(playSchema.properties) as Record<string, SchemaObject>;
  for (const k of ['pre_tasks', 'tasks', 'post_tasks', 'handlers']) props[k] = { ...props[k], ...tasks };
  props.roles = {
    ...props.roles,
    items: { anyOf: [{ type: 'string' }, { $ref: '#/definitions/role' }] },
  };
  return { ...structuredClone(playSchema), properties: props };
}

/**
 * The JSON Schema of a whole playbook (draft-07): plays and their keywords, task keywords, and each task's
 * arguments from the task's own schema. Editors read it through the YAML language server
 * (`# yaml-language-server: $schema=…`); it accepts what the loader accepts, templates included.
 */
export function playbookSchema(
  tasks: Record<string, { schema: SchemaObject; description?: string }>,
): SchemaObject {
  const names = Object.keys(tasks);
  const taskProps = Object.fromEntries(names.map((n) => [n, { $ref: `#/definitions/${n}` }]));
  const task: SchemaObject = {
    type: 'object',
    properties: { ...structuredClone(taskKeywordSchema.properties), ...taskProps },
    additionalProperties: false,
    oneOf: names.map((n) => ({ required: [n] })),
  };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'run-playbook playbook',
    type: 'array',
    items: { $ref: '#/definitions/play' },
    definitions: {
      play: playDefinition(),
      task,
      // a role's tasks/main.yml is a list of tasks: `$schema=…#/definitions/tasks`
      tasks: { type: 'array', items: { $ref: '#/definitions/task' } },
      role: structuredClone(roleEntrySchema),
      ...Object.fromEntries(names.map((n) => [n, taskValue(n, tasks[n]!.schema, tasks[n]!.description)])),
    },
  };
}
