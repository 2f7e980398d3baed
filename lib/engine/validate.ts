import { Ajv, type ValidateFunction } from 'ajv';
import { InputError, type Position } from '../errors.js';
import { formatAjvError } from '../playbook/index.js';
import type { AnyTask } from '../tasks/define.js';

// rendered values from -e k=v and templates are strings; coerce "10" and "true" as Ansible does for module args
// optimize: false: compiling is most of a short run's CPU, and it halves it; validating small args stays fast
const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: true, code: { optimize: false } });
const compiled = new WeakMap<AnyTask, ValidateFunction>();

/** Validates rendered task arguments against the task's schema; InputError at the argument's position. */
export function validateArgs(
  task: AnyTask,
  args: unknown,
  where: (path: string[]) => Position | undefined,
): void {
  let validate = compiled.get(task);
  if (!validate) {
    validate = ajv.compile(task.schema);
    compiled.set(task, validate);
  }
  if (validate(args)) return;
  const e = validate.errors?.[0];
  if (!e) return;
  const path = e.instancePath.split('/').slice(1);
  throw new InputError(`${task.taskName}: ${formatAjvError(e, task.schema)}`, where(path));
}
