export type { Become, Connection, ExecOptions, ExecResult } from './connection/types.js';
export { type ConnectOptions, connect, type Host } from './engine/connect.js';
export { type RunOptions, type RunSummary, runPlaybook } from './engine/run.js';
export {
  ApplyError,
  CommandError,
  ConnectError,
  ExitCode,
  InputError,
  InternalError,
  type Position,
  RunPlaybookError,
  UsageError,
} from './errors.js';
export type { Action } from './model/actions.js';
export type { RunEvent } from './model/events.js';
export type { HostStats, Status, TaskResult } from './model/results.js';
export { Payload, payload, Secret } from './secret.js';
export { type CommandArgs, command } from './tasks/command.js';
export type { Plan, PlanContext, Task } from './tasks/define.js';
export { type EnsureLineArgs, ensureLine } from './tasks/ensure-line.js';
export { type FileArgs, file } from './tasks/file.js';
export { registry } from './tasks/registry.js';
export { type TemplateArgs, template } from './tasks/template.js';
