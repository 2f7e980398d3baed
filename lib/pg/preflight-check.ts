/** The vocabulary of replication preflight: inputs, one check's outcome, and how checks are made. */
import type { TargetState } from './backup-target.js';
import type { CopyMethod, CopyMethodWanted } from './copy-method.js';
import type { HbaConnType } from './hba.js';
import type { PrimaryProbe, StandbyProbe } from './preflight-probe.js';

/** One check's outcome. `warning`: reported, the run goes on. */
export interface Check {
  host: string;
  name: string;
  ok: boolean;
  warning?: boolean;
  found: string;
  fix?: string;
}

/** A pg_hba rule type for TCP logins, as the replication rule may have. */
export type HostRuleType = Exclude<HbaConnType, 'local'>;

/** What the playbook is about to make, as far as the checks need it. */
export interface PreflightWanted {
  user: string;
  authMethod: string;
  passwordEncryption: 'scram-sha-256' | 'md5';
  connectionLimit?: number;
  /** values the playbook sets on the primary (else the current ones count) */
  walLevel?: string;
  maxWalSenders?: number;
  maxSlots?: number;
  slots: boolean;
  copyMethod: CopyMethodWanted;
  replaceExisting: boolean;
  /** the type of the replication rule the playbook writes: `hostssl` when replication goes over TLS (default host) */
  hbaType?: HostRuleType;
}

/** One standby as found. */
export interface StandbyFound {
  host: string;
  address: string;
  probe: StandbyProbe;
  target: TargetState;
}

/** Everything found before the run. */
export interface PreflightInput {
  primaryHost: string;
  primary: PrimaryProbe;
  primarySysid: string;
  primaryTar: boolean;
  hbaText: string;
  hbaFile: string;
  standbys: StandbyFound[];
  wanted: PreflightWanted;
}

/** The checks, and the copy method of each standby that needs a copy. */
export interface PreflightResult {
  checks: Check[];
  methods: Record<string, CopyMethod>;
}

/** A passed check. */
export const pass = (host: string, name: string, found: string): Check => ({ host, name, ok: true, found });
/** A failed check, with what to set. */
export const fail = (host: string, name: string, found: string, fix: string): Check => ({
  host,
  name,
  ok: false,
  found,
  fix,
});
/** A check that passes with a warning. */
export const warn = (host: string, name: string, found: string, fix: string): Check => ({
  host,
  name,
  ok: true,
  warning: true,
  found,
  fix,
});
/** Bytes as GiB with two decimals. */
export const gib = (b: number): string => `${(b / 1024 ** 3).toFixed(2)} GiB`;
