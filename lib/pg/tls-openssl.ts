/**
 * The openssl recipes that make the cluster's small CA and each node's server certificate, as commands run on
 * the controller (node:crypto parses X.509 but cannot make a certificate). Keys go to files only.
 */

import { InputError } from '../errors.js';
import { type Cmd, raw, sh } from '../model/command.js';
import { isIp } from './ip.js';
import { type ControllerTls, sanFor } from './tls.js';

/** A subject common name safe in an openssl config line. */
const cn = (s: string): string => s.replace(/[^\w .@-]/g, '_').slice(0, 64);

/** openssl's config for the CA (read on stdin): a self-signed P-256 CA certificate. */
export function caConfig(name: string): string {
  return [
    '[req]',
    'distinguished_name = dn',
    'prompt = no',
    'x509_extensions = ext',
    '[dn]',
    `CN = ${cn(name)}`,
    '[ext]',
    'basicConstraints = critical,CA:TRUE',
    'keyUsage = critical,keyCertSign,cRLSign',
    'subjectKeyIdentifier = hash',
    '',
  ].join('\n');
}

/** openssl's config for a node's server certificate, naming its address. */
export function serverConfig(host: string, address: string): string {
  // the address goes into a config line: an IP or a DNS name, nothing else
  if (
    !isIp(address) &&
    !/^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/.test(
      address,
    )
  )
    throw new InputError(
      `${host}: pg_address ${JSON.stringify(address)} is neither an IP address nor a DNS name: no certificate can name it`,
    );
  return [
    '[req]',
    'distinguished_name = dn',
    'prompt = no',
    'x509_extensions = ext',
    '[dn]',
    `CN = ${cn(host)}`,
    '[ext]',
    'basicConstraints = critical,CA:FALSE',
    'keyUsage = critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage = serverAuth',
    `subjectAltName = ${sanFor(address)}`,
    'authorityKeyIdentifier = keyid',
    'subjectKeyIdentifier = hash',
    '',
  ].join('\n');
}

// the config arrives on stdin, kept in a temporary file (openssl cannot open /dev/stdin on a socket)
const CFG = raw(`cfg=$(mktemp); trap 'rm -f "$cfg"' EXIT; cat > "$cfg";`);
const GENKEY = raw('openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out');

/**
 * Makes the CA in `dir` (0700): key and certificate under temporary names, renamed into place, the
 * certificate last (it marks a complete CA). Keys go to files only (umask 077): never argv, never output.
 * The openssl config comes on stdin. The dir sits beside the inventory by default, which is often a git
 * checkout: a `.gitignore` of `*.key` there keeps the keys out of a commit (a file of the user's is kept).
 */
export function makeCaCmd(dir: string, days: number): Cmd {
  const key = `${dir}/ca.key`;
  const crt = `${dir}/ca.crt`;
  const ignore = `${dir}/.gitignore`;
  return sh`set -e; umask 077; mkdir -p ${dir}; chmod 0700 ${dir}; [ -e ${ignore} ] || printf '%s\n' '*.key' '*.key.tmp' > ${ignore}; ${CFG} ${GENKEY} ${`${key}.tmp`}; openssl req -new -x509 -config "$cfg" -key ${`${key}.tmp`} -days ${days} -out ${`${crt}.tmp`}; mv ${`${key}.tmp`} ${key}; mv ${`${crt}.tmp`} ${crt}`;
}

/** Makes a node's key and certificate signed by the CA, the same way as {@link makeCaCmd}. */
export function makeServerCmd(f: ControllerTls, days: number): Cmd {
  return sh`set -e; umask 077; ${CFG} ${GENKEY} ${`${f.keyFile}.tmp`}; openssl req -new -x509 -config "$cfg" -key ${`${f.keyFile}.tmp`} -CA ${f.caFile} -CAkey ${f.caKeyFile} -days ${days} -out ${`${f.certFile}.tmp`}; mv ${`${f.keyFile}.tmp`} ${f.keyFile}; mv ${`${f.certFile}.tmp`} ${f.certFile}`;
}
