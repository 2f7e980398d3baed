import { registry } from '../tasks/registry.js';

/** `--help`: usage, options, tasks (from the registry, so never out of date) and exit codes. */
export function helpText(version: string): string {
  const tasks = Object.values(registry)
    .map((t) => `  ${t.taskName.padEnd(20)} ${t.description}`)
    .join('\n');
  return `run-playbook ${version} — bring hosts to a described state, with honest dry runs

Usage:
  run-playbook PLAYBOOK -i INVENTORY [options]
  run-playbook inventory -i INVENTORY --list
  run-playbook status -i INVENTORY [-l PATTERN] [--json]   replication health of each node
  run-playbook sandbox up [--ssh] [--layout initdb|debian] [--standbys N] [--dir DIR]
  run-playbook sandbox down [--dir DIR]

Options:
  -i, --inventory SRC     inventory file, directory, executable script or 'h1,h2,' list (repeatable)
  -l, --limit PATTERN     further limit the hosts (a:b, a:&b, a:!b, globs)
  -c, --connection KIND   ssh (default) or local, for every host
  -t, --tags TAGS         run only tasks with these tags (comma list)
      --skip-tags TAGS    skip tasks with these tags
  -e, --extra-vars VARS   k=v, JSON, or @file (highest precedence; repeatable)
      --vault-password-file FILE
                          vault password in FILE, or printed by it when executable (repeatable)
      --vault-id [LABEL@]FILE|prompt
                          a vault password for a vault id (repeatable)
  -J, --ask-vault-pass    ask for the vault password on the terminal (no echo)
  -C, --check             plan only: change nothing, report what would change
  -D, --diff              show the changes (unified diffs, labelled predictions)
  -f, --forks N           hosts in parallel per task (default 10)
  -v, --verbose           more output (-vv, -vvv): reasons, remote commands (secrets masked)
      --json              write one machine-readable JSON report to stdout
      --list-hosts        list the hosts each play would run on, and stop
      --list-tasks        list the tasks each play would run, and stop
      --syntax-check      check the playbook, and stop
      --detailed-exitcode exit 6 when something changed (with --check: would change)
  -h, --help              this text
      --version           the version

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
`;
}
