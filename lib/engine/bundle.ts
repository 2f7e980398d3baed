import { chmodSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Bundles the CLI (lib/cli.ts and everything it imports, yaml included) into one CommonJS file,
 * `<dist>/bin/cli.cjs`, with esbuild, and makes `<dist>/cli.js` a small entry that runs it through a V8 code cache
 * (engine/code-cache.ts). Node then reads one file instead of about 150 modules (40 ms of `--version`, 60–120 ms
 * of a no-op replication run on the development machine), and a run after the first compiles almost nothing
 * (about 75 ms of a fresh `--check --diff`). One file, not ES module chunks, because `vm.Script` is what can
 * take cached bytecode on Node 20; the lazy imports stay lazy (esbuild runs a module's body when it is first
 * required). The library (`dist/index.js`) stays tsc's output. Handlebars, diff and ajv's runtime helpers stay
 * in node_modules (loaded with require from `dist/bin/`, as from `dist/<dir>/`), and `dist/schemas` is found
 * from there as before.
 */
export async function bundleCli(dist: string, entry: string): Promise<void> {
  const { build } = await import('esbuild');
  const out = join(dist, 'bin');
  rmSync(out, { recursive: true, force: true });
  await build({
    entryPoints: [entry],
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    outfile: join(out, 'cli.cjs'),
    external: ['handlebars', 'diff', 'ajv', 'ajv/*'],
    // the sources are ES modules: their import.meta.url is the bundle's own URL
    define: { 'import.meta.url': '__rpbUrl' },
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
