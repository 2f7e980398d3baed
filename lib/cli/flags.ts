import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';

/** One command-line flag. The table below is its only description: the parser and `--help` are made from it. */
export interface Flag {
  /** the long name, without `--` */
  name: string;
  /** the one-letter alias, without `-` */
  short?: string;
  /** the name of its value in --help (e.g. `SRC`); absent for a switch */
  arg?: string;
  /** may be given more than once: values are collected in order, a repeated switch is counted (-vvv) */
  repeat?: boolean;
  /** one line for --help */
  help: string;
  /** where --help lists it: with the options of a run (default) or under `sandbox up` */
  section?: 'sandbox';
}

/** Every flag of `run-playbook`. Adding a flag is one entry here (and reading it in `parseCli`). */
export const FLAGS = [
  {
    name: 'inventory',
    short: 'i',
    arg: 'SRC',
    repeat: true,
    help: "inventory file, directory, executable script or 'h1,h2,' list (repeatable)",
  },
  { name: 'limit', short: 'l', arg: 'PATTERN', help: 'further limit the hosts (a:b, a:&b, a:!b, globs)' },
  { name: 'connection', short: 'c', arg: 'KIND', help: 'ssh (default) or local, for every host' },
  {
    name: 'tags',
    short: 't',
    arg: 'TAGS',
    repeat: true,
    help: 'run only tasks with these tags (comma list)',
  },
  { name: 'skip-tags', arg: 'TAGS', repeat: true, help: 'skip tasks with these tags' },
  {
    name: 'extra-vars',
    short: 'e',
    arg: 'VARS',
    repeat: true,
    help: 'k=v, JSON, or @file (highest precedence; repeatable)',
  },
  {
    name: 'vault-password-file',
    arg: 'FILE',
    repeat: true,
    help: 'vault password in FILE, or printed by it when executable (repeatable)',
  },
  { name: 'vault-pass-file', arg: 'FILE', repeat: true, help: 'the same as --vault-password-file' },
  {
    name: 'vault-id',
    arg: 'ID',
    repeat: true,
    help: 'LABEL@FILE, LABEL@prompt or FILE: a vault password for a vault id (repeatable)',
  },
  { name: 'ask-vault-pass', short: 'J', help: 'ask for the vault password on the terminal (no echo)' },
  { name: 'ask-vault-password', help: 'the same as --ask-vault-pass' },
  { name: 'check', short: 'C', help: 'plan only: change nothing, report what would change' },
  { name: 'diff', short: 'D', help: 'show the changes (unified diffs, labelled predictions)' },
  { name: 'forks', short: 'f', arg: 'N', help: 'hosts in parallel per task (default 10)' },
  {
    name: 'verbose',
    short: 'v',
    repeat: true,
    help: 'more output (-vv, -vvv): reasons, remote commands (secrets masked)',
  },
  { name: 'json', help: 'write one machine-readable JSON report to stdout' },
  { name: 'list-hosts', help: 'list the hosts each play would run on, and stop' },
  { name: 'list-tasks', help: 'list the tasks each play would run, and stop' },
  { name: 'syntax-check', help: 'check the playbook, and stop' },
  { name: 'detailed-exitcode', help: 'exit 6 when something changed (with --check: would change)' },
  { name: 'list', help: 'with inventory: print the inventory as ansible-inventory --list does' },
  { name: 'help', short: 'h', help: 'this text (run-playbook help TASK: the arguments of a task)' },
  { name: 'version', help: 'the version' },
  { name: 'ssh', section: 'sandbox', help: 'reach the nodes over a local sshd instead of directly' },
  {
    name: 'layout',
    arg: 'KIND',
    section: 'sandbox',
    help: 'initdb (default) or debian (pg_ctlcluster paths)',
  },
  { name: 'standbys', arg: 'N', section: 'sandbox', help: 'how many standbys (default 1)' },
  { name: 'dir', arg: 'DIR', section: 'sandbox', help: 'where the sandbox lives (default .sandbox)' },
] as const satisfies readonly Flag[];

type AnyFlag = (typeof FLAGS)[number];
/** The long name of a flag in {@link FLAGS}. */
export type FlagName = AnyFlag['name'];
type Named<K> = Extract<AnyFlag, { name: K }>;
/** Flags that take a value. */
export type ValueFlag = { [K in FlagName]: Named<K> extends { arg: string } ? K : never }[FlagName];
/** Flags that are switches. */
export type SwitchFlag = Exclude<FlagName, ValueFlag>;

/** The parsed flags, read by name (typed against the table) and positional words. */
export interface ParsedFlags {
  positionals: string[];
  /** the last value given (undefined when absent) */
  value(name: ValueFlag): string | undefined;
  /** every value given, in order */
  values(name: ValueFlag): string[];
  /** how often a switch was given (0 when absent) */
  count(name: SwitchFlag): number;
}

/** Splits argv by the table; an unknown flag or a missing value is a UsageError. */
export function parseFlags(argv: string[]): ParsedFlags {
  const options = Object.fromEntries(
    FLAGS.map((f: Flag) => [
      f.name,
      { type: f.arg ? 'string' : 'boolean', multiple: true, ...(f.short ? { short: f.short } : {}) } as const,
    ]),
  );
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const all = (name: FlagName) => (parsed.values[name] ?? []) as (string | boolean)[];
  return {
    positionals: parsed.positionals,
    value: (name) => all(name).map(String).at(-1),
    values: (name) => all(name).map(String),
    count: (name) => all(name).length,
  };
}

/** The flags of one --help section, one per line: `  -i, --inventory SRC   inventory file, …`. */
export function flagHelp(section: Flag['section']): string {
  const flags: readonly Flag[] = FLAGS.filter((f: Flag) => f.section === section);
  const left = (f: Flag) => `${f.short ? `-${f.short}, ` : '    '}--${f.name}${f.arg ? ` ${f.arg}` : ''}`;
  const width = Math.max(...FLAGS.map((f: Flag) => left(f).length)) + 2;
  return flags.map((f) => `  ${left(f).padEnd(width)}${f.help}`).join('\n');
}
