import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { InputError } from '../errors.js';

/** PostgreSQL's defaults: `scram_iterations` 4096 (settable from 16) and a 16-byte random salt. */
export const SCRAM_DEFAULT_ITERATIONS = 4096;
const SALT_BYTES = 16;

// RFC 3454 tables (from Python's stringprep, Unicode 3.2), as hex ranges.
const MAP_TO_NOTHING = 'ad,34f,1806,180b-180d,200b-200d,2060,fe00-fe0f,feff'; // B.1
const NON_ASCII_SPACE = 'a0,1680,2000-200b,202f,205f,3000'; // C.1.2
const PROHIBITED = // C.1.2, C.2.1, C.2.2, C.3, C.4, C.5, C.6, C.7, C.8, C.9
  '0-1f,7f-a0,340-341,6dd,70f,1680,180e,2000-200f,2028-202f,205f-2063,206a-206f,2ff0-2ffb,3000,' +
  'd800-dfff,e000-f8ff,fdd0-fdef,feff,fff9-ffff,1d173-1d17a,1fffe-1ffff,2fffe-2ffff,3fffe-3ffff,4fffe-4ffff,' +
  '5fffe-5ffff,6fffe-6ffff,7fffe-7ffff,8fffe-8ffff,9fffe-9ffff,afffe-affff,bfffe-bffff,cfffe-cffff,' +
  'dfffe-dffff,efffe-effff,ffffe-fffff,10fffe-10ffff,e0001,e0020-e007f,f0000-ffffd,100000-10fffd';
const RAND_AL = // D.1: characters with bidirectional property R or AL
  '5be,5c0,5c3,5d0-5ea,5f0-5f4,61b,61f,621-63a,640-64a,66d-66f,671-6d5,6dd,6e5-6e6,6fa-6fe,700-70d,710,' +
  '712-72c,780-7a5,7b1,200f,fb1d,fb1f-fb28,fb2a-fb36,fb38-fb3c,fb3e,fb40-fb41,fb43-fb44,fb46-fbb1,' +
  'fbd3-fd3d,fd50-fd8f,fd92-fdc7,fdf0-fdfc,fe70-fe74,fe76-fefc';

type Ranges = [number, number][];
const ranges = (s: string): Ranges =>
  s.split(',').map((r) => {
    const [a = '0', b = a] = r.split('-');
    return [Number.parseInt(a, 16), Number.parseInt(b, 16)];
  });
const inRanges = (cp: number, rs: Ranges) => rs.some(([a, b]) => cp >= a && cp <= b);
const tables = {
  nothing: ranges(MAP_TO_NOTHING),
  space: ranges(NON_ASCII_SPACE),
  prohibited: ranges(PROHIBITED),
  randAl: ranges(RAND_AL),
};

/**
 * SASLprep (RFC 4013) as PostgreSQL applies it to passwords: ASCII is left alone; otherwise non-ASCII spaces
 * become U+0020, "mapped to nothing" characters are dropped, then NFKC. Returns undefined where PostgreSQL's
 * pg_saslprep fails (invalid UTF-16/UTF-8, prohibited or unassigned characters, bad bidi); the caller then
 * uses the password as it is, as PostgreSQL does. Unassigned is approximated by today's Unicode (`\p{Cn}`)
 * and the bidi "L" class by letters, instead of the Unicode 3.2 tables A.1 and D.2.
 */
export function saslprep(password: string): string | undefined {
  if (/^[\x00-\x7f]*$/.test(password)) return password;
  // a lone surrogate cannot be encoded as UTF-8: PostgreSQL would see invalid UTF-8
  if (/\p{Cs}/u.test(password)) return undefined;
  const mapped = [...password]
    .filter((ch) => !inRanges(ch.codePointAt(0) ?? 0, tables.nothing))
    .map((ch) => (inRanges(ch.codePointAt(0) ?? 0, tables.space) ? ' ' : ch))
    .join('')
    .normalize('NFKC');
  const cps = [...mapped].map((ch) => ch.codePointAt(0) ?? 0);
  if (cps.some((cp) => inRanges(cp, tables.prohibited) || /\p{Cn}/u.test(String.fromCodePoint(cp)))) {
    return undefined;
  }
  const randAl = (cp: number) => inRanges(cp, tables.randAl);
  if (cps.some(randAl)) {
    const lCat = cps.some((cp) => !randAl(cp) && /\p{L}/u.test(String.fromCodePoint(cp)));
    if (lCat || !randAl(cps[0] ?? 0) || !randAl(cps[cps.length - 1] ?? 0)) return undefined;
  }
  return mapped;
}

