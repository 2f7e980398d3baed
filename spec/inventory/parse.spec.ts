import { expect } from 'chai';
import { expandHostPattern, literalEval, shlexSplit } from '../../lib/inventory/index.js';

describe('inventory value parsing', () => {
  it('evaluates Python literals like ast.literal_eval, else keeps the string', () => {
    expect(literalEval('1')).to.equal(1);
    expect(literalEval('-3')).to.equal(-3);
    expect(literalEval('0x10')).to.equal(16);
    expect(literalEval('1.5')).to.equal(1.5);
    expect(literalEval('True')).to.equal(true);
    expect(literalEval('None')).to.equal(null);
    expect(literalEval('"a b"')).to.equal('a b');
    expect(literalEval("[1, 'x', {'k': (2, 3)}]")).to.deep.equal([1, 'x', { k: [2, 3] }]);
    expect(literalEval('5 # comment')).to.equal(5);
    for (const s of ['yes', '01', 'a b', '1.2.3', '{k:1}', 'true', '1e']) expect(literalEval(s)).to.equal(s);
  });

  it('splits host lines like shlex with comments', () => {
    expect(shlexSplit(`h a="x y" b='z' c=d\\ e # rest`)).to.deep.equal(['h', 'a=x y', 'b=z', 'c=d e']);
    expect(shlexSplit('h x=1#2')).to.deep.equal(['h', 'x=1']);
    expect(() => shlexSplit("h a='open")).to.throw('No closing quotation');
  });

  it('expands ranges and splits ports', () => {
    expect(expandHostPattern('db[01:03]:2222')).to.deep.equal({
      hosts: ['db01', 'db02', 'db03'],
      port: 2222,
    });
    expect(expandHostPattern('n[1:9:4]').hosts).to.deep.equal(['n1', 'n5', 'n9']);
    expect(expandHostPattern('x[a:c]y[1:2]').hosts).to.deep.equal([
      'xay1',
      'xay2',
      'xby1',
      'xby2',
      'xcy1',
      'xcy2',
    ]);
    expect(expandHostPattern('[fe80::1]:22')).to.deep.equal({ hosts: ['fe80::1'], port: 22 });
    expect(expandHostPattern('fe80::1')).to.deep.equal({ hosts: ['fe80::1'] });
  });
});
