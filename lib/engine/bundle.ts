import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Bundles the CLI (lib/cli.ts and everything it imports, yaml included) into `<dist>/bin/` with esbuild, code
 * split at the CLI's lazy imports (tasks, handlebars' helpers, the sandbox), and makes `<dist>/cli.js` a
 * one-line entry that imports it. Node then loads a handful of files instead of about 150 modules: 40 ms of
 * `--version` and 60–120 ms of a no-op replication run on the development machine. The library (`dist/index.js`)
 * stays tsc's output. Handlebars, diff and ajv's runtime helpers stay in node_modules (loaded with require from
 * `dist/bin/`, as from `dist/<dir>/`), and `dist/schemas` is found from there as before.
 */
export async function bundleCli(dist: string, entry: string): Promise<void> {
  const { build } = await import('esbuild');
  const out = join(dist, 'bin');
  rmSync(out, { recursive: true, force: true });
  await build({
    entryPoints: [entry],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir: out,
    external: ['handlebars', 'diff', 'ajv', 'ajv/*'],
    // CommonJS packages in an ES module bundle (yaml) call require
    banner: {
      js: "import { createRequire as __rpbRequire } from 'node:module'; const require = __rpbRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  for (const f of ['cli.js.map', 'cli.d.ts', 'cli.d.ts.map']) rmSync(join(dist, f), { force: true });
  writeFileSync(join(dist, 'cli.js'), "#!/usr/bin/env node\nimport './bin/cli.js';\n", { mode: 0o755 });
}

// npm run build: node dist/engine/bundle.js dist lib/cli.ts
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [dist, entry] = process.argv.slice(2);
  if (!dist || !entry) throw new Error('usage: node dist/engine/bundle.js <dist> <entry.ts>');
  await bundleCli(dist, entry);
}
