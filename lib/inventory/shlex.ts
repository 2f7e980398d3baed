/**
 * Python's `shlex.split(line, comments=True)` (POSIX mode), which Ansible uses to split an INI host line.
 * A `#` outside quotes starts a comment even inside a word; `;` does not.
 * Throws an Error with Python's wording when a quote is left open.
 */
export function shlexSplit(line: string): string[] {
  const tokens: string[] = [];
  let token = '';
  let inToken = false;
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else token += c;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) token += line[++i];
      else token += c;
      continue;
    }
    if (/\s/.test(c)) {
      if (inToken) tokens.push(token);
      token = '';
      inToken = false;
    } else if (c === '#') {
      break;
    } else if (c === "'" || c === '"') {
      quote = c;
      inToken = true;
    } else if (c === '\\') {
      if (i + 1 >= line.length) throw new Error('No escaped character');
      token += line[++i];
      inToken = true;
    } else {
      token += c;
      inToken = true;
    }
  }
  if (quote) throw new Error('No closing quotation');
  if (inToken) tokens.push(token);
  return tokens;
}
