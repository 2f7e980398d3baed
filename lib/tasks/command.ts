import type { JSONSchemaType } from 'ajv';
import { pathExists } from '../facts/probes.js';
import { exec } from '../model/actions.js';
import { argv, type Cmd, sh } from '../model/command.js';
import { Payload } from '../secret.js';
import { defineTask, type PlanContext } from './define.js';

/** Arguments of {@link command}; their meaning is in the schema below (`run-playbook help command`). */
export interface CommandArgs {
  cmd: string | string[];
  creates?: string;
  removes?: string;
  chdir?: string;
  changed?: boolean;
  stdin?: string;
  timeout?: number;
}

const optPath = (description: string) =>
  ({ type: 'string', minLength: 1, nullable: true, description }) as const;

const schema: JSONSchemaType<CommandArgs> = {
  type: 'object',
  properties: {
    cmd: {
      anyOf: [
        { type: 'string', minLength: 1 },
        { type: 'array', items: { type: 'string' }, minItems: 1 },
      ],
      description:
        'a string is shell code; a list is an argv, each word quoted (`command: …` alone means cmd)',
    } as unknown as JSONSchemaType<CommandArgs>['properties']['cmd'],
    creates: optPath('a path: when it exists, the command is not run'),
    removes: optPath('a path: when it is missing, the command is not run'),
    chdir: optPath('directory to run in; relative creates/removes are taken from it too'),
    changed: {
      type: 'boolean',
      nullable: true,
      default: true,
      description: 'false: the command runs but the result is reported ok',
    },
    stdin: { type: 'string', nullable: true, description: 'text given on stdin' },
    timeout: {
      type: 'number',
      exclusiveMinimum: 0,
      nullable: true,
      description: 'seconds, enforced on the host (default: no limit)',
    },
  },
  required: ['cmd'],
  additionalProperties: false,
};

/** The command to run: shell code or a quoted argv, inside `chdir` when given. */
export function commandOf(args: Pick<CommandArgs, 'cmd' | 'chdir'>): Cmd {
  const body: Cmd = typeof args.cmd === 'string' ? { sh: args.cmd } : argv(args.cmd);
  return args.chdir === undefined ? body : sh`cd ${args.chdir} && ${body}`;
}

/** Whether a path exists, as this run predicts it (a file planned earlier in check mode counts). */
async function exists(ctx: PlanContext, path: string, chdir: string | undefined): Promise<boolean> {
  const p = chdir !== undefined && !path.startsWith('/') ? `${chdir.replace(/\/$/, '')}/${path}` : path;
  const predicted = ctx.facts.memory.overlay.get(p);
  if (predicted) return predicted.exists;
  return (await ctx.facts.run(pathExists(p))).code === 0;
}

/** Runs a command, unless a `creates` path exists or a `removes` path is missing. */
export const command = defineTask<CommandArgs>({
  name: 'command',
  description: 'run a command (shell string or argv), guarded by creates/removes',
  schema,
  async plan(ctx, args) {
    if (args.creates !== undefined && (await exists(ctx, args.creates, args.chdir)))
      return { actions: [], reason: `exists: ${args.creates} (creates)` };
    if (args.removes !== undefined && !(await exists(ctx, args.removes, args.chdir)))
      return { actions: [], reason: `missing: ${args.removes} (removes)` };
    const cmd = commandOf(args);
    const action = exec({ summary: cmd.sh, cmd, prediction: `would run: ${cmd.sh}` });
    if (args.stdin !== undefined) action.stdin = new Payload([args.stdin]);
    if (args.timeout !== undefined) action.timeoutSec = args.timeout;
    // The engine reads reportChanged to report a command that ran as ok.
    const data = args.changed === false ? { reportChanged: false } : undefined;
    return { actions: [action], ...(data ? { data } : {}) };
  },
});
