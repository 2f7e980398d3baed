import type { SchemaObject } from 'ajv';
import type { Position } from '../errors.js';

/** How a task or play switches user on the host. */
export type BecomeMethod = 'sudo' | 'su' | 'runuser';

/** The tasks a playbook may name: the loader needs only each task's schema. */
export type TaskSchemas = Record<string, { schema: SchemaObject }>;

/** One task of a play (or a handler), as written, not yet rendered. */
export interface TaskNode {
  /** display name: the explicit `name`, else the task key; role tasks read `role : name` */
  name: string;
  /** the task key, e.g. `ensureLine` */
  action: string;
  /** the raw arguments (templates not rendered); for `command` possibly a string */
  args: unknown;
  where: Position;
  /** the position of an argument by its path inside `args` (inside the quotes for quoted scalars) */
  argWhere(path: string[]): Position | undefined;
  /** the position of a keyword's value (`when`, `loop`, `notify`, or a path into it such as `['notify', 1]`) */
  keyWhere(path: readonly (string | number)[]): Position;
  when?: string;
  loop?: unknown;
  loopVar: string;
  register?: string;
  notify: string[];
  listen: string[];
  tags: string[];
  become?: boolean;
  becomeUser?: string;
  becomeMethod?: BecomeMethod;
  ignoreErrors: boolean;
  noLog: boolean;
  checkMode?: boolean;
  changedWhen?: string;
  /** at most this many hosts run the task at once (Ansible's `throttle`) */
  throttle?: number;
  vars: Record<string, unknown>;
  role?: string;
  /** for template/file lookup: the role's dir, then the playbook's */
  baseDirs: string[];
  /** the role's vars/main.yml and the `vars:` given where the role is listed (empty outside roles) */
  roleVars: Record<string, unknown>;
}

/** One play of a playbook. */
export interface Play {
  name: string;
  /** host pattern; a YAML list is joined with ':' */
  hosts: string;
  where: Position;
  /** the position of the `hosts:` value */
  hostsWhere: Position;
  /** play `vars`, then `vars_files` on top */
  vars: Record<string, unknown>;
  /** every role's defaults/main.yml: the lowest precedence */
  roleDefaults: Record<string, unknown>;
  /** every role's vars/main.yml: above play vars */
  roleVars: Record<string, unknown>;
  become?: boolean;
  becomeUser?: string;
  becomeMethod?: BecomeMethod;
  /** pre_tasks, role tasks, tasks, post_tasks in order */
  tasks: TaskNode[];
  /** role handlers, then the play's */
  handlers: TaskNode[];
  serial?: number;
  anyErrorsFatal: boolean;
  tags: string[];
  /** the playbook's directory */
  dir: string;
  /** the playbook file */
  file: string;
}
