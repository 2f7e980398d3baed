import { createPrivateKey, X509Certificate } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import type { JSONSchemaType } from 'ajv';
import { ApplyError } from '../errors.js';
import { type Check, fail, pass, warn } from '../pg/preflight-check.js';
import { formatCheck } from '../pg/preflight-checks.js';
import {
  type ControllerTls,
  certInfo,
  certProblem,
  controllerTls,
  daysLeft,
  issuedBy,
  SSL_MODES,
  type SslMode,
} from '../pg/tls.js';
import { defineTask, type PlanContext } from './define.js';
import { peerAddress } from './pg-peer.js';

/** Arguments of {@link tlsPreflight}. */
export interface TlsPreflightArgs {
  mode: SslMode;
  dir: string;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  address?: string;
  minDays?: number;
}

const opt = (description: string) => ({ type: 'string', nullable: true, description }) as const;

const schema: JSONSchemaType<TlsPreflightArgs> = {
  type: 'object',
  properties: {
    mode: { type: 'string', enum: [...SSL_MODES], description: 'replication_sslmode' },
    dir: {
      type: 'string',
      minLength: 1,
      description: "the controller's directory of the CA and made certificates",
    },
    caFile: opt('your own CA certificate on the controller (default: <dir>/ca.crt)'),
    certFile: opt(
      "this host's own server certificate on the controller (default: <dir>/<inventory name>.crt)",
    ),
    keyFile: opt('its private key on the controller (default: <dir>/<inventory name>.key)'),
    address: opt("the name or address the other nodes connect to (default: this host's pg_address)"),
    minDays: {
      type: 'integer',
      minimum: 0,
      nullable: true,
      default: 30,
      description: 'warn when a certificate expires within this many days',
    },
  },
  required: ['mode', 'dir'],
  additionalProperties: false,
};

const read = (path: string): string | undefined =>
  existsSync(path) ? readFileSync(path, 'utf8') : undefined;

const onPath = (cmd: string): boolean =>
  (process.env.PATH ?? '').split(delimiter).some((d) => d !== '' && existsSync(join(d, cmd)));

/** Why files cannot be made in `dir` on the controller (it, or its nearest existing parent, is no writable dir). */
function cannotMake(dir: string): string | undefined {
  let d = resolve(dir);
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  if (!statSync(d).isDirectory()) return `${d} is not a directory`;
  try {
    accessSync(d, constants.W_OK);
    return undefined;
  } catch {
    return `${d} is not writable`;
  }
}

/** The CA: given and readable, made already, or to be made (then openssl must be on the controller). */
function caCheck(host: string, f: ControllerTls, ca: string | undefined): Check {
  const name = 'TLS CA';
  if (ca === undefined && f.givenCa)
    return fail(
      host,
      name,
      `pg_tls_ca_file ${f.caFile}: no such file on the controller`,
      'give an existing file',
    );
  const why = ca === undefined ? cannotMake(dirname(f.caFile)) : undefined;
  if (why)
    return fail(
      host,
      name,
      `${f.caFile} cannot be made: ${why}`,
      'set pg_tls_dir to a directory the controller can write',
    );
  if (ca === undefined)
    return onPath('openssl')
      ? pass(host, name, `${f.caFile} will be made on the controller`)
      : fail(
          host,
          name,
          'no openssl on the controller to make the CA',
          'install openssl, or give pg_tls_* files',
        );
  try {
    const info = certInfo(ca);
    if (!info.isCa)
      return fail(
        host,
        name,
        `${f.caFile} is not a CA certificate`,
        'give the CA that signs the certificates',
      );
    return pass(host, name, `${f.caFile} (${info.subject}), ${daysLeft(info, new Date())} day(s) left`);
  } catch (e) {
    return fail(
      host,
      name,
      `${f.caFile}: not a PEM certificate (${(e as Error).message})`,
      'give a PEM file',
    );
  }
}

/** This node's certificate and key: present (or to be made), matching, signed by the CA, naming `address`. */
function certCheck(
  host: string,
  f: ControllerTls,
  ca: string | undefined,
  a: TlsPreflightArgs & { address: string },
): Check {
  const name = 'TLS certificate';
  const cert = read(f.certFile);
  const key = read(f.keyFile);
  if (cert === undefined && !f.givenCert && f.givenCa)
    return fail(
      host,
      name,
      `no pg_tls_cert_file, and the CA is your own (pg_tls_ca_file): only the CA made here makes certificates`,
      "give this host's pg_tls_cert_file and pg_tls_key_file",
    );
  if (cert === undefined && !f.givenCert)
    return pass(host, name, `${f.certFile} will be made for ${a.address}`);
  if (cert === undefined)
    return fail(
      host,
      name,
      `pg_tls_cert_file ${f.certFile}: no such file on the controller`,
      'give an existing file',
    );
  if (key === undefined)
    return fail(
      host,
      name,
      `${f.keyFile}: no such file on the controller`,
      'give the key of the certificate (pg_tls_key_file)',
    );
  try {
    if (!new X509Certificate(cert).checkPrivateKey(createPrivateKey(key)))
      return fail(host, name, `${f.keyFile} is not the key of ${f.certFile}`, 'give the matching key');
    const info = certInfo(cert);
    const issued = ca !== undefined && issuedBy(cert, ca);
    const p = certProblem(info, {
      address: a.address,
      mode: a.mode,
      now: new Date(),
      minDays: a.minDays ?? 30,
      issued,
      file: f.certFile,
    });
    if (p) return (p.level === 'fail' ? fail : warn)(host, name, p.found, p.fix);
    return pass(host, name, `${f.certFile} names ${a.address}, ${daysLeft(info, new Date())} day(s) left`);
  } catch (e) {
    // node's message only: a key's bytes are never part of it
    return fail(
      host,
      name,
      `${f.certFile}/${f.keyFile}: unreadable as PEM (${(e as Error).message})`,
      'give PEM files',
    );
  }
}

/**
 * Replication over TLS, checked before any change (writes nothing): the CA and this node's certificate and key
 * on the controller, the certificate signed by the CA, valid now and for `minDays` more, and naming the address
 * the other nodes connect to (libpq's verify-full refuses any other name, even on loopback). Certificates still
 * to be made pass: they will name the address.
 */
export const tlsPreflight = defineTask<TlsPreflightArgs>({
  name: 'tlsPreflight',
  description:
    "check the CA and this node's certificate (name, expiry, key) before any change (writes nothing)",
  schema,
  async plan(ctx: PlanContext, args) {
    if (args.mode === 'disable')
      return { actions: [], reason: 'replication_sslmode is disable: no TLS checks' };
    const f = controllerTls(args.dir, ctx.host, {
      caFile: args.caFile ?? '',
      certFile: args.certFile ?? '',
      keyFile: args.keyFile ?? '',
    });
    const address = args.address || peerAddress(ctx, ctx.host);
    const ca = read(f.caFile);
    const checks = [caCheck(ctx.host, f, ca), certCheck(ctx.host, f, ca, { ...args, address })];
    for (const c of checks) ctx.progress(formatCheck(c));
    const failed = checks.filter((c) => !c.ok);
    if (failed.length > 0)
      throw new ApplyError(
        `preflight failed, nothing was changed:\n${failed.map((c) => `  ${c.host}: ${formatCheck(c)}`).join('\n')}`,
      );
    return { actions: [], reason: `${checks.length} TLS preflight check(s) passed`, data: { checks } };
  },
});
