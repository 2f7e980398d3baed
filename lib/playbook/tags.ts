import type { TaskNode } from './types.js';

/** Ansible's rule for one task (ansible/playbook/taggable.py): a task without tags counts as tagged 'untagged'. */
function shouldRun(
  taskTags: readonly string[],
  only: ReadonlySet<string>,
  skip: ReadonlySet<string>,
): boolean {
  const tags = new Set(taskTags.length ? taskTags : ['untagged']);
  const tagged = taskTags.length > 0;
  const meets = (set: ReadonlySet<string>) => [...tags].some((t) => set.has(t));
  const run =
    tags.has('always') ||
    (only.has('all') && !tags.has('never')) ||
    meets(only) ||
    (only.has('tagged') && tagged && !tags.has('never'));
  if (!run) return false;
  if (skip.has('all')) return tags.has('always') && !skip.has('always');
  return !meets(skip) && !(skip.has('tagged') && tagged);
}

/**
 * The tasks selected by `--tags` and `--skip-tags`, with Ansible's meaning of the special tags: `always` runs
 * unless skipped by name, `never` runs only when asked for by one of its tags, `all` (the default) is every
 * task not tagged `never`, and `tagged`/`untagged` select by whether a task has tags.
 */
export function filterTags(tasks: TaskNode[], tags: string[], skipTags: string[]): TaskNode[] {
  const only = new Set(tags.length ? tags : ['all']);
  const skip = new Set(skipTags);
  return tasks.filter((t) => shouldRun(t.tags, only, skip));
}
