import type { JSONSchemaType } from 'ajv';
import { ApplyError } from '../errors.js';
import { pathExists } from '../facts/probes.js';
import { type Action, exec } from '../model/actions.js';
import { controllerTls } from '../pg/tls.js';
import { caConfig, makeCaCmd, makeServerCmd, serverConfig } from '../pg/tls-openssl.js';
import { Payload } from '../secret.js';
import { defineTask, type PlanContext } from './define.js';
import { peerAddress, peerVars } from './pg-peer.js';

/** Arguments of {@link tlsCertificates}. */
export interface TlsCertificatesArgs {
  dir: string;
  hosts: string[];
  caFile?: string;
  days?: number;
  caDays?: number;
}

const schema: JSONSchemaType<TlsCertificatesArgs> = {
  type: 'object',
  properties: {
    dir: {
      type: 'string',
      minLength: 1,
      description: 'directory on this host (the controller) for the CA and the certificates we make (0700)',
    },
    hosts: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      description:
        'inventory hosts or groups whose nodes need a server certificate naming their pg_address; a host whose pg_tls_cert_file is set brings its own',
    },
    caFile: {
      type: 'string',
      nullable: true,
      description: 'a CA certificate of your own (then every host brings its own certificate and key)',
    },
    days: {
      type: 'integer',
      minimum: 1,
      nullable: true,
      default: 825,
      description: 'validity of a server certificate',
    },
    caDays: { type: 'integer', minimum: 1, nullable: true, default: 3650, description: 'validity of the CA' },
  },
  required: ['dir', 'hosts'],
  additionalProperties: false,
};

const given = (ctx: PlanContext, h: string, name: string): string | undefined => {
  const v = peerVars(ctx, h)[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
};

/** Host and group names as inventory hosts, each once, in order. */
function expand(ctx: PlanContext, names: readonly string[]): string[] {
  const groups = (ctx.vars.groups ?? {}) as Record<string, string[] | undefined>;
  return [...new Set(names.flatMap((n) => groups[n] ?? [n]))];
}

/**
 * The cluster's small CA and one server certificate per node, made with openssl on the host the task runs on
 * (the controller: a play on `localhost`). What exists is kept byte for byte: a rerun makes nothing. Whether an
 * existing certificate still names its node is replication preflight's question (tlsPreflight), asked before.
 */
export const tlsCertificates = defineTask<TlsCertificatesArgs>({
  name: 'tlsCertificates',
  description: "make the cluster's CA and each node's server certificate on the controller (openssl), once",
  schema,
  async plan(ctx, args) {
    const days = args.days ?? 825;
    const mine = expand(ctx, args.hosts).filter((h) => !given(ctx, h, 'pg_tls_cert_file'));
    if (mine.length > 0 && args.caFile)
      throw new ApplyError(
        `${mine.join(', ')}: no pg_tls_cert_file/pg_tls_key_file, and the CA is your own (pg_tls_ca_file): certificates are made only with the CA made here; give each host its certificate and key`,
      );
    const files = mine.map((h) => ({ h, f: controllerTls(args.dir, h, {}) }));
    const dir = args.dir.replace(/\/+$/, '');
    // existence only: a key's bytes are never read here
    const exists = async (p: string) => (await ctx.facts.run(pathExists(p))).code === 0;
    const [caCrt, caKey, ...st] = await Promise.all(
      [`${dir}/ca.crt`, `${dir}/ca.key`, ...files.flatMap(({ f }) => [f.certFile, f.keyFile])].map(exists),
    );
    const actions: Action[] = [];
    const made: string[] = [];
    if (mine.length > 0 && !caCrt) {
      actions.push(
        exec({
          summary: `make the cluster's CA in ${dir} (ca.key 0600, ca.crt)`,
          cmd: makeCaCmd(dir, args.caDays ?? 3650),
          stdin: new Payload([caConfig(`run-playbook replication CA (${ctx.host})`)]),
          prediction: `a new CA in ${dir}`,
        }),
      );
      made.push('CA');
    } else if (mine.length > 0 && !caKey)
      throw new ApplyError(
        `${dir}/ca.key: no such file, but ${dir}/ca.crt exists: put the CA key back, or remove the CA and the certificates it signed to have new ones made`,
      );
    files.forEach(({ h, f }, i) => {
      if (st[2 * i] && st[2 * i + 1]) return;
      const address = peerAddress(ctx, h);
      actions.push(
        exec({
          summary: `make ${h}'s key and certificate for ${address}, signed by the CA (${f.certFile})`,
          cmd: makeServerCmd(f, days),
          stdin: new Payload([serverConfig(h, address)]),
          prediction: `a new certificate for ${h} (${address})`,
        }),
      );
      made.push(h);
    });
    const data = { dir };
    if (actions.length === 0) return { actions, reason: `${dir}: CA and certificates exist (kept)`, data };
    return { actions, reason: `makes: ${made.join(', ')}`, data };
  },
});
