import type { JSONSchemaType } from 'ajv';
import { ApplyError } from '../errors.js';
import { defineTask } from './define.js';
import { type AttrArgs, attrSchemaProps, checkMode, planContent } from './file.js';
import { editLines, type LineEditOptions } from './line-edit.js';

/** Arguments of {@link ensureLine}; see {@link editLines} for the semantics. */
export interface EnsureLineArgs extends AttrArgs, Omit<LineEditOptions, 'path'> {
  path: string;
}

const optString = { type: 'string', nullable: true } as const;

const schema: JSONSchemaType<EnsureLineArgs> = {
  type: 'object',
  properties: {
    path: { type: 'string', minLength: 1 },
    line: optString,
    state: { type: 'string', enum: ['present', 'absent'], nullable: true },
    match: { type: 'string', minLength: 1, nullable: true },
    insertBefore: { type: 'string', minLength: 1, nullable: true },
    insertAfter: { type: 'string', minLength: 1, nullable: true },
    create: { type: 'boolean', nullable: true },
    firstMatch: { type: 'boolean', nullable: true },
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
