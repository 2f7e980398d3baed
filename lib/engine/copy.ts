import type { Become, Connection, ExecResult, Spawned } from '../connection/types.js';
import { ApplyError, CommandError } from '../errors.js';
import type { CopyCluster, CopyEnd } from '../model/actions.js';
import { sh } from '../model/command.js';
import { FILE_TIMEOUT_SEC } from './limits.js';

/** The connection and become of one host, as the copy executor needs them for either end. */
export interface CopyHost {
  conn: Connection;
  become: Become | undefined;
}

/** A file the sender reported on stderr, decoded. */
export interface SentFile {
  name: string;
  content: Buffer;
}

const FILE_LINE = /^RPB-FILE ([\w.-]+) ?([A-Za-z0-9+/=]*)$/;

/** Picks the `RPB-FILE <name> <base64>` lines out of the sender's stderr; empty contents are skipped. */
export function parseSentFiles(stderr: string): SentFile[] {
  const out: SentFile[] = [];
  for (const line of stderr.split('\n')) {
    const m = FILE_LINE.exec(line.trim());
    if (m?.[1] && m[2]) out.push({ name: m[1], content: Buffer.from(m[2], 'base64') });
  }
  return out;
}

/** The sender's stderr without the file lines (those are data, not messages). */
const messages = (stderr: string): string =>
  stderr
    .split('\n')
    .filter((l) => !FILE_LINE.test(l.trim()))
    .join('\n');

function start(h: CopyHost, end: CopyEnd, feed: boolean): Spawned {
  if (!h.conn.spawn) throw new ApplyError(`${h.conn.host}: this connection cannot stream a copy`);
  const become = end.user ? { user: end.user, method: h.become?.method ?? 'sudo' } : h.become;
  const s = h.conn.spawn(end.cmd, { become, stdin: end.stdin });
  // the sender reads only its own stdin payload; the receiver's stdin is fed by the pipe
  if (!feed && end.stdin === undefined) s.stdin.end();
  return s;
}

const mb = (n: number): string => `${(n / 1048576).toFixed(1)} MB`;

/**
 * Pipes the sender's stdout into the receiver's stdin, reporting progress every 64 MB, then writes the files the
 * sender reported (byte-exact, mode 0600, as the receiver's user). Fails with the side's own stderr.
 */
export async function runCopy(
  from: CopyHost,
  to: CopyHost,
  a: CopyCluster,
  progress: (message: string) => void = () => undefined,
): Promise<ExecResult> {
  await Promise.all([from.conn.open(), to.conn.open()]);
  const rx = start(to, a.receive, true);
  const tx = start(from, a.send, false);
  let bytes = 0;
  let next = 64 * 1048576;
  tx.stdout.on('data', (b: Buffer) => {
    bytes += b.length;
    if (bytes >= next) {
      progress(`copied ${mb(bytes)} from ${a.source}`);
      next += 64 * 1048576;
    }
  });
  tx.stdout.pipe(rx.stdin);
  const [sent, received] = await Promise.all([tx.done, rx.done]);
  if (sent.code !== 0) throw new CommandError(a.from, `send ${a.source}`, sent.code, messages(sent.stderr));
  if (received.code !== 0)
    throw new CommandError(to.conn.host, `receive into ${a.targetDir}`, received.code, received.stderr);
  const failed = /^RPB-FAILED (.*)$/m.exec(sent.stderr);
  if (failed) throw new CommandError(a.from, `send ${a.source}: ${failed[1]}`, 1, messages(sent.stderr));
  for (const f of parseSentFiles(sent.stderr)) await writeSent(to, a, f);
  progress(`copied ${mb(bytes)} from ${a.source}`);
  return { code: 0, stdout: `copied ${bytes} bytes`, stderr: messages(sent.stderr) };
}

async function writeSent(to: CopyHost, a: CopyCluster, f: SentFile): Promise<void> {
  const path = `${a.targetDir.replace(/\/+$/, '')}/${f.name}`;
  const become = a.receive.user ? { user: a.receive.user, method: to.become?.method ?? 'sudo' } : to.become;
  const r = await to.conn.exec(sh`umask 077; cat > ${path}`, {
    stdin: f.content,
    become,
    timeoutSec: FILE_TIMEOUT_SEC,
  });
  if (r.code !== 0) throw new CommandError(to.conn.host, `write ${path}`, r.code, r.stderr);
}
