import type { SchemaObject } from 'ajv';
import { expect } from 'chai';
import { parseCli } from '../../lib/cli/args.js';
import { FLAGS, type Flag } from '../../lib/cli/flags.js';
import { helpText } from '../../lib/cli/help.js';
import { argDocs, taskHelp } from '../../lib/cli/task-help.js';
import { UsageError } from '../../lib/errors.js';
import { registry } from '../../lib/tasks/registry.js';

/** Dotted names of every property in a schema, nested ones included. */
const names = (s: SchemaObject, prefix = ''): string[] =>
  Object.entries((s.properties ?? {}) as Record<string, SchemaObject>).flatMap(([k, p]) => [
    `${prefix}${k}`,
    ...names(p, `${prefix}${k}.`),
  ]);

describe('help TASK, from the task schema', () => {
  for (const task of Object.values(registry)) {
    it(`${task.taskName}: every argument with its type, default and meaning`, () => {
      const text = taskHelp(task.taskName);
      const docs = argDocs(task);
      expect(docs.map((d) => d.name)).to.deep.equal(names(task.schema));
      for (const d of docs) {
        const facts = [d.type, ...(d.required ? ['required'] : [])];
        if (d.default !== undefined) facts.push(`default ${JSON.stringify(d.default)}`);
        expect(text).to.include(`  ${d.name.padEnd(20)} ${facts.join(', ')}\n      ${d.description}\n`);
      }
    });
  }

  it('shows types, defaults and secrets as a user reads them', () => {
    const text = taskHelp('standby');
    expect(text).to.match(/primary\.port\s+integer 1\.\.65535, default 5432\n\s+the primary's port/);
    expect(text).to.match(/primary\.host\s+string, required\n/);
    expect(text).to.match(/primary\.password\s+string \(secret\)\n/);
    expect(taskHelp('setConf')).to.match(/settings\s+map of name → string\|number\|boolean, required/);
    expect(taskHelp('service')).to.match(
      /state\s+"started"\|"stopped"\|"restarted"\|"reloaded"\|"applied", required/,
    );
  });

  it('an unknown task is a usage error with a suggestion', () => {
    expect(() => taskHelp('stanby'))
      .to.throw(UsageError, "unknown task 'stanby'; did you mean 'standby'?")
      .with.property('exitCode', 5);
  });
});

describe('command-line flags, described once', () => {
  const flags: readonly Flag[] = FLAGS;

  it('--help lists every flag of the table with its alias, argument and description', () => {
    const help = helpText('0.0.0');
    for (const f of flags) {
      const left = `${f.short ? `-${f.short}, ` : '    '}--${f.name}${f.arg ? ` ${f.arg}` : ''}`;
      expect(help).to.match(
        new RegExp(
          `\\n  ${left.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')} +${f.help.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`,
        ),
      );
    }
  });

  it('the parser takes every flag of the table, by name and by alias', () => {
    for (const f of flags) {
      const pass = 'spec/fixtures/vault/default.pass';
      const valid: Record<string, string> = {
        layout: 'debian',
        connection: 'local',
        'extra-vars': 'x=1',
        'vault-password-file': pass,
        'vault-pass-file': pass,
        'vault-id': pass,
      };
      const value = f.arg ? [valid[f.name] ?? '1'] : [];
      const pos = f.name === 'list' ? ['inventory', '-i', 'x'] : f.section ? ['sandbox', 'up'] : ['site.yml'];
      // taken, then refused: the tests' stdin is no terminal to ask on
      const ok = (args: string[], what: string) =>
        f.name.startsWith('ask-vault')
          ? expect(() => parseCli(args), what).to.throw(UsageError, /needs a terminal/)
          : expect(() => parseCli(args), what).to.not.throw();
      ok([...pos, `--${f.name}`, ...value], f.name);
      if (f.short) ok([...pos, `-${f.short}`, ...value], f.short);
    }
  });

  it('keeps the behaviour of repeated and combined flags', () => {
    const a = parseCli(['site.yml', '-vvv', '-i', 'a', '--inventory', 'b', '-l', 'x', '--limit', 'y']);
    expect(a).to.include({ verbosity: 3, limit: 'y', command: 'run', playbook: 'site.yml' });
    expect(a.inventory).to.deep.equal(['a', 'b']);
    const t = parseCli([
      'site.yml',
      '-t',
      'a,b',
      '--tags',
      'c',
      '--skip-tags',
      'd',
      '-e',
      'x=1',
      '-e',
      'y=2',
    ]);
    expect(t.tags).to.deep.equal(['a', 'b', 'c']);
    expect(t.skipTags).to.deep.equal(['d']);
    expect(t.extraVars).to.deep.equal({ x: '1', y: '2' });
    expect(() => parseCli(['site.yml', '--bogus'])).to.throw(UsageError);
    expect(() => parseCli(['site.yml', '--forks', '0'])).to.throw(UsageError, '--forks');
    expect(() => parseCli(['site.yml', '--limit'])).to.throw(UsageError);
  });

  it('help TASK and schema are subcommands', () => {
    expect(parseCli(['help', 'standby'])).to.include({ command: 'help', action: 'standby' });
    expect(parseCli(['help'])).to.include({ command: 'help', action: undefined });
    expect(parseCli(['--help'])).to.include({ command: 'help', action: undefined });
    expect(parseCli(['schema'])).to.include({ command: 'schema' });
    expect(() => parseCli(['schema', 'x'])).to.throw(UsageError);
    expect(() => parseCli(['help', 'a', 'b'])).to.throw(UsageError);
  });
});
