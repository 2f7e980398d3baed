import { chmodSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Bundles the CLI (lib/cli.ts and everything it imports, yaml included) into one CommonJS file,
 * `<dist>/bin/cli.cjs`, with esbuild, and makes `<dist>/cli.js` a small entry that runs it through a V8 code cache
 * (engine/code-cache.ts). Node then reads one file instead of about 150 modules (40 ms of `--version`, 60–120 ms
 * of a no-op replication run on the development machine), and a run after the first compiles almost nothing.
 * One file, not ES module chunks, because `vm.Script` is what can take cached bytecode on Node 20; the lazy
 * imports stay lazy (esbuild runs a module's body when it is first required). The validators precompiled into
 * `<dist>/schemas` are bundled too, so their large generated functions are in the cache as well (each run
 * compiled those it used again), and so is the diff library (for --diff and --json, see report/diff.ts). The
 * library (`dist/index.js`) stays tsc's output and loads the validators
 * from `dist/schemas`. Handlebars and ajv (with the runtime helpers the validators require) stay in
 * node_modules, loaded with require from `dist/bin/` as from `dist/<dir>/`.
 */
export async function bundleCli(dist: string, entryFile: string): Promise<void> {
  const { build } = await import('esbuild');
  const entry = resolve(entryFile);
  const out = join(dist, 'bin');
  rmSync(out, { recursive: true, force: true });
  // the validators dist/schemas holds (engine/precompile.ts) go into the bundle, handed to precompiled.ts
  // before the CLI's own modules run (the few ajv runtime helpers they require stay in node_modules)
  const schemas = join(dist, 'schemas');
  const names = existsSync(schemas) ? readdirSync(schemas).filter((f) => f.endsWith('.cjs')) : [];
  const table = names.map((n) => `  ${JSON.stringify(n)}: () => require(${JSON.stringify(`./${n}`)}),`);
  const precompiled = join(dirname(entry), 'playbook', 'precompiled.js');
  const validators = `import { provideValidators } from ${JSON.stringify(precompiled)};
provideValidators({
${table.join('\n')}
});
`;
  await build({
    stdin: {
      contents: `import 'rpb:validators';\nimport ${JSON.stringify(entry)};\n`,
      resolveDir: dirname(entry),
      loader: 'js',
    },
    plugins: [
      {
        name: 'validators',
        setup(b) {
          b.onResolve({ filter: /^rpb:validators$/ }, () => ({ path: 'validators', namespace: 'rpb' }));
          b.onLoad({ filter: /.*/, namespace: 'rpb' }, () => ({
            contents: validators,
            resolveDir: schemas,
            loader: 'js',
          }));
        },
      },
    ],
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    outfile: join(out, 'cli.cjs'),
    // ajv itself (for a schema no validator was made for) is loaded by createRequire, outside the bundle
    external: ['handlebars', 'ajv'],
    // the sources are ES modules: their import.meta.url is the bundle's own URL
    define: { 'import.meta.url': '__rpbUrl' },
    // names are kept (stack traces name functions); whitespace and syntax are not: 1.5 MB of source became
    // 1 MB, and 20 no-op tasks on 100 hosts peaked at 133–135 MB of RSS instead of 145–150 MB
    minifyWhitespace: true,
    minifySyntax: true,
    banner: { js: "const __rpbUrl = require('node:url').pathToFileURL(__filename).href;" },
    logLevel: 'warning',
  });
  for (const f of ['cli.js.map', 'cli.d.ts', 'cli.d.ts.map']) rmSync(join(dist, f), { force: true });
  // the entry: code-cache.ts's loader and nothing else, in the file itself (one module to load)
  await build({
    stdin: { contents: ENTRY, resolveDir: dirname(fileURLToPath(import.meta.url)), loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile: join(dist, 'cli.js'),
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'warning',
  });
  chmodSync(join(dist, 'cli.js'), 0o755);
}

const ENTRY = `import { fileURLToPath } from 'node:url';
import { runBundle } from './code-cache.js';
runBundle(fileURLToPath(new URL('./bin/cli.cjs', import.meta.url)));
`;

// npm run build: node dist/engine/bundle.js dist lib/cli.ts
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [dist, entry] = process.argv.slice(2);
  if (!dist || !entry) throw new Error('usage: node dist/engine/bundle.js <dist> <entry.ts>');
  await bundleCli(dist, entry);
}
