import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { getHeapCodeStatistics } from 'node:v8';
import { Script } from 'node:vm';

/**
 * The CLI's start-up with a V8 code cache, as Node 22's `module.enableCompileCache()` keeps one (Node 20 has no
 * such thing). Without it every run parses and compiles the bundle's functions again as it first calls them:
 * about 0.1–0.2 s of CPU in a replication `--check --diff`. The bundle (dist/bin/cli.cjs, see bundle.ts) is run
 * through `vm.Script` with the bytecode a previous run left, and a run leaves its own when it exits if there
 * was none, if V8 refused it (another Node, other flags), or if this run compiled a good deal more than the run
 * that wrote it (a `--version` first, a replication run later): a run that starts from a cache holds the cached
 * functions and its own, so the cache only grows, towards what the runs of this user need.
 *
 * The cache is code this user's process will run, so it is kept where only this user can write: a directory of
 * ours, 0700, not a link, and a file of ours that no one else may write; anything else is ignored, never
 * trusted. The file is named by a hash of the bundle, Node's version and the platform: V8 itself checks only the
 * source's length, so a new build must never meet an old build's cache. NODE_DISABLE_COMPILE_CACHE=1 (Node's
 * own switch) turns it off. Any failure to find, read or write it is silent: the run is the same without it.
 */

/** Where the caches live: beside the kept ssh masters (connection/persist.ts), private to the user. */
export function codeCacheDir(home: string = homedir()): string {
  return join(home, '.cache', 'run-playbook', 'v8');
}

/** The flags Node was started with: its own arguments and NODE_OPTIONS. */
export function nodeFlags(execArgv: readonly string[] = process.execArgv): string {
  return [...execArgv, process.env.NODE_OPTIONS ?? ''].join(' ');
}

/**
 * The cache file of this bundle text under this Node and its flags (V8 refuses a cache made under other flags:
 * runs that alternate NODE_OPTIONS keep one file each instead of rewriting one at every switch).
 */
export function codeCacheFile(dir: string, source: string, flags: string = nodeFlags()): string {
  const key = createHash('sha256')
    .update(`${process.version} ${process.arch} ${process.platform} ${flags}\n`)
    .update(source)
    .digest('hex')
    .slice(0, 24);
  return join(dir, `cli-${key}.bin`);
}

/** A cache file: how much bytecode the process that wrote it held (a u32 in front), and V8's data. */
interface Cached {
  bytecode: number;
  data: Buffer;
}

/** How much more bytecode than the cache's writer held makes a run write the cache again. */
const GROWTH = 1.1;

const mine = (path: string, dir: boolean): boolean => {
  const st = lstatSync(path);
  return (dir ? st.isDirectory() : st.isFile()) && st.uid === process.getuid?.() && (st.mode & 0o022) === 0;
};

/** The cached bytecode, if there is one this user alone could have written. */
function readCache(file: string): Cached | undefined {
  try {
    if (!mine(dirname(file), true) || !mine(file, false)) return undefined;
    const b = readFileSync(file);
    return b.length > 4 ? { bytecode: b.readUInt32LE(0), data: b.subarray(4) } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes the cache atomically (a private temporary file, renamed); drops other builds' caches, and the
 * temporary files of a writer that was killed, once they are a week old.
 */
function writeCache(file: string, bytecode: number, data: Buffer): boolean {
  try {
    const dir = dirname(file);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!mine(dir, true)) return false;
    const head = Buffer.alloc(4);
    head.writeUInt32LE(Math.min(bytecode, 0xffffffff));
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.concat([head, data]), { mode: 0o600 });
    renameSync(tmp, file);
    const old = Date.now() - 7 * 86_400_000;
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (p !== file && /^cli-[0-9a-f]+\.bin(\.\d+\.tmp)?$/.test(f) && lstatSync(p).mtimeMs < old)
        rmSync(p, { force: true });
    }
    return true;
  } catch {
    return false; // no cache this time: a read-only or full home is not the run's failure
  }
}

/** What happened to the cache in this process: for specs and for `RUN_PLAYBOOK_DEBUG_CODE_CACHE`. */
export type CacheUse = 'off' | 'none' | 'used' | 'rejected';

/**
 * Runs the CommonJS bundle `file` as Node would (`require(file)`), from its cached bytecode when there is
 * some, and arranges for the cache to be written at exit when it should be (see above); returns what the
 * cache did.
 */
export function runBundle(file: string, home?: string): CacheUse {
  const source = readFileSync(file, 'utf8').replace(/^#!.*/, '');
  let cacheFile: string | undefined;
  try {
    if (!process.env.NODE_DISABLE_COMPILE_CACHE)
      cacheFile = codeCacheFile(codeCacheDir(home ?? homedir()), source);
  } catch {
    // no home directory to be found: run without a cache
  }
  const cached = cacheFile === undefined ? undefined : readCache(cacheFile);
  // Node's own CommonJS wrapper, on the source's first line: stack traces keep their line numbers
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    ...(cached ? { cachedData: cached.data } : {}),
  });
  const use: CacheUse = !cacheFile
    ? 'off'
    : !cached
      ? 'none'
      : script.cachedDataRejected
        ? 'rejected'
        : 'used';
  const debug = !!process.env.RUN_PLAYBOOK_DEBUG_CODE_CACHE;
  if (debug) process.stderr.write(`code cache: ${use}\n`);
  if (cacheFile) {
    // the handler keeps numbers only: the cache's megabyte is not held for the rest of the run
    const [to, before] = [cacheFile, cached?.bytecode ?? 0];
    process.once('exit', () => {
      const bytecode = getHeapCodeStatistics().bytecode_and_metadata_size;
      if (use === 'used' && bytecode <= before * GROWTH) return;
      if (writeCache(to, bytecode, script.createCachedData()) && debug)
        process.stderr.write('code cache: written\n');
    });
  }
  const mod = { exports: {} };
  const fn = script.runInThisContext() as (...a: unknown[]) => void;
  fn.call(mod.exports, mod.exports, createRequire(file), mod, file, dirname(file));
  return use;
}
