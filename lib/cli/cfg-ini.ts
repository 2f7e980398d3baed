import { InputError } from '../errors.js';

/** An ansible.cfg as Python's ConfigParser reads it: section → key (lower case) → value and its line. */
export type CfgSections = Map<string, Map<string, { value: string; line: number }>>;

/**
 * Parses INI text as Ansible's ConfigParser(inline_comment_prefixes=(';',)) does: `[section]`, `key = value`
 * or `key: value`, whole-line `#`/`;` comments, `;` after a blank as an inline comment, indented lines
 * continuing the value before. A duplicate section or key is an error there, and here.
 */
export function parseCfgIni(text: string, file: string): CfgSections {
  const out: CfgSections = new Map();
  let section: Map<string, { value: string; line: number }> | undefined;
  let last: { value: string; line: number } | undefined;
  const err = (line: number, col: number, msg: string) => new InputError(msg, { file, line, col });
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const n = i + 1;
    const line = raw.replace(/\s;.*$/, '');
    const t = line.trim();
    if (t === '' || /^[#;]/.test(t)) {
      last = t === '' ? undefined : last;
      continue;
    }
    if (/^\s/.test(line) && last) {
      last.value += `\n${t}`;
      continue;
    }
    const head = /^\[([^\]]+)\]/.exec(t);
    if (head) {
      const name = head[1] as string;
      if (out.has(name)) throw err(n, 1, `section [${name}] appears twice`);
      section = new Map();
      out.set(name, section);
      last = undefined;
      continue;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(t);
    if (!kv) throw err(n, 1, `expected key = value, found '${t}'`);
    if (!section) throw err(n, 1, 'a setting before any [section]');
    const key = (kv[1] as string).toLowerCase();
    if (section.has(key)) throw err(n, 1, `'${key}' is set twice in this section`);
    last = { value: kv[2] as string, line: n };
    section.set(key, last);
  }
  return out;
}
