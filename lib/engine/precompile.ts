import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Ajv, AnySchemaObject } from 'ajv';
import { AJV_OPTIONS, type Flavor, schemaFile } from '../playbook/index.js';
import { playSchema, roleEntrySchema, taskKeywordSchema } from '../playbook/schema.js';
import { registry } from '../tasks/registry.js';

const req = createRequire(import.meta.url);

/** The schemas a run checks, by flavour: the playbook's own keywords, and every task's arguments both ways. */
function schemasByFlavor(): Record<Flavor, AnySchemaObject[]> {
  const tasks = Object.values(registry).map((t) => t.schema as AnySchemaObject);
  return { load: [playSchema, taskKeywordSchema, roleEntrySchema, ...tasks], run: tasks };
}

/**
 * Writes one standalone validator per schema and flavour into `dir` (CommonJS, so that a run can load the one
 * it needs synchronously; see playbook/precompiled.ts). ajv generates them with the options a run would use,
 * so they are the validators a run would compile, made at build time instead of on every start.
 */
export function precompileSchemas(dir: string): number {
  const { Ajv: AjvClass } = req('ajv') as typeof import('ajv');
  const standalone = req('ajv/dist/standalone') as { default: (ajv: Ajv, fn: unknown) => string };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  let n = 0;
  for (const [flavor, schemas] of Object.entries(schemasByFlavor()) as [Flavor, AnySchemaObject[]][]) {
    const ajv = new AjvClass({ ...AJV_OPTIONS[flavor], code: { ...AJV_OPTIONS[flavor].code, source: true } });
    for (const schema of new Set(schemas)) {
      writeFileSync(join(dir, schemaFile(flavor, schema)), standalone.default(ajv, ajv.compile(schema)));
      n++;
    }
  }
  return n;
}

// npm run build: node dist/engine/precompile.js dist/schemas
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: precompile.js DIR');
  process.stdout.write(`precompiled ${precompileSchemas(dir)} validators into ${dir}\n`);
}
