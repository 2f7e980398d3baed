/** IP addresses and networks as pg_hba.conf writes them (CIDR or address + mask). */

/** Looks like an IP address (not a host name); pg_hba then expects a mask in the next field. */
export const isIp = (s: string): boolean =>
  /^[\d.]+$/.test(s) || (s.includes(':') && /^[\da-fA-F:.]+$/.test(s));

/** An IP network as numbers, for containment tests. */
export interface Network {
  family: 4 | 6;
  addr: bigint;
  bits: number;
}

/** Parses an IPv4 or IPv6 address to a number; undefined when it is not one. */
export function parseIp(s: string): { family: 4 | 6; addr: bigint } | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return { family: 4, addr: parts.reduce((a, p) => (a << 8n) | BigInt(p), 0n) };
  }
  if (!/^[\da-fA-F:]+$/.test(s) || !s.includes(':')) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const words = (h: string | undefined) => (h ? h.split(':') : []);
  const head = words(halves[0]);
  const tail = words(halves[1]);
  const fill = 8 - head.length - tail.length;
  if ((halves.length === 1 && fill !== 0) || fill < 0 || (halves.length === 2 && fill < 1)) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? fill : 0).fill('0'), ...tail];
  if (all.some((w) => !/^[\da-fA-F]{1,4}$/.test(w))) return undefined;
  return { family: 6, addr: all.reduce((a, w) => (a << 16n) | BigInt(Number.parseInt(w, 16)), 0n) };
}

/** Prefix length of a contiguous netmask; undefined when the mask is not contiguous. */
export function maskBits(mask: string): { family: 4 | 6; bits: number } | undefined {
  const ip = parseIp(mask);
  if (!ip) return undefined;
  const width = ip.family === 4 ? 32 : 128;
  const bin = ip.addr.toString(2).padStart(width, '0');
  return /^1*0*$/.test(bin)
    ? { family: ip.family, bits: bin.indexOf('0') < 0 ? width : bin.indexOf('0') }
    : undefined;
}

/** The network of an address field (CIDR or IP + mask); undefined for keywords and host names. */
export function toNetwork(address: string, mask?: string): Network | undefined {
  const [ipText, bitsText] = address.split('/');
  const ip = parseIp(ipText ?? '');
  if (!ip) return undefined;
  const width = ip.family === 4 ? 32 : 128;
  if (bitsText !== undefined) {
    const bits = /^\d+$/.test(bitsText) ? Number(bitsText) : Number.NaN;
    return bits >= 0 && bits <= width ? { ...ip, bits } : undefined;
  }
  if (mask === undefined) return undefined;
  const m = maskBits(mask);
  return m && m.family === ip.family ? { ...ip, bits: m.bits } : undefined;
}

export function addressProblem(address: string, mask?: string): string | undefined {
  const [ipText, bitsText] = address.split('/');
  if (bitsText !== undefined || mask !== undefined || (ipText !== undefined && isIp(ipText))) {
    if (!parseIp(ipText ?? '')) return `invalid IP address "${ipText}"`;
    if (bitsText === undefined && mask === undefined)
      return `IP address "${address}" needs a mask or a /prefix`;
    if (mask !== undefined && !maskBits(mask)) return `invalid IP mask "${mask}"`;
    if (!toNetwork(address, mask))
      return `invalid CIDR mask in address "${address}${mask ? ` ${mask}` : ''}"`;
    return undefined;
  }
  return /^[\w.-]+$/.test(address) ? undefined : `invalid address "${address}"`;
}
