import { expect } from 'chai';
import { Demux } from '../../lib/connection/demux.js';

const M = 'rpb0123456789abcdef';

/** Feeds `stream` cut at `cut` and returns the marker lines with their bodies, and the noise. */
function split(stream: string, cut: number[]): { lines: [string, string][]; noise: string } {
  const lines: [string, string][] = [];
  let noise = '';
  const d = new Demux(
    Buffer.from(M),
    (line, body) => lines.push([line, body.toString()]),
    (b) => {
      noise += b.toString();
    },
  );
  const b = Buffer.from(stream);
  let at = 0;
  for (const c of [...cut, b.length]) {
    d.push(b.subarray(at, c));
    at = c;
  }
  d.end();
  return { lines, noise };
}

describe('connection: Demux (framing of a session stream)', () => {
  const stream = `banner\n${M}R\n${M}S1\nline one\nno newline${M}E1 0\nlate ${M}S2\n${M}E2 3\ntail`;
  const expected = [
    ['R', ''],
    ['S1', ''],
    ['E1 0', 'line one\nno newline'],
    ['S2', ''],
    ['E2 3', ''],
  ];

  it('cuts frames out of one chunk; bytes outside frames are noise', () => {
    const r = split(stream, []);
    expect(r.lines).to.deep.equal(expected);
    expect(r.noise).to.equal('banner\nlate tail');
  });

  it('gives the same frames whatever the chunk boundaries (markers split anywhere)', () => {
    for (let i = 1; i < stream.length; i++) {
      expect(split(stream, [i]).lines, `cut at ${i}`).to.deep.equal(expected);
      expect(
        split(stream, [i, Math.min(stream.length, i + 7)]).lines,
        `cuts at ${i}, ${i + 7}`,
      ).to.deep.equal(expected);
    }
  });

  it('keeps binary and multi-byte bodies byte for byte', () => {
    const body = Buffer.from([0, 255, 10, 0xe2, 0x82, 0xac, 13]);
    const d: Buffer[] = [];
    const demux = new Demux(Buffer.from(M), (line, b) => {
      if (line.startsWith('E')) d.push(b);
    });
    demux.push(Buffer.from(`${M}S1\n`));
    for (const byte of body) demux.push(Buffer.from([byte]));
    demux.push(Buffer.from(`${M}E1 0\n`));
    expect(Buffer.concat(d).equals(body)).to.equal(true);
  });
});
