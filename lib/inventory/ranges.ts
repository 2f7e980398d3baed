const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const BRACKETED_HOSTPORT = /^\[(.+)\]:([0-9]+)$/;
const HOSTPORT = /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/;
const RANGE = String.raw`\[(?:[a-zA-Z]:[a-zA-Z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const LABEL = String.raw`(?:[\w]|${RANGE})(?:[\w-]|${RANGE})*`;
const HOSTNAME = new RegExp(String.raw`^${LABEL}(?:\.${LABEL})*$`, 'u');

/** A host entry of an inventory (`db[01:03].example.com:2222`) expanded to host names and an optional port. */
export interface HostSpec {
  hosts: string[];
  port?: number;
}

/**
 * Splits `host:port` (or `[v6]:port`) like Ansible's parse_address, then expands `[a:b]` / `[a:b:step]`
 * ranges. Throws an Error with a message for bad ranges; the caller adds the position.
 */
export function expandHostPattern(pattern: string): HostSpec {
  const { host, port } = splitPort(pattern);
  if (pattern.trim().endsWith(':') && port === undefined) {
    throw new Error(`invalid host pattern '${pattern}': ending in ':' is reserved for a port`);
  }
  const hosts = host.includes('[') ? expandRange(host) : [host];
  return port === undefined ? { hosts } : { hosts, port };
}

/** `host:port` → parts; anything that is not a recognisable host with a port stays whole. */
export function splitPort(pattern: string): { host: string; port?: number } {
  const b = BRACKETED_HOSTPORT.exec(pattern);
  if (b) return { host: b[1]!, port: Number(b[2]) };
  const m = HOSTPORT.exec(pattern);
  if (m && HOSTNAME.test(m[1]!)) return { host: m[1]!, port: Number(m[2]) };
  return { host: pattern };
}

/** Expands the first `[x:y(:step)]` in `line`, recursively for the rest, like Ansible's expand_hostname_range. */
export function expandRange(line: string): string[] {
  const open = line.indexOf('[');
  const close = line.indexOf(']', open);
  if (close < 0) throw new Error(`host range in '${line}' has no closing ']'`);
  const head = line.slice(0, open);
  const tail = line.slice(close + 1);
  const bounds = line.slice(open + 1, close).split(':');
  if (bounds.length !== 2 && bounds.length !== 3)
    throw new Error('host range must be begin:end or begin:end:step');
  const beg = bounds[0] || '0';
  const end = bounds[1]!;
  const step = bounds.length === 3 ? Number(bounds[2]) : 1;
  if (!end) throw new Error('host range must specify end value');
  if (!Number.isInteger(step) || step < 1) throw new Error(`host range step must be a positive integer`);
  const seq = rangeSeq(beg, end, step);
  return seq.flatMap((x) => {
    const name = `${head}${x}${tail}`;
    return name.includes('[') ? expandRange(name) : [name];
  });
}

function rangeSeq(beg: string, end: string, step: number): string[] {
  const out: string[] = [];
  const ib = LETTERS.indexOf(beg);
  const ie = LETTERS.indexOf(end);
  if (beg.length === 1 && end.length === 1 && ib >= 0 && ie >= 0) {
    if (ib > ie) throw new Error('host range must have begin <= end');
    for (let i = ib; i <= ie; i += step) out.push(LETTERS[i]!);
    return out;
  }
  if (!/^\d+$/.test(beg) || !/^\d+$/.test(end)) throw new Error(`invalid host range '[${beg}:${end}]'`);
  // A leading zero is a width hint: db[01:10] gives db01 … db10.
  const width = beg.startsWith('0') && beg.length > 1 ? beg.length : 0;
  if (width && width !== end.length)
    throw new Error('host range must specify equal-length begin and end formats');
  for (let i = Number(beg); i <= Number(end); i += step) out.push(String(i).padStart(width, '0'));
  return out;
}
