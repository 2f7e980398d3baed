import { expect } from 'chai';
import { InputError } from '../../lib/errors.js';
import {
  checkTemplate,
  evalCondition,
  renderFile,
  renderString,
  renderValue,
} from '../../lib/model/template.js';

const vars = {
  port: 5432,
  list: [1, 2],
  obj: { a: { b: 1 } },
  name: "O'Brien",
  pg_version: 15,
  s: 'false',
  hostvars: { db1: { ip: '10.0.0.1' } },
  items: [{ n: 'x' }, { n: 'y' }],
};
const where = { file: 'p.yml', line: 3, col: 10 };

function errorOf(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError');
}

describe('template', () => {
  it('keeps the type of a single {{expr}}', () => {
    expect(renderString('{{ port }}', vars)).to.equal(5432);
    expect(renderString(' {{ list }} ', vars)).to.deep.equal([1, 2]);
    expect(renderString('{{obj}}', vars)).to.deep.equal({ a: { b: 1 } });
    expect(renderString('{{ obj.a.b }}', vars)).to.equal(1);
    expect(renderString('{{ gte pg_version 12 }}', vars)).to.equal(true);
    expect(renderString('{{ (gte pg_version 12) }}', vars)).to.equal(true);
    expect(renderString('{{ 5 }}', vars)).to.equal(5);
    expect(renderString('{{ "a" }}', vars)).to.equal('a');
  });

  it('renders mixed text as a string, unescaped', () => {
    expect(renderString('port={{ port }}', vars)).to.equal('port=5432');
    expect(renderString('echo {{ quote name }}', vars)).to.equal(`echo 'O'\\''Brien'`);
    expect(renderString('no template', vars)).to.equal('no template');
  });

  it('has the helpers', () => {
    const out = renderString(
      '{{ join list "," }} {{json obj}} {{length list}} {{upper "a"}} {{lower "B"}} {{includes list 2}} ' +
        '{{ternary true 1 2}} {{and true false}} {{or false true}} {{not true}} {{ne 1 2}} {{lt 1 2}} {{lte 2 2}} {{gt 1 2}} {{eq 1 1}}',
      vars,
    );
    expect(out).to.equal('1,2 {"a":{"b":1}} 2 A b true 1 false true false true true true false true');
    expect(renderString('{{ hostvar "db1" "ip" }}', vars)).to.equal('10.0.0.1');
    expect(renderString('{{ default nope 30 }}', vars)).to.equal(30);
    expect(renderString('{{ default nope.x.y 30 }}', vars)).to.equal(30);
    expect(renderString('{{#each items}}{{n}}{{@index}};{{/each}}', vars)).to.equal('x0;y1;');
    expect(renderString('{{#if (gt port 1)}}big{{else}}small{{/if}}', vars)).to.equal('big');
  });

  it('reports a missing variable with its full path at the template column', () => {
    expect(errorOf(() => renderString('x {{ nope }}', vars, where)).message).to.equal(
      "p.yml:3:15: undefined variable 'nope'",
    );
    expect(errorOf(() => renderString('x {{ obj.z.q }}', vars, where)).message).to.equal(
      "p.yml:3:15: undefined variable 'obj.z.q'",
    );
    expect(errorOf(() => renderString('{{ eq nope.a 1 }}', vars, where)).detail).to.equal(
      "undefined variable 'nope.a'",
    );
    expect(
      errorOf(() => renderString('{{#each items as |it|}}{{it.m}}{{/each}}', vars, where)).detail,
    ).to.equal("undefined variable 'it.m'");
    expect(errorOf(() => renderString('{{ hostvar "db2" "ip" }}', vars, where)).detail).to.match(
      /unknown host 'db2'/,
    );
    expect(errorOf(() => renderString('{{ foo 1 }}', vars, where)).detail).to.equal("unknown helper 'foo'");
  });

  it('renders values deeply, only string leaves, locating each leaf', () => {
    expect(renderValue({ a: ['{{ port }}', 'p{{ port }}'], b: 3, 'k{{x}}': true }, vars)).to.deep.equal({
      a: [5432, 'p5432'],
      b: 3,
      'k{{x}}': true,
    });
    const e = errorOf(() => renderValue({ a: ['{{ nope }}'] }, vars, (p) => ({ file: p.join('/') })));
    expect(e.message).to.equal("a/0:1:4: undefined variable 'nope'");
  });

  it('evaluates when: to a real boolean only', () => {
    expect(evalCondition('gte pg_version 12', vars)).to.equal(true);
    expect(evalCondition('{{ lt pg_version 12 }}', vars)).to.equal(false);
    expect(errorOf(() => evalCondition('s', vars, where)).message).to.equal(
      'p.yml:3:10: when: expected a boolean, got string "false"',
    );
    expect(errorOf(() => evalCondition('missing', vars, where)).message).to.equal(
      "p.yml:3:10: undefined variable 'missing'",
    );
  });

  it('reports syntax errors at check time', () => {
    expect(errorOf(() => checkTemplate('a {{#if x}} b', where)).detail).to.match(/^template syntax error/);
    expect(() => checkTemplate('{{ a }}', where)).not.to.throw();
  });

  it('renders files as text with file:line:col errors', () => {
    expect(renderFile('{{ port }}', vars, 't.conf')).to.equal('5432');
    expect(renderFile('{{#each items}}\n{{n}}\n{{/each}}', vars, 't.conf')).to.equal('x\ny\n');
    expect(errorOf(() => renderFile('a\nb {{ port }}\nc {{ nope }}\n', vars, 't.conf')).message).to.equal(
      "t.conf:3:6: undefined variable 'nope'",
    );
  });

  it('renders a plain `text {{ a.b }}` template (no handlebars) exactly as handlebars does', () => {
    // `{{ _ x }}` (the identity helper) always goes through handlebars; `{{ x }}` takes the plain path when it can
    const values = { str: 'a b', n: 5, zero: 0, t: true, f: false, nul: null, list: [1, 2], o: { k: 'v' } };
    const v = { ...vars, ...values, deep: values };
    for (const name of [...Object.keys(values), ...Object.keys(values).map((k) => `deep.${k}`)]) {
      for (const [plain, viaHbs] of [
        [`{{ ${name} }}`, `{{ _ ${name} }}`],
        [` {{${name}}} `, ` {{ _ ${name} }} `],
        [`x={{ ${name} }}/{{ port }}`, `x={{ _ ${name} }}/{{ _ port }}`],
      ] as const)
        expect(renderString(plain, v), plain).to.deep.equal(renderString(viaHbs, v));
    }
    expect(renderString('{{ this }}', vars)).to.deep.equal(vars);
    expect(renderString('{{ true }}', vars)).to.equal(true);
    expect(errorOf(() => renderString('a {{ port }} {{ nope.x }}', vars, where)).message).to.equal(
      "p.yml:3:26: undefined variable 'nope.x'",
    );
  });
});
