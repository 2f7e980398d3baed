/** What a file looks like on the host. `mode` is 4-digit octal, e.g. "0640". */
export interface FileState {
  path: string;
  exists: boolean;
  isDir: boolean;
  content: string | null;
  mode?: string;
  owner?: string;
  group?: string;
}

/** Parses the output of filesProbe (probes.ts), in the order of `paths`. */
export function parseFilesProbe(paths: readonly string[], out: string): FileState[] {
  const lines = out.split('\n');
  return paths.map((path, i) => {
    const [kind, mode, owner, group] = (lines[2 * i] ?? '').split(' ');
    if (kind !== 'F' && kind !== 'D') return { path, exists: false, isDir: false, content: null };
    const attrs = { mode: (mode ?? '').padStart(4, '0'), owner, group };
    if (kind === 'D') return { path, exists: true, isDir: true, content: null, ...attrs };
    const content = Buffer.from(lines[2 * i + 1] ?? '', 'base64').toString('utf8');
    return { path, exists: true, isDir: false, content, ...attrs };
  });
}
