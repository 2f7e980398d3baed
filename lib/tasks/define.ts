import type { JSONSchemaType, SchemaObject } from 'ajv';
import type { Facts } from '../facts/facts.js';
import type { FileState } from '../facts/file.js';
import type { Action } from '../model/actions.js';
import type { TaskResult } from '../model/results.js';

/** What plan() sees of a host: variables and read-only facts. There is no exec here, by design. */
export interface PlanContext {
  readonly host: string;
  /** all variables of this host for this task (inventory, play, facts, registered, -e) */
  readonly vars: Readonly<Record<string, unknown>>;
  readonly check: boolean;
  readonly facts: Facts;
  /** the user the task runs as on the host (after become), if known */
  readonly user: string | undefined;
  /** controller-side directories to look up `src` files in: the role's dir first, then the playbook's */
  readonly baseDirs: readonly string[];
  /** reads facts of another inventory host (e.g. the primary of a standby); same rules as `facts` */
  factsOf(host: string): Facts;
  /** reports progress of a long step */
  progress(message: string): void;
}

/** The result of planning: empty actions mean `ok`. */
export interface Plan {
  actions: Action[];
  /** why nothing needs doing (shown with -v), or a note on what will be done */
  reason?: string;
  /** values for register: and later tasks */
  data?: Record<string, unknown>;
  restartRequired?: boolean;
  reloadRequired?: boolean;
  /**
   * Runs after the actions were applied in a real run (never in check mode): checks the outcome and may add
   * data, e.g. reading pg_hba_file_rules after a reload. Throws ApplyError when the outcome is wrong.
   */
  verify?: (ctx: PlanContext) => Promise<Record<string, unknown> | undefined>;
  /**
   * Applied when `verify` throws ApplyError (e.g. PostgreSQL rejects a written config file): puts the host back
   * as it was, e.g. the previous file content through the same atomic writer. The task still fails.
   */
  undo?: Action[];
  /** turns the output of the last applied command into data for register: (e.g. the rows of a query) */
  parseOutput?: (stdout: string) => Record<string, unknown>;
  /** facts that applying invalidates (HostMemory key prefixes) */
  invalidates?: string[];
  /**
   * Check mode only: what the host will look like after these actions when they are not file writes (a base
   * backup brings the primary's config files and facts), so later tasks plan against the prediction.
   */
  predicts?: { files?: FileState[]; facts?: Record<string, unknown> };
}

/** Whatever can run a task directly from a script: made by `connect()`. */
export interface Target {
  runTask<A>(task: Task<A>, args: A, opts?: { check?: boolean }): Promise<TaskResult>;
}

/** The definition of a task: one schema, one pure planner. */
export interface TaskDef<A> {
  /** camelCase: the YAML key and the export */
  name: string;
  /** one line for --help and docs */
  description: string;
  /**
   * The one description of the arguments (after templating), checked against `A` by the compiler: each property
   * carries a `description` (and a `default` when there is a fixed one). `run-playbook help <task>`, the editor
   * schema (`run-playbook schema`) and argument validation are all read from it.
   */
  schema: JSONSchemaType<A>;
  /** argument names whose values are secrets */
  secretArgs?: readonly string[];
  plan(ctx: PlanContext, args: A): Promise<Plan>;
}

/** `JSONSchemaType<A>`, or plain schema data for a task of any arguments (`AnyTask`): it holds every task's. */
export type SchemaOf<A> = 0 extends 1 & A ? SchemaObject : JSONSchemaType<A>;

/** A task: callable on a Target (validate → plan → apply), with its schema and planner exposed. */
export interface Task<A> {
  (target: Target, args: A, opts?: { check?: boolean }): Promise<TaskResult>;
  readonly taskName: string;
  readonly description: string;
  readonly schema: SchemaOf<A>;
  readonly secretArgs: readonly string[];
  plan(ctx: PlanContext, args: A): Promise<Plan>;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && [Object.prototype, null].includes(Object.getPrototypeOf(v));

/**
 * The arguments with the schema's `default` wherever a value is missing (undefined or null), nested maps
 * included; the caller's object is not changed and non-plain values (a Secret) are kept as they are. Planners
 * thus see the defaults that `help` and the editor schema show, whatever path the arguments came by.
 */
export function withDefaults<A>(schema: SchemaObject, args: A): A {
  if (!isPlainObject(args) || !schema.properties) return args;
  const out: Record<string, unknown> = { ...args };
  for (const [k, s] of Object.entries(schema.properties as Record<string, SchemaObject>)) {
    if (out[k] === undefined || out[k] === null) {
      if (s.default !== undefined) out[k] = structuredClone(s.default);
    } else if (s.properties) out[k] = withDefaults(s, out[k]);
  }
  return out as A;
}

/** Turns a definition into a {@link Task}. */
export function defineTask<A>(def: TaskDef<A>): Task<A> {
  const task = ((target: Target, args: A, opts?: { check?: boolean }) =>
    target.runTask(task, args, opts)) as Task<A> & { taskName: string };
  Object.defineProperties(task, {
    taskName: { value: def.name, enumerable: true },
    description: { value: def.description, enumerable: true },
    schema: { value: def.schema, enumerable: true },
    secretArgs: { value: def.secretArgs ?? [], enumerable: true },
    plan: {
      value: (ctx: PlanContext, args: A) => def.plan(ctx, withDefaults(def.schema as SchemaObject, args)),
      enumerable: true,
    },
  });
  return task;
}

/** Any task, for registries. */
// biome-ignore lint/suspicious/noExplicitAny: the registry holds tasks of every argument type
export type AnyTask = Task<any>;
