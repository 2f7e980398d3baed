/**
 * The pure parts of the service task: the commands each manager runs, and what `state: applied` must do,
 * decided from one pg_settings / pg_file_settings query.
 */
import { ApplyError } from '../errors.js';
import { type Cmd, sh } from '../model/command.js';
import { type GucAt, normalizeAs } from '../pg/guc.js';
import type { GucType, GucUnit } from '../pg/guc-table.js';
import { binDirScript, type PgTarget } from '../pg/target.js';

/** How the server is started and stopped on the host. */
export type Manager = 'pg_ctl' | 'pg_ctlcluster' | 'systemd';

/** What a service command does. */
export type Verb = 'start' | 'stop' | 'restart' | 'reload';

/** One command and the user it runs as (undefined: the task's own become user). */
export interface ServiceCmd {
  cmd: Cmd;
  user?: string;
}

/** Where and how: the target, its data dir and log file, the manager, a systemd unit, a timeout. */
export interface ServiceTarget {
  t: PgTarget;
  dataDir: string;
  logFile: string;
  manager: Manager;
  unit?: string;
  timeout: number;
}

/** Waits until the server accepts connections: pg_isready once a second, up to the timeout. */
function waitReady(s: ServiceTarget): Cmd {
  return sh`i=0; until "$B/pg_isready" -q -h ${s.t.socketDir} -p ${s.t.port}; do i=$((i+1)); if [ "$i" -ge ${s.timeout} ]; then echo 'server did not accept connections in time' >&2; exit 1; fi; sleep 1; done`;
}

/**
 * The command for a verb. pg_ctl always gets `-l` for start and restart: without it the postmaster inherits
 * our output pipes and the command never returns; `-w -t` waits until it accepts connections.
 */
export function serviceCmd(s: ServiceTarget, verb: Verb): ServiceCmd {
  const B = binDirScript(s.t);
  if (s.manager === 'pg_ctl') {
    const ctl = sh`${B}; "$B/pg_ctl" -D ${s.dataDir}`;
    const byVerb: Record<Verb, Cmd> = {
      start: sh`${ctl} -l ${s.logFile} -w -t ${s.timeout} start`,
      stop: sh`${ctl} -m fast -w -t ${s.timeout} stop`,
      restart: sh`${ctl} -l ${s.logFile} -m fast -w -t ${s.timeout} restart`,
      reload: sh`${ctl} reload`,
    };
    return { cmd: byVerb[verb], user: s.t.osUser };
  }
  const run =
    s.manager === 'systemd'
      ? sh`systemctl ${verb} ${s.unit ?? ''}`
      : sh`pg_ctlcluster ${s.t.cluster?.version ?? ''} ${s.t.cluster?.name ?? ''} ${verb}`;
  const wait = verb === 'start' || verb === 'restart';
  return { cmd: wait ? sh`${B}; ${run} && ${waitReady(s)}` : run };
}

/** One row of {@link APPLIED_SQL}. */
interface Row {
  kind: string;
  name: string;
  file: string;
  current: string;
  type: string;
  unit: string;
  enumvals: string;
  context: string;
  error: string;
  where: string;
}

/**
 * One query: the winning line of each parameter in the configuration files (f) with the running value, the
 * parameters still set from a file line that is gone (r), and those already pending a restart (p).
 */
export const APPLIED_SQL = `select 'f', s.name, f.setting, s.setting, s.vartype, coalesce(s.unit, ''), coalesce(array_to_string(s.enumvals, ','), ''), s.context, coalesce(f.error, ''), f.sourcefile || ':' || f.sourceline
from pg_file_settings f join pg_settings s on lower(s.name) = lower(f.name)
where s.source in ('default', 'configuration file') and f.seqno = (select max(g.seqno) from pg_file_settings g where lower(g.name) = lower(f.name))
union all select 'r', name, '', setting, vartype, '', '', context, '', '' from pg_settings
where source = 'configuration file' and lower(name) not in (select lower(name) from pg_file_settings where name is not null)
union all select 'p', name, '', setting, vartype, '', '', context, '', '' from pg_settings where pending_restart;
`;

/** What a reload and a restart would change: names that a reload applies, names that need a restart. */
export interface Pending {
  reload: string[];
  restart: string[];
}

function sameSetting(r: Row, ver: number): boolean {
  const at: GucAt = { name: r.name, type: r.type as GucType, context: 'user' as never };
  if (r.unit) at.unit = r.unit as GucUnit;
  if (r.enumvals) at.enumValues = r.enumvals.split(',');
  const a = normalizeAs(at, r.file, ver) ?? r.file;
  const b = normalizeAs(at, r.current, ver) ?? r.current;
  // strings compare as PostgreSQL shows them after parsing: DateStyle 'iso, mdy' reads back as 'ISO, MDY'
  return r.type === 'string'
    ? a.replace(/\s+/g, '').toLowerCase() === b.replace(/\s+/g, '').toLowerCase()
    : a === b;
}

/** Decides from the rows of {@link APPLIED_SQL} what is pending; a file line PostgreSQL rejects is an error. */
export function pendingFromRows(rows: readonly string[][], ver: number): Pending {
  const out: Pending = { reload: [], restart: [] };
  for (const cols of rows) {
    const [kind = '', name = '', file = '', current = '', type = '', unit = '', enumvals = '', context = ''] =
      cols;
    const r: Row = {
      kind,
      name,
      file,
      current,
      type,
      unit,
      enumvals,
      context,
      error: cols[8] ?? '',
      where: cols[9] ?? '',
    };
    if (r.kind === 'p') out.restart.push(r.name);
    else if (r.kind === 'r') (r.context === 'postmaster' ? out.restart : out.reload).push(r.name);
    else if (r.error === 'setting could not be applied') out.restart.push(r.name);
    else if (r.error) throw new ApplyError(`${r.where}: ${r.name}: ${r.error}`);
    else if (!sameSetting(r, ver)) out.reload.push(r.name);
  }
  out.restart = [...new Set(out.restart)];
  return out;
}
