import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../../lib/errors.js';
import {
  checkTemplate,
  evalCondition,
  renderFile,
  renderHandlebars,
  renderString,
  renderValue,
} from '../../lib/model/template.js';
import { simpleTemplate } from '../../lib/model/template-simple.js';

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
    const values = { str: 'a b', n: 5, zero: 0, t: true, f: false, nul: null, list: [1, 2], o: { k: 'v' } };
    const v = { ...vars, ...values, deep: values };
    for (const name of [...Object.keys(values), ...Object.keys(values).map((k) => `deep.${k}`)]) {
      for (const tpl of [`{{ ${name} }}`, ` {{${name}}} `, `x={{ ${name} }}/{{ port }}`]) {
        expect(simpleTemplate(tpl), tpl).not.to.equal(null);
        expect(renderString(tpl, v), tpl).to.deep.equal(renderHandlebars(tpl, v));
      }
    }
    expect(renderString('{{ this }}', vars)).to.deep.equal(vars);
    expect(renderString('{{ true }}', vars)).to.equal(true);
    expect(errorOf(() => renderString('a {{ port }} {{ nope.x }}', vars, where)).message).to.equal(
      "p.yml:3:26: undefined variable 'nope.x'",
    );
  });

  it('renders a helper call (no handlebars) exactly as handlebars does, errors included', () => {
    const v = {
      ...vars,
      groups: { standby: ['db2', 'db3'], primary: ['db1'], empty: [] },
      group: 'standby',
      mode: 'off',
      none: null,
      changed: { changed: true },
      hostvars: { db1: { pg_address: '10.0.0.1', pg_port: 5433 } },
      primary_host: 'db1',
      sync: ['db2'],
    };
    const templates = [
      '{{ lookup groups group }}',
      '{{ lookup groups "primary" }}',
      "{{ lookup groups 'nope' }}",
      '{{ lookup (lookup groups "primary") 0 }}',
      '{{ lookup none "x" }}',
      '{{ lookup name "length" }}',
      "{{ ne mode 'disable' }}",
      "{{ ternary (eq mode 'disable') 'host' 'hostssl' }}",
      '{{ ternary none none undefined }}',
      "{{ and (ne mode 'disable') (or changed.changed false) }}",
      '{{ or (gt (length sync) 0) (eq mode "off") }}',
      '{{ gte pg_version 13 }}',
      '{{ (gte pg_version 12.5) }}',
      '{{ not none }}',
      '{{ default nope.x undefined }}',
      '{{ default none 7 }}',
      '{{ default port -1 }}',
      "{{ hostvar primary_host 'pg_address' }}",
      "{{ hostvar primary_host 'pg_port' }}",
      "{{ synchronousStandbyNames 'first' 1 sync primary_host }}",
      '{{ json (lookup groups group) }}',
      'host={{ hostvar primary_host "pg_address" }} port={{ hostvar primary_host "pg_port" }}',
      'x {{ lookup groups group }} y',
      'x {{ default none null }} y',
      '{{ join list "-" }}/{{ upper name }}',
      '{{ length obj }}',
      '{{ includes list 2 }}',
      '{{ null }}',
      "{{ 'text' }}",
      '{{ _ port }}',
      '{{ _ port  }} ',
    ];
    for (const tpl of templates) {
      expect(simpleTemplate(tpl), tpl).not.to.equal(null);
      expect(renderString(tpl, v), tpl).to.deep.equal(renderHandlebars(tpl, v));
    }
    // what the plain path cannot decide goes through handlebars, so errors keep their position
    for (const tpl of [
      "{{ ne nope 'disable' }}",
      'x {{ and (ne mode "off") (eq missing.z 1) }}',
      "{{ hostvar 'db9' 'pg_port' }}",
      "{{ hostvar primary_host 'nope' }}",
      "{{ synchronousStandbyNames 'bogus' 1 sync }}",
      '{{ foo 1 }}',
    ]) {
      const fast = errorOf(() => renderString(tpl, v, where));
      expect(fast.message, tpl).to.equal(errorOf(() => renderHandlebars(tpl, v, where)).message);
    }
    expect(errorOf(() => renderString("x {{ ne nope 'a' }}", v, where)).message).to.equal(
      "p.yml:3:18: undefined variable 'nope'",
    );
    // shapes left to handlebars: hash arguments, blocks, `this`, data variables, whitespace control, escapes
    for (const tpl of [
      '{{ f a=1 }}',
      '{{#if x}}y{{/if}}',
      '{{ eq this 1 }}',
      '{{ @root }}',
      '{{~ x }}',
      "{{ eq 'a\\b' x }}",
    ])
      expect(simpleTemplate(tpl), tpl).to.equal(null);
  });

  it('renders every template of the shipped playbooks and roles without handlebars', () => {
    const files = ['playbooks', ...readdirSync('roles').map((r) => join('roles', r))].flatMap((d) =>
      readdirSync(d, { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.yml'))
        .map((f) => join(d, f)),
    );
    // every string, and each bare `when:` expression as the engine wraps it
    const strings = (v: unknown, key = ''): string[] => {
      if (typeof v === 'string') return key === 'when' && !v.includes('{{') ? [`{{ ${v} }}`] : [v];
      if (!v || typeof v !== 'object') return [];
      return Object.entries(v).flatMap(([k, x]) => strings(x, Array.isArray(v) ? key : k));
    };
    const found = files.flatMap((f) =>
      strings(parseYaml(readFileSync(f, 'utf8'))).flatMap((s) => s.match(/\{\{[^{}]*\}\}/g) ?? []),
    );
    expect(found.length).to.be.greaterThan(60);
    for (const tpl of found) expect(simpleTemplate(tpl), tpl).not.to.equal(null);
  });
});
