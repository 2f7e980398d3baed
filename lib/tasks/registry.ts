import { baseBackup } from './base-backup.js';
import { command } from './command.js';
import type { AnyTask } from './define.js';
import { ensureLine } from './ensure-line.js';
import { ensureUser } from './ensure-user.js';
import { file } from './file.js';
import { hbaRule } from './hba-rule.js';
import { promote } from './promote.js';
import { rejoin } from './rejoin.js';
import { replicationPreflight } from './replication-preflight.js';
import { replicationSlots } from './replication-slots.js';
import { service } from './service.js';
import { setConf } from './set-conf.js';
import { sql } from './sql.js';
import { standby } from './standby.js';
import { switchoverCatchUp } from './switchover-catch-up.js';
import { switchoverDemote } from './switchover-demote.js';
import { switchoverDone } from './switchover-done.js';
import { switchoverGates } from './switchover-gates.js';
import { template } from './template.js';
import { tlsCertificates } from './tls-certificates.js';
import { tlsFiles } from './tls-files.js';
import { tlsPreflight } from './tls-preflight.js';
import { waitForReplication } from './wait-for-replication.js';

/** The one list of tasks: the YAML keys of a playbook and the exports of the library. */
export const registry: Record<string, AnyTask> = {
  baseBackup,
  command,
  ensureLine,
  ensureUser,
  file,
  hbaRule,
  promote,
  rejoin,
  replicationPreflight,
  replicationSlots,
  service,
  setConf,
  sql,
  standby,
  switchoverCatchUp,
  switchoverDemote,
  switchoverDone,
  switchoverGates,
  template,
  tlsCertificates,
  tlsFiles,
  tlsPreflight,
  waitForReplication,
};
