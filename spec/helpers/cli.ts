import { fileURLToPath, pathToFileURL } from 'node:url';
import { runProcess } from '../../lib/connection/process.js';

/** The project root. */
export const root = fileURLToPath(new URL('../..', import.meta.url));

/** Output of one CLI run. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI from source (through tsx), as a user would run `run-playbook …`. */
export function runCli(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CliRun> {
  const tsx = pathToFileURL(`${root}/node_modules/tsx/dist/loader.mjs`).href;
  return runProcess([process.execPath, '--import', tsx, `${root}/lib/cli.ts`, ...args], Buffer.alloc(0), {
    cwd: opts.cwd ?? root,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
  });
}
