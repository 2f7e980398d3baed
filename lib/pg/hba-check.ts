import { parseRows } from './target.js';

/** A row of `pg_hba_file_rules` that PostgreSQL could not load. */
export interface HbaFileError {
  line: number;
  /** the file holding the record (from 16, where pg_hba may include other files) */
  file?: string;
  error: string;
}

/**
 * Lists the records PostgreSQL rejects, as it parses the file on disk right now (pg_hba_file_rules reads the
 * file afresh, independent of the reload). `file_name` exists from 16, with pg_hba's include directives.
 */
export function hbaErrorsSql(version: number): string {
  const file = version >= 16 ? 'file_name' : "''";
  return `select line_number, ${file}, error from pg_catalog.pg_hba_file_rules where error is not null order by 2, 1;\n`;
}

/** Parses the output of {@link hbaErrorsSql}. */
export function parseHbaErrors(out: string): HbaFileError[] {
  return parseRows(out).map(([line = '0', file = '', error = '']) => ({
    line: Number(line),
    ...(file ? { file } : {}),
    error,
  }));
}

/** The message for rejected records: PostgreSQL's own text, with file and line. */
export function formatHbaErrors(errors: readonly HbaFileError[], path: string): string {
  return errors.map((e) => `${e.file ?? path}:${e.line}: ${e.error}`).join('\n');
}
