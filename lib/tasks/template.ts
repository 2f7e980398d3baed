import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { JSONSchemaType } from 'ajv';
import { InputError } from '../errors.js';
import { renderFile } from '../model/template.js';
import { defineTask } from './define.js';
import { type AttrArgs, attrSchemaProps, checkMode, planContent } from './file.js';

/** Arguments of {@link template}; their meaning is in the schema below (`run-playbook help template`). */
export interface TemplateArgs extends AttrArgs {
  src: string;
  dest: string;
}

const schema: JSONSchemaType<TemplateArgs> = {
  type: 'object',
  properties: {
    src: {
      type: 'string',
      minLength: 1,
      description:
        'a handlebars file on the controller: looked up in templates/ of the role, then of the playbook',
    },
    dest: { type: 'string', minLength: 1, description: 'the file on the host' },
    ...attrSchemaProps,
  },
  required: ['src', 'dest'],
  additionalProperties: false,
};

/**
 * Finds a template on the controller: for each base dir in order, `<dir>/templates/<src>` then `<dir>/<src>`,
 * as Ansible searches a role before the playbook. Throws InputError naming every place searched.
 */
export function findTemplate(src: string, baseDirs: readonly string[]): string {
  if (isAbsolute(src)) {
    if (existsSync(src)) return src;
    throw new InputError(`template: ${src} not found`);
  }
  const places = baseDirs.flatMap((d) => [join(d, 'templates', src), join(d, src)]);
  const found = places.find((p) => existsSync(p));
  if (found) return found;
  throw new InputError(`template: ${src} not found; searched ${places.join(', ') || '(no directories)'}`);
}

/** A file on the host rendered from a handlebars template on the controller. */
export const template = defineTask<TemplateArgs>({
  name: 'template',
  description: 'a file rendered from a handlebars template (roles/*/templates or the playbook dir)',
  schema,
  async plan(ctx, args) {
    checkMode(args.mode);
    const src = findTemplate(args.src, ctx.baseDirs);
    const text = renderFile(readFileSync(src, 'utf8'), ctx.vars as Record<string, unknown>, src);
    const st = await ctx.facts.file(args.dest);
    const reason = !st.exists
      ? `created from ${args.src}`
      : st.content === text
        ? 'content as rendered'
        : 'content changes';
    return planContent(st, text, args, reason);
  },
});
