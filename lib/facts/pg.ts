import type { PgTarget } from '../pg/target.js';
import type { Facts } from './facts.js';
import { pgFactsProbe } from './probes.js';

/** What a task needs to know of a PostgreSQL server, gathered in one round trip, once per host per run. */
export interface PgFacts {
  running: boolean;
  /** major version (10 … 18), from the server or from PG_VERSION; 0 when there is no cluster */
  version: number;
  /** server_version_num when running */
  versionNum?: number;
  dataDir: string;
  configFile: string;
  hbaFile: string;
  inRecovery: boolean;
  /** pg_control's system identifier, null when there is no cluster */
  systemIdentifier: string | null;
  /** the bin dir used */
  binDir: string;
  /** why the server could not be queried (psql's last line) */
  downReason?: string;
  /** a running primary's timeline (of its current WAL file; a standby's is not read here) */
  timeline?: number;
  /** when running: pg_settings.context of every parameter, by name (lower case) */
  contexts?: Readonly<Record<string, string>>;
}

/** Parses the output of {@link pgFactsProbe}. */
export function parsePgFacts(out: string, t: PgTarget): PgFacts {
  const [binDir = '', state, ...rest] = out.split('\n');
  if (state === 'RUNNING') {
    const [num = '0', dataDir = '', configFile = '', hbaFile = '', rec = 'f', sysid = '', tli = '0'] = (
      rest[0] ?? ''
    ).split('\x1f');
    const versionNum = Number(num);
    const contexts: Record<string, string> = {};
    for (const line of rest.slice(1)) {
      const [name, context] = line.split('\x1f');
      if (name && context) contexts[name] = context;
    }
    return {
      running: true,
      version: versionNum >= 100000 ? Math.floor(versionNum / 10000) : Math.floor(versionNum / 100) / 100,
      versionNum,
      dataDir,
      configFile,
      hbaFile,
      inRecovery: rec === 't',
      systemIdentifier: sysid || null,
      binDir,
      contexts,
      ...(Number(tli) > 0 ? { timeline: Number(tli) } : {}),
    };
  }
  const [reason = '', ver = '0', sysid = '', rec = 'f', configFile = '', hbaFile = ''] = rest;
  return {
    running: false,
    version: Number(ver) || 0,
    dataDir: t.dataDir ?? '',
    configFile,
    hbaFile,
    inRecovery: rec === 't',
    systemIdentifier: sysid || null,
    binDir,
    downReason: reason,
  };
}

/** Memo key prefix of PostgreSQL facts; tasks that change them list it in `invalidates`. */
export const PG_FACTS = 'pg:';

/** The memo key of a server's facts. */
export const pgFactsKey = (t: PgTarget): string => `${PG_FACTS}${t.port}:${t.dataDir ?? ''}`;

/** The server's facts, gathered lazily once per host per run (as the server's OS user). */
export function pgFacts(facts: Facts, t: PgTarget): Promise<PgFacts> {
  return facts.memo(pgFactsKey(t), async () => {
    const r = await facts.run(pgFactsProbe(t), { user: t.osUser });
    return parsePgFacts(r.stdout, t);
  });
}
