import { readFile } from 'node:fs/promises';
import type { JSONSchemaType } from 'ajv';
import { ApplyError, InputError } from '../errors.js';
import type { FileState } from '../facts/file.js';
import { type Action, writeFile } from '../model/actions.js';
import { pgTarget } from '../pg/target.js';
import { controllerTls, nodeTls } from '../pg/tls.js';
import { Payload, Secret } from '../secret.js';
import { defineTask, type PlanContext } from './define.js';

/** Arguments of {@link tlsFiles}. */
export interface TlsFilesArgs {
  dir: string;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

const given = (description: string) => ({ type: 'string', nullable: true, description }) as const;

const schema: JSONSchemaType<TlsFilesArgs> = {
  type: 'object',
  properties: {
    dir: {
      type: 'string',
      minLength: 1,
      description: "the controller's directory of the CA and certificates made by tlsCertificates",
    },
    caFile: given('your own CA certificate on the controller (default: <dir>/ca.crt)'),
    certFile: given("this host's server certificate on the controller (default: <dir>/<inventory name>.crt)"),
    keyFile: given('its private key on the controller (default: <dir>/<inventory name>.key); never shown'),
  },
  required: ['dir'],
  additionalProperties: false,
};

/** A controller file's text; undefined when it is missing (check mode: tlsCertificates would make it). */
async function local(path: string, check: boolean): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new ApplyError(`${path}: ${(e as Error).message}`);
    if (check) return undefined;
    throw new ApplyError(
      `${path}: no such file on the controller: replication.yml's play on localhost makes it (with --limit, add localhost), or give your own`,
    );
  }
}

/** One file put on the node as the server user, when its content, mode or owner differ. */
function put(
  st: FileState,
  want: string | undefined,
  mode: string,
  owner: string,
  secret: boolean,
): Action[] {
  const same =
    st.exists && want !== undefined && st.content === want && st.mode === mode && st.owner === owner;
  if (same) return [];
  // check mode, file still to be made on the controller: the write is shown, its content cannot be
  const after =
    want === undefined
      ? '(made on the controller by this run)\n'
      : secret
        ? new Payload([new Secret(want)])
        : want;
  return [
    writeFile({
      path: st.path,
      before: st.exists ? (st.content ?? '') : null,
      after,
      mode,
      owner,
      user: owner,
      ...(secret || want === undefined ? { sensitive: true } : {}),
    }),
  ];
}

/**
 * Puts the CA certificate, this node's server certificate and its private key from the controller on the node,
 * beside its data dir (a copy to a standby never carries them): the key 0600 owned by the server user, its
 * content only ever on stdin. Registers the node's paths for ssl_cert_file/ssl_key_file/ssl_ca_file and
 * sslrootcert. A rerun with the same files changes nothing.
 */
export const tlsFiles = defineTask<TlsFilesArgs>({
  name: 'tlsFiles',
  description:
    "put the cluster's CA certificate and this node's server certificate and key on the node (0600)",
  schema,
  async plan(ctx: PlanContext, args) {
    const t = pgTarget(ctx.vars);
    if (!t.dataDir)
      throw new InputError('tlsFiles: no data dir (set pg_data_dir, or pg_version and pg_cluster)');
    const src = controllerTls(args.dir, ctx.host, {
      caFile: args.caFile ?? '',
      certFile: args.certFile ?? '',
      keyFile: args.keyFile ?? '',
    });
    const [ca, cert, key] = await Promise.all(
      [src.caFile, src.certFile, src.keyFile].map((p) => local(p, ctx.check)),
    );
    const dst = nodeTls(t.dataDir);
    const [sCa, sCert, sKey] = (await ctx.facts.files([dst.caFile, dst.certFile, dst.keyFile], {
      user: t.osUser,
    })) as [FileState, FileState, FileState];
    const actions = [
      ...put(sCa, ca, '0644', t.osUser, false),
      ...put(sCert, cert, '0644', t.osUser, false),
      ...put(sKey, key, '0600', t.osUser, true),
    ];
    const data = { ...dst };
    if (actions.length === 0)
      return { actions, reason: `${dst.certFile}, its key and root certificate in place`, data };
    return { actions, data, reloadRequired: true };
  },
});
