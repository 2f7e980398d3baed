/** Physical replication slots, one per standby: names from inventory hosts, and the SQL to read and change them. */
import { parseRows, sqlLiteral } from './target.js';

/**
 * The slot name of a standby: its inventory name in lower case, every character PostgreSQL does not allow in a
 * slot name (only a–z, 0–9 and `_`) turned into `_`, at most 63 bytes.
 */
export function slotName(host: string): string {
  return host
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 63);
}

/** A physical slot as pg_replication_slots shows it; `walStatus` is empty before 13. */
export interface SlotRow {
  name: string;
  active: boolean;
  walStatus: string;
  /** bytes of WAL the slot holds back on the primary (empty when unknown) */
  retainedBytes: string;
}

/** Every physical slot, with wal_status on 13+ (read through jsonb so one query works on 10–18). */
export const slotsSql = `SELECT s.slot_name, s.active, coalesce(to_jsonb(s)->>'wal_status', ''), CASE WHEN pg_is_in_recovery() OR s.restart_lsn IS NULL THEN '' ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::bigint::text END FROM pg_replication_slots s WHERE s.slot_type = 'physical' ORDER BY 1`;

/** Parses {@link slotsSql}. */
export function parseSlots(out: string): SlotRow[] {
  return parseRows(out).map(([name = '', active, walStatus = '', retained = '']) => ({
    name,
    active: active === 't',
    walStatus,
    retainedBytes: retained,
  }));
}

/** Creates a physical slot that reserves WAL at once, so a copy taken next finds every segment it needs. */
export const createSlotSql = (name: string): string =>
  `SELECT pg_create_physical_replication_slot(${sqlLiteral(name)}, true);`;

/** Drops a slot (PostgreSQL refuses while a standby uses it). */
export const dropSlotSql = (name: string): string => `SELECT pg_drop_replication_slot(${sqlLiteral(name)});`;

/** What to do with the slots: create the missing ones, report (and, when asked, drop) those nobody listed. */
export interface SlotPlan {
  create: string[];
  drop: string[];
  /** slots no standby of the inventory uses, kept */
  orphans: SlotRow[];
}

/** Plans the slots for the wanted names; only inactive unlisted slots are ever dropped. */
export function planSlots(
  wanted: readonly string[],
  found: readonly SlotRow[],
  dropUnlisted: boolean,
): SlotPlan {
  const have = new Set(found.map((s) => s.name));
  const want = new Set(wanted);
  const unlisted = found.filter((s) => !want.has(s.name));
  const droppable = dropUnlisted ? unlisted.filter((s) => !s.active) : [];
  return {
    create: wanted.filter((n) => !have.has(n)),
    drop: droppable.map((s) => s.name),
    orphans: unlisted.filter((s) => !droppable.includes(s)),
  };
}
