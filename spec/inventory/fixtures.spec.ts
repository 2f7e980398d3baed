import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { isHostList, loadInventory, toAnsibleList } from '../../lib/inventory/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/inventory');
const fixtures = readdirSync(root, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name);

describe('inventory fixtures (ansible-inventory --list)', () => {
  it('has at least 15 fixtures', () => {
    expect(fixtures.length).to.be.at.least(15);
  });

  for (const name of fixtures) {
    it(`${name} matches ansible-inventory`, async () => {
      const dir = join(root, name);
      const sources = readFileSync(join(dir, 'args'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((s) => (isHostList(s) ? s : join(dir, s)));
      const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
      expect(toAnsibleList(await loadInventory(sources))).to.deep.equal(expected);
    });
  }
});
