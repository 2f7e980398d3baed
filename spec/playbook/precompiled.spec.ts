import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ValidateFunction } from 'ajv';
import { expect } from 'chai';
import { precompileSchemas } from '../../lib/engine/precompile.js';
import { ajvFor, type Flavor, schemaFile } from '../../lib/playbook/precompiled.js';
import { playSchema, roleEntrySchema, taskKeywordSchema } from '../../lib/playbook/schema.js';
import { registry } from '../../lib/tasks/registry.js';

const req = createRequire(import.meta.url);

/** Values that exercise types, enums, required and unknown keys, and coercion, against any object schema. */
function samples(schema: { properties?: Record<string, unknown> }): unknown[] {
  const keys = Object.keys(schema.properties ?? {});
  const each = (v: unknown) => Object.fromEntries(keys.map((k) => [k, v]));
  return [{}, null, 'x', [], each('10'), each(10), each(true), each('true'), each({}), { nosuch: 1 }];
}

describe('precompiled schema validators (npm run build)', () => {
  let dir: string;
  before(() => {
    // inside the project, as dist/schemas is: the validators require ajv's small runtime helpers
    dir = mkdtempSync(join(fileURLToPath(new URL('../..', import.meta.url)), '.rp-schemas-'));
    precompileSchemas(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const cases: [Flavor, string, object][] = [
    ['load', 'play', playSchema],
    ['load', 'task keywords', taskKeywordSchema],
    ['load', 'role entry', roleEntrySchema],
    ...Object.entries(registry).flatMap(([name, t]): [Flavor, string, object][] => [
      ['load', name, t.schema],
      ['run', name, t.schema],
    ]),
  ];

  it('writes one file per schema and flavour, named as a run looks it up', () => {
    const files = readdirSync(dir);
    for (const [flavor, , schema] of cases) expect(files).to.include(schemaFile(flavor, schema));
  });

  for (const [flavor, name, schema] of cases)
    it(`${flavor} ${name}: the same verdicts, errors and coerced values as compiling at run time`, () => {
      const pre = req(join(dir, schemaFile(flavor, schema))) as { default: ValidateFunction };
      const live = ajvFor(flavor).compile(schema);
      for (const sample of samples(schema)) {
        const [a, b] = [structuredClone(sample), structuredClone(sample)];
        const ok = pre.default(a);
        expect(live(b), JSON.stringify(sample)).to.equal(ok);
        expect(pre.default.errors ?? null).to.deep.equal(live.errors ?? null);
        expect(a).to.deep.equal(b);
      }
    });
});
