import { command } from './command.js';
import type { AnyTask } from './define.js';
import { ensureLine } from './ensure-line.js';
import { file } from './file.js';
import { template } from './template.js';

/** The one list of tasks: the YAML keys of a playbook and the exports of the library. */
export const registry: Record<string, AnyTask> = {
  command,
  ensureLine,
  file,
  template,
};
