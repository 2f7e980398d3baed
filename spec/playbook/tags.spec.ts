import { expect } from 'chai';
import { filterTags, type TaskNode } from '../../lib/playbook/index.js';

const task = (name: string, tags: string[]): TaskNode =>
  ({ name, tags, action: 'command', args: {}, where: { file: 'x' } }) as unknown as TaskNode;

const tasks = [
  task('plain', []),
  task('conf', ['conf']),
  task('always', ['always']),
  task('never', ['never']),
  task('debug', ['never', 'debug']),
  task('both', ['conf', 'pg']),
];
const names = (tags: string[], skip: string[] = []) => filterTags(tasks, tags, skip).map((t) => t.name);

describe('filterTags', () => {
  it('runs everything except never by default (all)', () => {
    expect(names([])).to.deep.equal(['plain', 'conf', 'always', 'both']);
    expect(names(['all'])).to.deep.equal(['plain', 'conf', 'always', 'both']);
  });

  it('selects by tag, always included, never only when asked for', () => {
    expect(names(['conf'])).to.deep.equal(['conf', 'always', 'both']);
    expect(names(['debug'])).to.deep.equal(['always', 'debug']);
    expect(names(['never'])).to.deep.equal(['always', 'never', 'debug']);
  });

  it('understands tagged and untagged', () => {
    expect(names(['tagged'])).to.deep.equal(['conf', 'always', 'both']);
    expect(names(['untagged'])).to.deep.equal(['plain', 'always']);
  });

  it('skips tags, and always only when named', () => {
    expect(names([], ['conf'])).to.deep.equal(['plain', 'always']);
    expect(names([], ['always'])).to.deep.equal(['plain', 'conf', 'both']);
    expect(names([], ['all'])).to.deep.equal(['always']);
    expect(names([], ['tagged'])).to.deep.equal(['plain']);
    expect(names(['pg'], ['conf'])).to.deep.equal(['always']);
  });
});
