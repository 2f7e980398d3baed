import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { DEFAULT_PG_BIN } from '../../lib/sandbox/pg-cluster.js';
import { root } from './cli.js';

/** The majors the matrix runs: 15 from Debian, the others from the npm devDependencies `pg10` … `pg18`. */
export const MAJORS = [10, 11, 12, 13, 14, 15, 16, 17, 18] as const;

/** Client tools the npm builds lack; Debian's 15 supplies them (pg-versions.md §5.5). */
const CLIENT_TOOLS = ['psql', 'pg_basebackup'];
const SERVER_TOOLS = ['postgres', 'initdb', 'pg_ctl'];

/**
 * Re-creates the shared-library symlinks the package's postinstall would have made (`npm ci --ignore-scripts`
 * or a blocked install script skip it; without them postgres fails on libicuuc.so.NN). Idempotent.
 */
export function hydrate(pkgDir: string): void {
  const list = JSON.parse(readFileSync(join(pkgDir, 'native', 'pg-symlinks.json'), 'utf8')) as {
    source: string;
    target: string;
  }[];
  for (const { source, target } of list) {
    const path = join(pkgDir, target);
    if (existsSync(path) || isLink(path)) continue;
    symlinkSync(basename(source), path);
  }
}

const isLink = (p: string): boolean => {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
};

/**
 * A bin dir for one major as a host would have it: the server binaries of that major and Debian's 15 client
 * tools (the only psql and pg_basebackup here), as symlinks in a dir the server user can read. pg_ctl and initdb
 * resolve their own symlink, so they find their postgres and share dir in the package.
 */
export function binDirFor(major: number): string {
  if (major === 15) return DEFAULT_PG_BIN;
  const pkg = join(root, 'node_modules', `pg${major}`);
  if (!existsSync(join(pkg, 'native', 'bin', 'postgres')))
    throw new Error(`${pkg} is missing: run npm ci (devDependency pg${major})`);
  hydrate(pkg);
  // one dir per checkout: links into another checkout's node_modules would outlive it
  const dir = join(
    tmpdir(),
    `rp-pgbin-${createHash('sha1').update(root).digest('hex').slice(0, 8)}-${major}`,
  );
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const link = (from: string, name: string) => {
    const to = join(dir, name);
    if (!isLink(to)) symlinkSync(join(from, name), to);
  };
  for (const t of SERVER_TOOLS) link(join(pkg, 'native', 'bin'), t);
  for (const t of CLIENT_TOOLS) link(DEFAULT_PG_BIN, t);
  return dir;
}
