import { expect } from 'chai';
import { pollDelayMs, progressEvery } from '../../lib/tasks/poll.js';

describe('tasks/poll: how waits look again and what they say meanwhile', () => {
  it('looks again after 50 ms, doubling up to 500 ms', () => {
    expect([0, 1, 2, 3, 4, 10].map(pollDelayMs)).to.deep.equal([50, 100, 200, 400, 500, 500]);
  });

  it('says a line when it changes, and the same line again only after 5 s', () => {
    const said: string[] = [];
    const realNow = Date.now;
    let now = 1_000_000;
    Date.now = () => now;
    try {
      const say = progressEvery((m) => said.push(m));
      say('a');
      now += 100;
      say('a');
      now += 100;
      say('b');
      now += 4_000;
      say('b');
      now += 1_000;
      say('b');
    } finally {
      Date.now = realNow;
    }
    expect(said).to.deep.equal(['a', 'b', 'b']);
  });
});
