import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Host } from '../../lib/engine/connect.js';
import { command } from '../../lib/tasks/command.js';
import { ensureLine } from '../../lib/tasks/ensure-line.js';
import { file } from '../../lib/tasks/file.js';
import { template } from '../../lib/tasks/template.js';
import { converge, filesSnapshot } from '../helpers/contract.js';

/**
 * The task contract through the real engine and applier (local connection): a check run changes no byte and
 * shows the diff the real run makes; after the real run, planning again finds nothing to do.
 */
describe('generic tasks keep the contract through the real applier', () => {
  let dir: string;
  let host: Host;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rp-contract-'));
    mkdirSync(join(dir, 'templates'));
    writeFileSync(
      join(dir, 'templates/app.conf.hbs'),
      'port = {{ port }}\nname = {{ inventory_hostname }}\n',
    );
    host = await connect('localhost', {
      vars: { ansible_connection: 'local', port: 8080, inventory_hostname: 'localhost' },
      baseDirs: [dir],
    });
  });
  after(async () => {
    await host.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('file', async () => {
    const path = join(dir, 'a.conf');
    writeFileSync(path, 'old\n');
    await converge(host, file, { path, content: 'a = 1\n', mode: '0640' }, filesSnapshot([path]));
  });

  it('ensureLine', async () => {
    const path = join(dir, 'b.conf');
    writeFileSync(path, 'a = 1\n#b = 0\nc = 3\n');
    await converge(host, ensureLine, { path, line: 'b = 2', insertAfter: '^#b' }, filesSnapshot([path]));
  });

  it('template', async () => {
    const dest = join(dir, 'app.conf');
    await converge(host, template, { src: 'app.conf.hbs', dest, mode: '0644' }, filesSnapshot([dest]));
  });

  it('command with creates', async () => {
    const made = join(dir, 'made');
    await converge(host, command, { cmd: `echo done > ${made}`, creates: made }, filesSnapshot([made]));
  });
});