/** The parts of a stored SCRAM-SHA-256 verifier. */
export interface ScramVerifier {
  iterations: number;
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
}

const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();

function keys(password: string, salt: Buffer, iterations: number): { storedKey: Buffer; serverKey: Buffer } {
  const prepared = saslprep(password) ?? password;
  const salted = pbkdf2Sync(Buffer.from(prepared, 'utf8'), salt, iterations, 32, 'sha256');
  const storedKey = createHash('sha256').update(hmac(salted, 'Client Key')).digest();
  return { storedKey, serverKey: hmac(salted, 'Server Key') };
}

/**
 * The verifier PostgreSQL stores in `pg_authid.rolpassword`:
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (base64), computed client-side so the password
 * itself never reaches the server or its logs.
 */
export function scramVerifier(password: string, opts: { salt?: Buffer; iterations?: number } = {}): string {
  const salt = opts.salt ?? randomBytes(SALT_BYTES);
  const iterations = opts.iterations ?? SCRAM_DEFAULT_ITERATIONS;
  if (!Number.isInteger(iterations) || iterations < 1)
    throw new InputError(`invalid SCRAM iteration count ${iterations}`);
  const k = keys(password, salt, iterations);
  const b64 = (b: Buffer) => b.toString('base64');
  return `SCRAM-SHA-256$${iterations}:${b64(salt)}$${b64(k.storedKey)}:${b64(k.serverKey)}`;
}

const B64 = '[A-Za-z0-9+/]+={0,2}';
const SCRAM_RE = new RegExp(`^SCRAM-SHA-256\\$(\\d+):(${B64})\\$(${B64}):(${B64})$`);

/** Parses a stored SCRAM-SHA-256 verifier; undefined when the text is not one. */
export function parseScramVerifier(s: string): ScramVerifier | undefined {
  const m = SCRAM_RE.exec(s);
  if (!m) return undefined;
  const [, iter = '', salt = '', stored = '', server = ''] = m;
  const v = {
    iterations: Number(iter),
    salt: Buffer.from(salt, 'base64'),
    storedKey: Buffer.from(stored, 'base64'),
    serverKey: Buffer.from(server, 'base64'),
  };
  return v.iterations > 0 && v.storedKey.length === 32 && v.serverKey.length === 32 ? v : undefined;
}

/** PostgreSQL's MD5 verifier: `md5` + hex md5 of password followed by the role name. */
export function md5Verifier(password: string, user: string): string {
  return `md5${createHash('md5')
    .update(password + user)
    .digest('hex')}`;
}

const equal = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);

/**
 * True when a stored password (SCRAM-SHA-256 verifier, md5 verifier, or legacy plain text) belongs to
 * `password`. SCRAM is recomputed with the stored salt and iterations, so an unchanged password is no change.
 * An md5 verifier is salted with the role name, so `user` is then required.
 */
export function verifierMatches(stored: string, password: string, user?: string): boolean {
  if (stored.startsWith('SCRAM-SHA-256$')) {
    const v = parseScramVerifier(stored);
    if (!v) return false;
    const k = keys(password, v.salt, v.iterations);
    return equal(k.storedKey, v.storedKey) && equal(k.serverKey, v.serverKey);
  }
  if (/^md5[0-9a-f]{32}$/.test(stored)) {
    if (user === undefined) throw new InputError('comparing an md5 password verifier needs the role name');
    return equal(Buffer.from(md5Verifier(password, user)), Buffer.from(stored));
  }
  return equal(Buffer.from(stored), Buffer.from(password));
}
