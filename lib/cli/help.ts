import { registry } from '../tasks/registry.js';
import { flagHelp } from './flags.js';

/** `--help`: usage, options (from the flag table), tasks (from the registry) and exit codes: never out of date. */
export function helpText(version: string): string {
  const tasks = Object.values(registry)
    .map((t) => `  ${t.taskName.padEnd(20)} ${t.description}`)
    .join('\n');
  return `run-playbook ${version} — bring hosts to a described state, with honest dry runs

Usage:
  run-playbook PLAYBOOK -i INVENTORY [options]
  run-playbook inventory -i INVENTORY --list
  run-playbook help TASK                                   the arguments of a task
  run-playbook schema                                      JSON Schema of playbooks, for editors
  run-playbook status -i INVENTORY [-l PATTERN] [--json]   replication health of each node
  run-playbook sandbox up [--ssh] [--layout initdb|debian] [--standbys N] [--dir DIR]
  run-playbook sandbox down [--dir DIR]

Options:
${flagHelp(undefined)}

Options of sandbox:
${flagHelp('sandbox')}

Tasks:
${tasks}

ansible.cfg (ANSIBLE_CONFIG, ./ansible.cfg, ~/.ansible.cfg, /etc/ansible/ansible.cfg; first found) gives
defaults for -i, -f, the vault password file, roles path, remote user, key file and ssh args; flags beat it;
-v names the file read and the settings it ignores.

Exit codes:
  0  ok
  1  internal error (a bug in run-playbook)
  2  a task failed on some host
  3  invalid playbook, inventory or variables (no host was contacted)
  4  a host was unreachable
  5  bad command-line usage
  6  something changed, or would with --check (only with --detailed-exitcode)
  130, 143  stopped by SIGINT or SIGTERM (a second signal cuts the commands in flight)
`;
}
