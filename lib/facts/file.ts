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

/** One round trip: a header line `F|D|N mode owner group`, then the content of a regular file. */
export function fileProbe(path: string): Cmd {
  return sh`p=${path}; if [ -d "$p" ]; then echo "D $(stat -c '%a %U %G' "$p")"; elif [ -e "$p" ]; then echo "F $(stat -L -c '%a %U %G' "$p")" && cat "$p"; else echo N; fi`;
}

/** Parses the output of {@link fileProbe}. */
export function parseFileProbe(path: string, out: string): FileState {
  const nl = out.indexOf('\n');
  const header = nl < 0 ? out : out.slice(0, nl);
  const [kind, mode, owner, group] = header.split(' ');
  if (kind === 'N' || kind === undefined) return { path, exists: false, isDir: false, content: null };
  const attrs = { mode: (mode ?? '').padStart(4, '0'), owner, group };
  if (kind === 'D') return { path, exists: true, isDir: true, content: null, ...attrs };
  return { path, exists: true, isDir: false, content: nl < 0 ? '' : out.slice(nl + 1), ...attrs };
}
