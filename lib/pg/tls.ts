/**
 * Replication over TLS, the pure parts: the sslmode vocabulary, where each file lives (on the controller and
 * on a node), what a certificate names and until when (node:crypto parses X.509; it cannot make one: the
 * openssl recipes are in tls-openssl.ts).
 */
import { X509Certificate } from 'node:crypto';
import { isIp, parseIp } from './ip.js';

/** `replication_sslmode`: no TLS configured by us, TLS without checking the server, TLS with the name checked. */
export const SSL_MODES = ['disable', 'require', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** What a certificate says, as the checks need it. */
export interface CertInfo {
  subject: string;
  /** subject alternative names: DNS names and IP addresses */
  dns: string[];
  ips: string[];
  notBefore: Date;
  notAfter: Date;
  isCa: boolean;
}

/**
 * Node's `subjectAltName` text (`DNS:db1, IP Address:10.0.0.1`) split into DNS names and IP addresses; a value
 * holding a comma or quote comes JSON-quoted (`DNS:"a,b"`).
 */
export function parseSubjectAltName(text: string | undefined): { dns: string[]; ips: string[] } {
  const dns: string[] = [];
  const ips: string[] = [];
  for (const m of (text ?? '').matchAll(/([^:,]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:,\s*|$)/g)) {
    const kind = (m[1] as string).trim();
    const raw = m[2] as string;
    const value = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
    if (kind === 'DNS') dns.push(value);
    else if (kind === 'IP Address') ips.push(value);
  }
  return { dns, ips };
}

/** Parses one PEM certificate (the first of the text); throws Error with node's reason when it is not one. */
export function certInfo(pem: string): CertInfo {
  const c = new X509Certificate(pem);
  return {
    subject: c.subject.replace(/\n/g, ', '),
    ...parseSubjectAltName(c.subjectAltName),
    notBefore: new Date(Date.parse(c.validFrom)),
    notAfter: new Date(Date.parse(c.validTo)),
    isCa: c.ca,
  };
}

/** Whether `cert` was signed by `ca` (both PEM). */
export function issuedBy(cert: string, ca: string): boolean {
  const c = new X509Certificate(cert);
  const a = new X509Certificate(ca);
  return c.checkIssued(a) && c.verify(a.publicKey);
}

const sameIp = (a: string, b: string): boolean => {
  const x = parseIp(a);
  const y = parseIp(b);
  return x !== undefined && y !== undefined && x.family === y.family && x.addr === y.addr;
};

/** A DNS SAN matches a name as libpq does: case-insensitive, `*.` matching exactly one leftmost label. */
const dnsMatches = (san: string, name: string): boolean => {
  const s = san.toLowerCase();
  const n = name.toLowerCase().replace(/\.$/, '');
  if (!s.startsWith('*.')) return s === n;
  const dot = n.indexOf('.');
  return dot > 0 && n.slice(dot) === s.slice(1);
};

/**
 * Whether libpq's verify-full accepts this certificate for `address`: a DNS SAN equal to it (a name, or the
 * address spelled out: every libpq matches a dNSName by text), or, for an address, an IP SAN (libpq 14+). The
 * subject CN counts only without SANs, which certificates we make never lack, so it is not consulted here.
 */
export function certNames(info: CertInfo, address: string): boolean {
  if (info.dns.some((d) => dnsMatches(d, address))) return true;
  return isIp(address) && info.ips.some((ip) => sameIp(ip, address));
}

/** An address named only by an IP SAN: libpq before 14 (standbys on PostgreSQL 10–13) does not read IP SANs. */
export function ipSanOnly(info: CertInfo, address: string): boolean {
  return isIp(address) && !info.dns.some((d) => dnsMatches(d, address)) && certNames(info, address);
}

/**
 * The SAN a certificate for `address` carries: `DNS:…` for a name; for an address `IP:…` and `DNS:…` both, as
 * libpq before 14 matches an address only against DNS names (and 14+ against either).
 */
export function sanFor(address: string): string {
  return isIp(address) ? `IP:${address}, DNS:${address}` : `DNS:${address}`;
}

/** Whole days from `now` until the certificate expires (negative once expired). */
export function daysLeft(info: CertInfo, now: Date): number {
  return Math.floor((info.notAfter.getTime() - now.getTime()) / 86_400_000);
}

/** A problem with one node's certificate, or undefined; `warn` problems let the run go on. */
export interface CertProblem {
  level: 'fail' | 'warn';
  found: string;
  fix: string;
}

/** Checks a node's server certificate for libpq's `mode`: its name, its validity window, its issuer. */
export function certProblem(
  info: CertInfo,
  o: { address: string; mode: SslMode; now: Date; minDays: number; issued: boolean; file: string },
): CertProblem | undefined {
  const names =
    [...info.dns.map((d) => `DNS:${d}`), ...info.ips.map((i) => `IP:${i}`)].join(', ') || 'no SAN';
  const days = daysLeft(info, o.now);
  if (days < 0)
    return {
      level: 'fail',
      found: `${o.file} expired on ${info.notAfter.toISOString()}`,
      fix: 'give a new certificate or remove it (and its key) to have a new one made',
    };
  if (info.notBefore.getTime() > o.now.getTime())
    return {
      level: 'fail',
      found: `${o.file} is not valid before ${info.notBefore.toISOString()}`,
      fix: "check the controller's and the node's clocks",
    };
  if (!o.issued)
    return {
      level: o.mode === 'verify-full' ? 'fail' : 'warn',
      found: `${o.file} is not signed by the cluster's CA`,
      fix: 'give the CA that signed it (pg_tls_ca_file), or remove the certificate and key to have new ones made',
    };
  if (!certNames(info, o.address))
    return {
      level: o.mode === 'verify-full' ? 'fail' : 'warn',
      found: `${o.file} names ${names}, not ${o.address} (pg_address): sslmode=verify-full refuses it`,
      fix: `fix pg_address, or give a certificate with subjectAltName ${sanFor(o.address)} (remove a made one and its key to have it made again)`,
    };
  if (ipSanOnly(info, o.address))
    return {
      level: 'warn',
      found: `${o.file} names ${o.address} by an IP SAN only: libpq before 14 (standbys on PostgreSQL 10–13) refuses it with verify-full`,
      fix: `add subjectAltName DNS:${o.address} for such standbys`,
    };
  if (days < o.minDays)
    return {
      level: 'warn',
      found: `${o.file} expires in ${days} day(s), on ${info.notAfter.toISOString()}`,
      fix: 'renew it before then',
    };
  return undefined;
}

/** The controller's files of one node: the CA certificate and the node's certificate and key. */
export interface ControllerTls {
  caFile: string;
  /** the CA key: only for certificates we make */
  caKeyFile: string;
  certFile: string;
  keyFile: string;
  /** which of them the user gave (not made by us) */
  givenCa: boolean;
  givenCert: boolean;
}

/** Where the controller keeps the files: `<dir>/ca.{crt,key}` and `<dir>/<host>.{crt,key}`, unless given. */
export function controllerTls(
  dir: string,
  host: string,
  given: { caFile?: string; certFile?: string; keyFile?: string },
): ControllerTls {
  const d = dir.replace(/\/+$/, '');
  return {
    caFile: given.caFile || `${d}/ca.crt`,
    caKeyFile: `${d}/ca.key`,
    certFile: given.certFile || `${d}/${host}.crt`,
    keyFile: given.keyFile || `${d}/${host}.key`,
    givenCa: !!given.caFile,
    givenCert: !!given.certFile,
  };
}

/**
 * Where a node keeps them: beside its data dir (never inside it, where a copy to a standby would carry the
 * primary's key), one set per cluster, like the passfile.
 */
export function nodeTls(dataDir: string): { certFile: string; keyFile: string; caFile: string } {
  const base = dataDir.replace(/\/+$/, '') || '/';
  return { certFile: `${base}.server.crt`, keyFile: `${base}.server.key`, caFile: `${base}.root.crt` };
}

/** The libpq connection options of a replication connection for `mode` (none for `disable`: libpq's default). */
export function sslConninfo(mode: SslMode, rootCert: string | undefined): [string, string][] {
  if (mode === 'disable') return [];
  if (mode === 'require') return [['sslmode', 'require']];
  return [
    ['sslmode', 'verify-full'],
    ['sslrootcert', rootCert ?? ''],
  ];
}
