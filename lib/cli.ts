#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { type CliArgs, parseCli } from './cli/args.js';
import { ExitCode, RunPlaybookError, UsageError } from './errors.js';
import { redact } from './secret.js';

// Everything else is imported when a command needs it: `--version` must not pay for ajv, handlebars and the
// tasks (about 1 s of start-up on a busy 2-core machine).

const version = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

async function sandbox(a: CliArgs): Promise<number> {
  const { sandboxDown, sandboxUp } = await import('./sandbox/sandbox.js');
  if (a.action === 'down') {
    const removed = await sandboxDown(a.sandbox.dir);
    process.stdout.write(removed ? 'sandbox removed\n' : 'no sandbox here\n');
    return ExitCode.ok;
  }
  const s = await sandboxUp({
    root: a.sandbox.dir,
    ssh: a.sandbox.ssh,
    layout: a.sandbox.layout,
    standbys: a.sandbox.standbys,
  });
  const nodes = s.nodes.map((n) => `  ${n.name} (${n.group}) port ${n.port}`).join('\n');
  process.stdout.write(
    `sandbox ready in ${s.root} (${s.layout} layout${s.sshd ? ', over ssh' : ''}):\n${nodes}\ninventory: ${s.inventory}\nsecrets:   ${s.secrets}\n`,
  );
  return ExitCode.ok;
}

async function main(argv: string[]): Promise<number> {
  const a = parseCli(argv);
  if (a.command === 'version') {
    process.stdout.write(`run-playbook ${version}\n`);
    return ExitCode.ok;
  }
  if (a.command === 'help') {
    const { helpText } = await import('./cli/help.js');
    process.stdout.write(helpText(version));
    return ExitCode.ok;
  }
  const { loadInventory, toAnsibleList } = await import('./inventory/index.js');
  if (a.command === 'inventory') {
    const inv = await loadInventory(a.inventory);
    process.stdout.write(`${JSON.stringify(toAnsibleList(inv), null, 4)}\n`);
    return ExitCode.ok;
  }
  if (a.command === 'sandbox') return sandbox(a);
  if (a.command === 'status') {
    const { formatStatus, replicationStatus } = await import('./cli/status.js');
    const nodes = await replicationStatus(await loadInventory(a.inventory), a.limit ?? 'all', a.extraVars);
    process.stdout.write(a.json ? `${JSON.stringify(nodes, null, 2)}\n` : formatStatus(nodes));
    return nodes.some((n) => n.error) ? ExitCode.unreachable : ExitCode.ok;
  }
  const file = a.playbook ?? '';
  if (a.syntaxCheck) {
    const [{ loadPlaybook }, { registry }] = await Promise.all([
      import('./playbook/index.js'),
      import('./tasks/registry.js'),
    ]);
    await loadPlaybook(file, registry);
    process.stdout.write(`\nplaybook: ${file}\n`);
    return ExitCode.ok;
  }
  if (a.inventory.length === 0) throw new UsageError('missing -i INVENTORY');
  const opts = {
    inventory: a.inventory,
    limit: a.limit,
    tags: a.tags,
    skipTags: a.skipTags,
    extraVars: a.extraVars,
    check: a.check,
    forks: a.forks,
  };
  const { prepareRun, runPlaybook } = await import('./engine/run.js');
  if (a.listHosts || a.listTasks) {
    const { listHosts, listTasks } = await import('./cli/list.js');
    const { plays, hostsOf } = await prepareRun(file, opts);
    process.stdout.write(
      a.listHosts ? listHosts(file, plays, hostsOf) : listTasks(file, plays, a.tags, a.skipTags),
    );
    return ExitCode.ok;
  }
  const { consoleReporter, jsonReporter } = await import('./report/index.js');
  const json = a.json ? jsonReporter() : undefined;
  const color = !!process.stdout.isTTY && !process.env.NO_COLOR;
  const con = json
    ? undefined
    : consoleReporter({ out: process.stdout, color, verbosity: a.verbosity, diff: a.diff, check: a.check });
  const summary = await runPlaybook(file, { ...opts, onEvent: (e) => (json ?? con)?.onEvent(e) });
  if (json) process.stdout.write(`${JSON.stringify(json.result(), null, 2)}\n`);
  return summary.exitCode;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof RunPlaybookError) {
      process.stderr.write(`ERROR: ${redact(e.message)}\n`);
      process.exitCode = e.exitCode;
    } else {
      process.stderr.write(
        `INTERNAL ERROR: ${redact(e instanceof Error ? (e.stack ?? e.message) : String(e))}\n`,
      );
      process.exitCode = ExitCode.internal;
    }
  },
);
