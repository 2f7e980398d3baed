import { spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { root, runCli } from '../helpers/cli.js';

const SECRETS = [
  's3cr3t-Repl1cation',
  'nested-Adm1n-secret',
  'pl4y-Secret-value',
  'inl1ne-Play-secret',
  'correct horse battery staple',
];

/** Runs the CLI on a pseudo-terminal (util-linux `script`), answering the vault prompt once it is shown. */
function runOnTerminal(args: string[], answer: string): Promise<{ code: number; output: string }> {
  const tsx = pathToFileURL(`${root}/node_modules/tsx/dist/loader.mjs`).href;
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const cmd = [process.execPath, '--import', tsx, `${root}/lib/cli.ts`, ...args].map(q).join(' ');
  const child = spawn('script', ['-qec', cmd, '/dev/null'], { env: { ...process.env, NO_COLOR: '1' } });
  let output = '';
  let answered = false;
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
    if (!answered && output.includes('Vault password: ')) {
      answered = true;
      child.stdin.write(`${answer}\r`);
    }
  });
  return new Promise((res) => child.on('close', (code) => res({ code: code ?? -1, output })));
}

/** ansible-vault files given to the CLI: -e @file, vars_files, inline values, password files, the prompt. */
describe('e2e: ansible-vault', function () {
  this.timeout(60_000);
  let dir: string;
  const base = () => [join(dir, 'site.yml'), '-i', 'localhost,', '-c', 'local', '-e', `out=${dir}/out`];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rp-vault-'));
    cpSync(join(root, 'spec/fixtures/vault'), dir, { recursive: true });
    // a password script: its stdout is the password
    writeFileSync(join(dir, 'pass.sh'), '#!/bin/sh\necho "correct horse battery staple"\n');
    chmodSync(join(dir, 'pass.sh'), 0o755);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('decrypts -e @file, vars_files and inline values; no output shows a secret', async () => {
    const r = await runCli([
      ...base(),
      '-e',
      `@${dir}/secrets.yml`,
      '--vault-password-file',
      join(dir, 'default.pass'),
      '--diff',
      '-vvv',
    ]);
    expect(r.code, r.stderr).to.equal(0);
    expect(readFileSync(join(dir, 'out'), 'utf8')).to.equal(
      'pl4y-Secret-value inl1ne-Play-secret s3cr3t-Repl1cation\n',
    );
    expect(r.stdout).to.include('***');
    for (const s of SECRETS) expect(r.stdout + r.stderr).not.to.include(s);
  });

  it('takes --vault-id label@file, and an executable password file is run', async () => {
    rmSync(join(dir, 'out'), { force: true });
    const r = await runCli([
      ...base(),
      '-e',
      `@${dir}/prod.yml`,
      '--vault-id',
      `prod@${dir}/prod.pass`,
      '--vault-id',
      `${dir}/pass.sh`,
    ]);
    expect(r.code, r.stderr).to.equal(3); // replication_password is not set: only prod.yml was given
    expect(r.stderr).to.match(/replication_password/);
    const ok = await runCli([...base(), '-e', `@${dir}/secrets.yml`, '--vault-id', `default@${dir}/pass.sh`]);
    expect(ok.code, ok.stderr).to.equal(0);
  });

  it('a wrong password is exit 3 naming the file; none at all says which flag to use', async () => {
    const r = await runCli([
      ...base(),
      '-e',
      `@${dir}/secrets.yml`,
      '--vault-password-file',
      join(dir, 'wrong.pass'),
    ]);
    expect(r.code).to.equal(3);
    expect(r.stderr.trim()).to.equal(
      `ERROR: ${dir}/secrets.yml: vault: decryption failed: no vault password fits; tried default`,
    );
    const none = await runCli(base());
    expect(none.code).to.equal(3);
    expect(none.stderr).to.match(/site\.yml:5:20: vault: .*--vault-password-file/);
  });

  it('--ask-vault-pass is refused (exit 5) when stdin is not a terminal', async () => {
    const r = await runCli([...base(), '--ask-vault-pass']);
    expect(r.code).to.equal(5);
    expect(r.stderr).to.match(/--ask-vault-pass needs a terminal/);
  });

  it('--ask-vault-pass asks on the terminal without echoing the password', async () => {
    rmSync(join(dir, 'out'), { force: true });
    const r = await runOnTerminal([...base(), '-e', `@${dir}/secrets.yml`, '--ask-vault-pass'], SECRETS[4]!);
    expect(r.code, r.output).to.equal(0);
    expect(r.output).to.include('Vault password: ');
    for (const s of SECRETS) expect(r.output).not.to.include(s);
    expect(readFileSync(join(dir, 'out'), 'utf8')).to.include('s3cr3t-Repl1cation');
  });

  it('inventory --list shows inline values encrypted and masks the values of encrypted files', async () => {
    const inv = join(dir, 'inventory/hosts');
    const r = await runCli([
      'inventory',
      '-i',
      inv,
      '--list',
      '--vault-id',
      `default@${dir}/default.pass`,
      '--vault-id',
      `prod@${dir}/prod.pass`,
    ]);
    expect(r.code, r.stderr).to.equal(0);
    const expected = JSON.parse(readFileSync(join(dir, 'inventory/expected.json'), 'utf8'));
    for (const h of ['db1', 'db2']) {
      expected._meta.hostvars[h].group_secret = '***';
      expected._meta.hostvars[h].shared = '***';
    }
    expect(JSON.parse(r.stdout)).to.deep.equal(expected);
  });

  it('inventory --list masks values of an encrypted inventory, also those JSON escapes', async () => {
    const r = await runCli([
      'inventory',
      '-i',
      join(dir, 'encrypted-inventory.yml'),
      '--list',
      '--vault-password-file',
      join(dir, 'default.pass'),
    ]);
    expect(r.code, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout)._meta.hostvars.db5).to.deep.equal({
      ansible_port: 2205,
      db_password: '***',
      quoted: '***',
    });
    expect(r.stdout).not.to.match(/te-Secret|inv3ntory/);
  });
});
