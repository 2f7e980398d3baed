import { type Cmd, sh } from '../model/command.js';

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

/**
 * One round trip for several files: per path a header line `F|D|N mode owner group`, then a line with the
 * content of a regular file in base64 (so any bytes and any number of files parse unambiguously).
 * A file that exists but cannot be read fails the probe.
 */
export function filesProbe(paths: readonly string[]): Cmd {
  return sh`for p in ${paths}; do if [ -d "$p" ]; then echo "D $(stat -c '%a %U %G' "$p")"; echo; elif [ -e "$p" ]; then echo "F $(stat -L -c '%a %U %G' "$p")"; base64 -w0 "$p" || exit 1; echo; else echo N; echo; fi; done`;
}

/** Parses the output of {@link filesProbe}, in the order of `paths`. */
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
