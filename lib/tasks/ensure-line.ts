import type { JSONSchemaType } from 'ajv';
import { ApplyError } from '../errors.js';
import { defineTask } from './define.js';
import { type AttrArgs, attrSchemaProps, checkMode, planContent } from './file.js';
import { editLines, type LineEditOptions } from './line-edit.js';

/** Arguments of {@link ensureLine}; see {@link editLines} for the semantics. */
export interface EnsureLineArgs extends AttrArgs, Omit<LineEditOptions, 'path'> {
  path: string;
}

const schema: JSONSchemaType<EnsureLineArgs> = {
  type: 'object',
  properties: {
    path: { type: 'string', minLength: 1, description: 'the file on the host' },
    line: {
      type: 'string',
      nullable: true,
      description: 'the line to ensure (needed when present; without match, identifies the line when absent)',
    },
    state: {
      type: 'string',
      enum: ['present', 'absent'],
      nullable: true,
      default: 'present',
      description: 'absent removes every matching line',
    },
    match: {
      type: 'string',
      minLength: 1,
      nullable: true,
      description: 'regexp: present replaces the last (or first) matching line; absent removes every match',
    },
    insertBefore: {
      type: 'string',
      minLength: 1,
      nullable: true,
      description: 'regexp or BOF: insert before the last (or first) matching line; no match: end of file',
    },
    insertAfter: {
      type: 'string',
      minLength: 1,
      nullable: true,
      description: 'regexp or EOF: insert after the last (or first) matching line; no match: end of file',
    },
    create: {
      type: 'boolean',
      nullable: true,
      default: false,
      description: 'create a missing file holding just the line (false: a missing file is an error)',
    },
    firstMatch: {
      type: 'boolean',
      nullable: true,
      default: false,
      description: 'use the first match of match and the anchors instead of the last',
    },
    ...attrSchemaProps,
  },
  required: ['path'],
  additionalProperties: false,
};

/** One line present in (or absent from) a text file, Ansible lineinfile-style; never duplicated on rerun. */
export const ensureLine = defineTask<EnsureLineArgs>({
  name: 'ensureLine',
  description:
    'one line present or absent in a text file (whitespace-insensitive; match/insertBefore/insertAfter)',
  schema,
  async plan(ctx, args) {
    checkMode(args.mode);
    const st = await ctx.facts.file(args.path);
    if (st.isDir) throw new ApplyError(`${args.path} is a directory, expected a text file`);
    const r = editLines(st.content, { ...args, path: args.path });
    return planContent(st, r.content, args, r.reason);
  },
});
