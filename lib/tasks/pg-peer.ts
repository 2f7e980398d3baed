import { InputError } from '../errors.js';
import { type PgTarget, pgTarget } from '../pg/target.js';
import type { PlanContext } from './define.js';

/** The variables of another inventory host (e.g. the primary), from `hostvars`. */
export function peerVars(ctx: PlanContext, name: string): Record<string, unknown> {
  const all = ctx.vars.hostvars as Record<string, Record<string, unknown>> | undefined;
  const v = all?.[name];
  if (!v) throw new InputError(`'${name}' is not a host of the inventory (or a peer given to connect())`);
  return v;
}

/** How to reach the PostgreSQL server of another inventory host on that host (its `pg_*` variables). */
export function peerTarget(ctx: PlanContext, name: string): PgTarget {
  return pgTarget(peerVars(ctx, name));
}

/**
 * The address this host's server connects to for replication: `pg_address` of the primary (the address
 * PostgreSQL is reached at, when it differs from the ssh address), else its `ansible_host`, else its name.
 */
export function peerAddress(ctx: PlanContext, name: string): string {
  const v = peerVars(ctx, name);
  const pick = [v.pg_address, v.ansible_host].find((x) => typeof x === 'string' && x !== '');
  return (pick as string | undefined) ?? name;
}
