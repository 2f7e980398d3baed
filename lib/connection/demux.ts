/**
 * Splits one stream of a persistent session into the output of each command. The remote loop writes
 * `<marker>S<id>\n` before a command and `<marker>E<id>[ rc]\n` after it, on stdout and on stderr alike;
 * the marker is random per session, so output cannot end a frame by accident. Bytes outside a frame (a
 * login banner, a daemon writing late) are dropped, so they are never counted as the next command's output.
 */
export class Demux {
  private pending: Buffer = Buffer.alloc(0);
  private body: Buffer[] = [];
  private inFrame = false;

  constructor(
    private readonly marker: Buffer,
    /** called for each marker line: `R` (ready), `S<id>` (start), `E<id> …` with the frame's body */
    private readonly onLine: (line: string, body: Buffer) => void,
    /** bytes outside any frame (ssh's own messages, a banner), for error messages */
    private readonly onNoise: (bytes: Buffer) => void = () => undefined,
  ) {}

  /** Feeds a chunk as it arrived from the stream. */
  push(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      const at = this.pending.indexOf(this.marker);
      if (at < 0) {
        // keep a possible start of the marker; the rest is body (or noise outside a frame)
        this.take(Math.max(0, this.pending.length - (this.marker.length - 1)));
        return;
      }
      const nl = this.pending.indexOf(10, at + this.marker.length);
      if (nl < 0) {
        this.take(at);
        return;
      }
      const line = this.pending.subarray(at + this.marker.length, nl).toString('latin1');
      this.take(at);
      this.pending = this.pending.subarray(nl + 1 - at);
      this.marked(line);
    }
  }

  /** The stream ended: what is left is not a marker. */
  end(): void {
    this.take(this.pending.length);
  }

  private marked(line: string): void {
    if (line.startsWith('S')) {
      this.inFrame = true;
      this.body = [];
      this.onLine(line, Buffer.alloc(0));
      return;
    }
    const body = Buffer.concat(this.body);
    this.inFrame = false;
    this.body = [];
    this.onLine(line, body);
  }

  /** Moves the first `n` pending bytes into the current frame's body (or drops them outside a frame). */
  private take(n: number): void {
    if (n === 0) return;
    const bytes = Buffer.from(this.pending.subarray(0, n));
    if (this.inFrame) this.body.push(bytes);
    else this.onNoise(bytes);
    this.pending = this.pending.subarray(n);
  }
}
