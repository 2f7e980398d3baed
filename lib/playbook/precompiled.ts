import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Ajv, Options, ValidateFunction } from 'ajv';

const req = createRequire(import.meta.url);

/**
 * The two ways schemas are checked: `load` (the playbook as written: every error, with the value found) and
 * `run` (rendered task arguments: "10" and "true" coerced as Ansible coerces module arguments).
 */
export type Flavor = 'load' | 'run';

// optimize: false: compiling is most of a short run's CPU, and it halves it; validating small values stays fast.
// validateSchema: false: the schemas are typed in their files, and checking them compiled the meta-schema (~30 ms).
const base: Options = { allErrors: true, strict: false, validateSchema: false, code: { optimize: false } };

/** ajv's options for each flavour; `npm run build` precompiles with the same ones. */
export const AJV_OPTIONS: Record<Flavor, Options> = {
  load: { ...base, verbose: true },
  run: { ...base, coerceTypes: true },
};

/** The file name (without directory) of a schema's precompiled validator. */
export function schemaFile(flavor: Flavor, schema: object): string {
  const hash = createHash('sha1').update(JSON.stringify(schema)).digest('hex').slice(0, 24);
  return `${flavor}-${hash}.cjs`;
}

type Loader = () => { default: ValidateFunction };
const bundled = new Map<string, Loader>();

/**
 * The validators the CLI's bundle carries, by file name (lib/engine/bundle.ts calls this before the CLI
 * starts): compiled with the rest of the bundle, and so kept in its code cache, not loaded file by file.
 */
export function provideValidators(table: Record<string, Loader>): void {
  for (const [name, load] of Object.entries(table)) bundled.set(name, load);
}

/**
 * The validator `npm run build` generated for this schema (dist/schemas/, see engine/precompile.ts), or
 * undefined: under tsx, or for a schema the build did not know. Loading one costs about a millisecond;
 * compiling it costs tens, and loading ajv itself ~30 ms.
 */
export function precompiled(flavor: Flavor, schema: object): ValidateFunction | undefined {
  const name = schemaFile(flavor, schema);
  const carried = bundled.get(name);
  if (carried) return carried().default;
  try {
    return (req(`../schemas/${name}`) as { default: ValidateFunction }).default;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return undefined;
    throw e;
  }
}

const instances = new Map<Flavor, Ajv>();

/** The ajv instance of a flavour, loaded on first use (only for schemas that were not precompiled). */
export function ajvFor(flavor: Flavor): Ajv {
  let ajv = instances.get(flavor);
  if (!ajv) {
    const { Ajv: AjvClass } = req('ajv') as typeof import('ajv');
    ajv = new AjvClass(AJV_OPTIONS[flavor]);
    instances.set(flavor, ajv);
  }
  return ajv;
}

/** A validator for the schema: the precompiled one when the build made it, else compiled now (and kept). */
export function validatorFor(flavor: Flavor, schema: object): ValidateFunction {
  return precompiled(flavor, schema) ?? ajvFor(flavor).compile(schema);
}
