import type { ValidateFunction } from 'ajv';
import { InputError, type Position } from '../errors.js';
import { formatAjvError, validatorFor } from '../playbook/index.js';
import type { AnyTask } from '../tasks/define.js';

// rendered values from -e k=v and templates are strings: the `run` flavour coerces "10" and "true" as Ansible
// does for module args
const compiled = new WeakMap<AnyTask, ValidateFunction>();

/** Validates rendered task arguments against the task's schema; InputError at the argument's position. */
export function validateArgs(
  task: AnyTask,
  args: unknown,
  where: (path: string[]) => Position | undefined,
): void {
  let validate = compiled.get(task);
  if (!validate) {
    validate = validatorFor('run', task.schema);
    compiled.set(task, validate);
  }
  if (validate(args)) return;
  const e = validate.errors?.[0];
  if (!e) return;
  const path = e.instancePath.split('/').slice(1);
  throw new InputError(`${task.taskName}: ${formatAjvError(e, task.schema)}`, where(path));
}
