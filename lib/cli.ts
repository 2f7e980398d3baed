#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { applyRolesPath, describeCfg } from './cli/ansible-cfg.js';
import { type CliArgs, parseCli } from './cli/args.js';
import { ExitCode, RunPlaybookError, signalExitCode, UsageError } from './errors.js';
import { redact } from './secret.js';

// Everything else is imported when a command needs it: `--version` must not pay for ajv, handlebars and the
// tasks (about 1 s of start-up on a busy 2-core machine).

/** The package's version: its package.json is one level up from lib/ and dist/, two from the bundle in dist/bin/. */
function packageVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const p = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as {
        name?: string;
        version: string;
      };
      if (p.name === 'run-playbook') return p.version;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return 'unknown';
}

const version = packageVersion();

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
    const help =
      a.action === undefined
        ? (await import('./cli/help.js')).helpText(version)
        : (await import('./cli/task-help.js')).taskHelp(a.action);
    process.stdout.write(help);
    return ExitCode.ok;
  }
  if (a.command === 'schema') {
    const [{ playbookSchema }, { registry }] = await Promise.all([
      import('./cli/schema.js'),
      import('./tasks/registry.js'),
    ]);
    process.stdout.write(`${JSON.stringify(playbookSchema(registry), null, 2)}\n`);
    return ExitCode.ok;
  }
  // machine-readable output (--json, inventory --list) keeps stdout to itself
  if (a.verbosity > 0)
    (a.json || a.command === 'inventory' ? process.stderr : process.stdout).write(describeCfg(a.config));
  applyRolesPath(a.config);
  const { loadInventory, toAnsibleList } = await import('./inventory/index.js');
  if (a.command === 'inventory') {
    const inv = await loadInventory(a.inventory);
    // values of vault-encrypted files are secrets here too (masked before JSON escapes them)
    const masked = (_k: string, v: unknown) => (typeof v === 'string' ? redact(v) : v);
    process.stdout.write(`${JSON.stringify(toAnsibleList(inv), masked, 4)}\n`);
    return ExitCode.ok;
  }
  if (a.command === 'sandbox') return sandbox(a);
  if (a.command === 'status') {
    const { formatStatus, replicationStatus, statusExitCode } = await import('./cli/status.js');
    const inv = await loadInventory(a.inventory);
    const nodes = await replicationStatus(inv, a.limit ?? 'all', a.extraVars, a.config.hostDefaults);
    process.stdout.write(a.json ? `${JSON.stringify(nodes, null, 2)}\n` : formatStatus(nodes));
    return statusExitCode(nodes);
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
    hostDefaults: a.config.hostDefaults,
  };
  const { detailedExitCode, prepareRun, runPlaybook } = await import('./engine/run.js');
  if (a.listHosts || a.listTasks) {
    const { listHosts, listTasks } = await import('./cli/list.js');
    const { plays, hostsOf } = await prepareRun(file, opts);
    process.stdout.write(
      a.listHosts ? listHosts(file, plays, hostsOf) : listTasks(file, plays, a.tags, a.skipTags),
    );
    return ExitCode.ok;
  }
  const { consoleReporter, jsonReporter, preloadDiff } = await import('./report/index.js');
  if (a.diff || a.json) await preloadDiff();
  const json = a.json ? jsonReporter() : undefined;
  const color = !!process.stdout.isTTY && !process.env.NO_COLOR;
  const con = json
    ? undefined
    : consoleReporter({ out: process.stdout, color, verbosity: a.verbosity, diff: a.diff, check: a.check });
  const signals = catchSignals();
  try {
    const summary = await runPlaybook(file, {
      ...opts,
      onEvent: (e) => (json ?? con)?.onEvent(e),
      stop: signals.stop,
      cut: signals.cut,
    });
    if (json) process.stdout.write(`${JSON.stringify(json.result(), null, 2)}\n`);
    return a.detailedExitcode ? detailedExitCode(summary) : summary.exitCode;
  } finally {
    signals.release();
  }
}

/**
 * While a playbook runs, the first SIGINT or SIGTERM stops it (no new task starts; what is in flight finishes)
 * and the next one cuts what is in flight; either way the run closes its connections, removes its private
 * directory, prints the recap and exits 128 + the signal's number (Node's default would kill us on the spot,
 * leaving masters and the directory behind); a third leaves at once.
 */
function catchSignals(): { stop: AbortSignal; cut: AbortSignal; release(): void } {
  const stop = new AbortController();
  const cut = new AbortController();
  const on = (sig: NodeJS.Signals): void => {
    if (!stop.signal.aborted) stop.abort(sig);
    else if (!cut.signal.aborted) cut.abort(sig);
    // a third one is a person who will not wait for closing to finish: leave now, as Node's default would
    else process.exit(signalExitCode(String(stop.signal.reason)));
  };
  const sigs: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  for (const s of sigs) process.on(s, on);
  return {
    stop: stop.signal,
    cut: cut.signal,
    release: () => {
      for (const s of sigs) process.off(s, on);
    },
  };
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
