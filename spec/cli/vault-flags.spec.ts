import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseCli } from '../../lib/cli/args.js';
import { UsageError } from '../../lib/errors.js';
import { readPasswordFile, setVaultKeys, vaultKeys } from '../../lib/vault/keys.js';

describe('vault flags', () => {
  afterEach(() => setVaultKeys([]));

  it('--ask-vault-pass and --vault-password-file exclude each other, as in Ansible', () => {
    expect(() =>
      parseCli([
        'site.yml',
        '-i',
        'h,',
        '--ask-vault-pass',
        '--vault-password-file',
        'spec/fixtures/vault/default.pass',
      ]),
    ).to.throw(UsageError, /exclude each other/);
  });

  it('takes Ansible’s other spellings and labels: --vault-pass-file, --vault-id label@file', () => {
    parseCli([
      'site.yml',
      '-i',
      'h,',
      '--vault-pass-file',
      'spec/fixtures/vault/default.pass',
      '--vault-id',
      'prod@spec/fixtures/vault/prod.pass',
    ]);
    expect(vaultKeys().map((k) => k.label)).to.deep.equal(['prod', 'default']);
  });

  it('a missing password file is an input error naming it', () => {
    expect(() => parseCli(['site.yml', '-i', 'h,', '--vault-id', 'dev@nope.pass'])).to.throw(
      'nope.pass: vault password file not found: nope.pass',
    );
  });

  it('a *-client script is asked for the vault id; its failure is an input error with its stderr', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rp-vault-client-'));
    try {
      const script = join(dir, 'keyring-client.sh');
      writeFileSync(
        script,
        '#!/bin/sh\n[ "$1 $2" = "--vault-id prod" ] && echo "from-keyring" && exit 0\necho "no secret for $2" >&2\nexit 2\n',
      );
      chmodSync(script, 0o755);
      expect(readPasswordFile(script, 'prod').toString()).to.equal('from-keyring');
      expect(() => readPasswordFile(script, 'dev')).to.throw(
        `${script}: vault password script failed (exit 2): no secret for dev`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
