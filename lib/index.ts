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
export { type BaseBackupArgs, baseBackup } from './tasks/base-backup.js';
export { type CommandArgs, command } from './tasks/command.js';
export type { Plan, PlanContext, Task } from './tasks/define.js';
export { type EnsureLineArgs, ensureLine } from './tasks/ensure-line.js';
export { type EnsureUserArgs, ensureUser } from './tasks/ensure-user.js';
export { type FileArgs, file } from './tasks/file.js';
export { type HbaRuleArgs, hbaRule } from './tasks/hba-rule.js';
export { type PromoteArgs, promote } from './tasks/promote.js';
export { registry } from './tasks/registry.js';
export { type RejoinArgs, rejoin } from './tasks/rejoin.js';
export { type ServiceArgs, service } from './tasks/service.js';
export { type SetConfArgs, setConf } from './tasks/set-conf.js';
export { type SqlArgs, sql } from './tasks/sql.js';
export { type StandbyArgs, standby } from './tasks/standby.js';
export { type SwitchoverCatchUpArgs, switchoverCatchUp } from './tasks/switchover-catch-up.js';
export { type SwitchoverDemoteArgs, switchoverDemote } from './tasks/switchover-demote.js';
export { type SwitchoverDoneArgs, switchoverDone } from './tasks/switchover-done.js';
export { type SwitchoverGatesArgs, switchoverGates } from './tasks/switchover-gates.js';
export { type TemplateArgs, template } from './tasks/template.js';
export { type TlsCertificatesArgs, tlsCertificates } from './tasks/tls-certificates.js';
export { type TlsFilesArgs, tlsFiles } from './tasks/tls-files.js';
export { type TlsPreflightArgs, tlsPreflight } from './tasks/tls-preflight.js';
export { type WaitForReplicationArgs, waitForReplication } from './tasks/wait-for-replication.js';
