import type { JSONSchemaType } from 'ajv';
import { ApplyError, InputError } from '../errors.js';
import type { FileState } from '../facts/file.js';
import { listDir } from '../facts/probes.js';
import { type Action, exec, type FileAttrs, makeDir, setAttrs, writeFile } from '../model/actions.js';
import { sh } from '../model/command.js';
import { defineTask, type Plan, type PlanContext } from './define.js';

/** Mode, owner and group of a file as tasks take them; undefined leaves the attribute as it is (see {@link attrSchemaProps}). */
export interface AttrArgs {
  mode?: string;
  owner?: string;
  group?: string;
  backup?: boolean;
}

/** Schema properties of {@link AttrArgs}, shared by every task that writes a file. */
export const attrSchemaProps = {
  mode: {
    type: 'string',
    pattern: '^[0-7]{3,4}$',
    nullable: true,
    description:
      'octal mode as a quoted string, e.g. "0644" (YAML 1.2 reads an unquoted 0644 as the number 644)',
  },
  owner: {
    type: 'string',
    minLength: 1,
    nullable: true,
    description: 'the owning user (unset: left as it is)',
  },
  group: { type: 'string', minLength: 1, nullable: true, description: 'the group (unset: left as it is)' },
  backup: {
    type: 'boolean',
    nullable: true,
    default: false,
    description: 'keep the old content beside the file when it changes',
  },
} as const;

/** Rejects a numeric mode with a message that says why, in case it got past the schema. */
export function checkMode(mode: unknown): string | undefined {
  if (mode === undefined) return undefined;
  if (typeof mode === 'number')
    throw new InputError(
      `mode must be a quoted octal string such as "0644", found the number ${mode} (YAML 1.2 reads an unquoted 0644 as 644)`,
    );
  if (typeof mode !== 'string' || !/^[0-7]{3,4}$/.test(mode))
    throw new InputError(`mode must be an octal string such as "0644", found ${JSON.stringify(mode)}`);
  return mode.padStart(4, '0');
}

/** The wanted attributes that differ from the file's, as setAttrs before/after; null when none differ. */
export function attrChanges(st: FileState, a: AttrArgs): { before: FileAttrs; after: FileAttrs } | null {
  const before: FileAttrs = {};
  const after: FileAttrs = {};
  const mode = checkMode(a.mode);
  if (mode !== undefined && mode !== st.mode) [before.mode, after.mode] = [st.mode, mode];
  if (a.owner !== undefined && a.owner !== st.owner) [before.owner, after.owner] = [st.owner, a.owner];
  if (a.group !== undefined && a.group !== st.group) [before.group, after.group] = [st.group, a.group];
  return Object.keys(after).length > 0 ? { before, after } : null;
}

function wanted(a: AttrArgs): FileAttrs {
  const out: FileAttrs = {};
  const mode = checkMode(a.mode);
  if (mode !== undefined) out.mode = mode;
  if (a.owner !== undefined) out.owner = a.owner;
  if (a.group !== undefined) out.group = a.group;
  return out;
}

/**
 * Plans a file to hold `after` (null: removed) with the given attributes: one writeFile when the content
 * differs (carrying the attributes), a setAttrs when only attributes differ, nothing otherwise.
 * `reason` explains the outcome.
 */
export function planContent(st: FileState, after: string | null, a: AttrArgs, reason: string): Plan {
  if (st.isDir) throw new ApplyError(`${st.path} is a directory, expected a file`);
  if (after === null) {
    if (!st.exists) return { actions: [], reason };
    const w = writeFile({ path: st.path, before: st.content, after: null });
    if (a.backup) w.backup = true;
    return { actions: [w], reason };
  }
  if (!st.exists || st.content !== after) {
    const w = writeFile({ path: st.path, before: st.content, after, ...wanted(a) });
    if (a.backup && st.exists) w.backup = true;
    return { actions: [w], reason };
  }
  const ch = attrChanges(st, a);
  if (!ch) return { actions: [], reason };
  return { actions: [setAttrs({ path: st.path, ...ch })], reason: `${reason}; attributes differ` };
}

/** Arguments of {@link file}; their meaning is in the schema below (`run-playbook help file`). */
export interface FileArgs extends AttrArgs {
  path: string;
  state?: 'file' | 'directory' | 'absent';
  content?: string;
}

const schema: JSONSchemaType<FileArgs> = {
  type: 'object',
  properties: {
    path: { type: 'string', minLength: 1, description: 'the path on the host' },
    state: {
      type: 'string',
      enum: ['file', 'directory', 'absent'],
      nullable: true,
      default: 'file',
      description: 'absent removes a file or an empty directory',
    },
    content: {
      type: 'string',
      nullable: true,
      description: 'the whole content of the file (unset: left as it is, the file must exist)',
    },
    ...attrSchemaProps,
  },
  required: ['path'],
  additionalProperties: false,
};

function planDir(st: FileState, args: FileArgs): Plan {
  if (args.content !== undefined)
    throw new InputError('file: "content" cannot be given with state: directory');
  if (!st.exists)
    return { actions: [makeDir({ path: st.path, ...wanted(args) })], reason: 'directory created' };
  if (!st.isDir) throw new ApplyError(`${st.path} exists and is not a directory`);
  const ch = attrChanges(st, args);
  if (!ch) return { actions: [], reason: 'directory exists' };
  return { actions: [setAttrs({ path: st.path, ...ch })], reason: 'directory attributes differ' };
}

async function planAbsent(ctx: PlanContext, st: FileState): Promise<Plan> {
  if (!st.exists) return { actions: [], reason: 'already absent' };
  if (!st.isDir) return planContent(st, null, {}, 'file removed');
  // Only an empty directory is removed: a task that deletes a tree by mistake cannot be undone.
  const r = await ctx.facts.run(listDir(st.path));
  if (r.code !== 0 || r.stdout.trim() !== '')
    throw new ApplyError(`${st.path} is a directory that is not empty; file removes only empty directories`);
  const action: Action = exec({ summary: `rmdir ${st.path}`, cmd: sh`rmdir ${st.path}` });
  return { actions: [action], reason: 'empty directory removed' };
}

function planFile(st: FileState, args: FileArgs): Plan {
  if (args.content !== undefined) {
    const reason = !st.exists
      ? 'file created'
      : st.content === args.content
        ? 'content as wanted'
        : 'content changes';
    return planContent(st, args.content, args, reason);
  }
  if (!st.exists) throw new ApplyError(`${st.path} does not exist; give "content" to create it`);
  if (st.isDir) throw new ApplyError(`${st.path} is a directory, expected a file`);
  return planContent(st, st.content, args, 'file exists');
}

/** A whole file (content, mode, owner, group), a directory, or the absence of either. */
export const file = defineTask<FileArgs>({
  name: 'file',
  description: 'a file with the given whole content and attributes, a directory, or nothing at the path',
  schema,
  async plan(ctx, args) {
    checkMode(args.mode);
    const st = await ctx.facts.file(args.path);
    const state = args.state ?? 'file';
    if (state === 'directory') return planDir(st, args);
    if (state === 'absent') return planAbsent(ctx, st);
    return planFile(st, args);
  },
});
