import type { Play } from '../playbook/index.js';
import { filterTags } from '../playbook/index.js';

/** `--list-hosts`, in the shape ansible-playbook prints. */
export function listHosts(file: string, plays: readonly Play[], hostsOf: readonly string[][]): string {
  const out = [`\nplaybook: ${file}\n`];
  plays.forEach((p, i) => {
    const hosts = hostsOf[i] ?? [];
    out.push(`  play #${i + 1} (${p.hosts}): ${p.name}\tTAGS: [${p.tags.join(', ')}]`);
    out.push(
      `    pattern: ['${p.hosts}']`,
      `    hosts (${hosts.length}):`,
      ...hosts.map((h) => `      ${h}`),
      '',
    );
  });
  return out.join('\n');
}

/** `--list-tasks`, in the shape ansible-playbook prints. */
export function listTasks(file: string, plays: readonly Play[], tags: string[], skipTags: string[]): string {
  const out = [`\nplaybook: ${file}\n`];
  plays.forEach((p, i) => {
    out.push(`  play #${i + 1} (${p.hosts}): ${p.name}\tTAGS: [${p.tags.join(', ')}]`, '    tasks:');
    for (const t of filterTags(p.tasks, tags, skipTags))
      out.push(`      ${t.name}\tTAGS: [${t.tags.join(', ')}]`);
    out.push('');
  });
  return out.join('\n');
}
