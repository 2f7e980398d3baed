import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

/**
 * The CLI's start-up with a V8 code cache, as Node 22's `module.enableCompileCache()` keeps one (Node 20 has no
 * such thing). Without it every run parses and compiles the bundle's functions again as it first calls them:
 * about 100 ms of CPU in a replication `--check --diff`, a tenth of the run. The bundle (dist/bin/cli.cjs, see
 * bundle.ts) is run through `vm.Script` with the bytecode a previous playbook run left, and a playbook run that
 * found none (or one V8 refused: another Node, other flags) leaves its own when it exits.
 *
 * The cache is code this user's process will run, so it is kept where only this user can write: a directory of
 * ours, 0700, not a link, and a file of ours that no one else may write; anything else is ignored, never
 * trusted. The file is named by a hash of the bundle, Node's version and the platform: V8 itself checks only the
 * source's length, so a new build must never meet an old build's cache. NODE_DISABLE_COMPILE_CACHE=1 (Node's
 * own switch) turns it off. Any failure to read or write it is silent: the run is the same without it.
 */

/** The bundle's side: set by the CLI once a playbook ran, so that what it compiled is worth keeping. */
export interface CompiledHint {
  worthKeeping: boolean;
}

/** Where the caches live: beside the kept ssh masters (connection/persist.ts), private to the user. */
export function codeCacheDir(home: string = homedir()): string {
  return join(home, '.cache', 'run-playbook', 'v8');
}

/** The cache file of this bundle text under this Node. */
export function codeCacheFile(dir: string, source: string): string {
  const key = createHash('sha256')
    .update(`${process.version} ${process.arch} ${process.platform}\n`)
    .update(source)
    .digest('hex')
    .slice(0, 24);
  return join(dir, `cli-${key}.bin`);
}

const mine = (path: string, dir: boolean): boolean => {
  const st = lstatSync(path);
  return (dir ? st.isDirectory() : st.isFile()) && st.uid === process.getuid?.() && (st.mode & 0o022) === 0;
};

/** The cached bytecode, if there is one this user alone could have written. */
function readCache(file: string): Buffer | undefined {
  try {
    return mine(dirname(file), true) && mine(file, false) ? readFileSync(file) : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the cache atomically (a private temporary file, renamed), and drops other builds' caches a week old. */
function writeCache(file: string, data: Buffer): void {
  try {
    const dir = dirname(file);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!mine(dir, true)) return;
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, data, { mode: 0o600 });
    renameSync(tmp, file);
    const old = Date.now() - 7 * 86_400_000;
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (p !== file && /^cli-[0-9a-f]+\.bin$/.test(f) && lstatSync(p).mtimeMs < old)
        rmSync(p, { force: true });
    }
  } catch {
    // no cache this time: a read-only or full home is not the run's failure
  }
}

/** What happened to the cache in this process: for specs and for `RUN_PLAYBOOK_DEBUG_CODE_CACHE`. */
export type CacheUse = 'off' | 'none' | 'used' | 'rejected';

/**
 * Runs the CommonJS bundle `file` as Node would (`require(file)`), from its cached bytecode when there is
 * some; returns what the cache did. When the process exits after a playbook ran (the bundle's exported
 * `compiled.worthKeeping`) without a usable cache, the functions compiled by then are written for the next run.
 */
export function runBundle(file: string, home: string = homedir()): CacheUse {
  const source = readFileSync(file, 'utf8').replace(/^#!.*/, '');
  const off = !!process.env.NODE_DISABLE_COMPILE_CACHE;
  const cacheFile = codeCacheFile(codeCacheDir(home), source);
  const cachedData = off ? undefined : readCache(cacheFile);
  // Node's own CommonJS wrapper, on the source's first line: stack traces keep their line numbers
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    cachedData,
  });
  const use: CacheUse = off ? 'off' : !cachedData ? 'none' : script.cachedDataRejected ? 'rejected' : 'used';
  if (process.env.RUN_PLAYBOOK_DEBUG_CODE_CACHE) process.stderr.write(`code cache: ${use}\n`);
  const mod = { exports: {} as { compiled?: CompiledHint } };
  if (use === 'none' || use === 'rejected')
    process.once('exit', () => {
      if (mod.exports.compiled?.worthKeeping) writeCache(cacheFile, script.createCachedData());
    });
  const fn = script.runInThisContext() as (...a: unknown[]) => void;
  fn.call(mod.exports, mod.exports, createRequire(file), mod, file, dirname(file));
  return use;
}
