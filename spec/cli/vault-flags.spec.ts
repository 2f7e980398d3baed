import { expect } from 'chai';
import { parseCli } from '../../lib/cli/args.js';
import { UsageError } from '../../lib/errors.js';
import { setVaultKeys, vaultKeys } from '../../lib/vault/keys.js';

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
});
