import type { HostStats, Status } from '../model/results.js';

/** Ansible's colour codes (lib/ansible/utils/color.py), so the output looks the same on a terminal. */
export const colors = {
  green: '0;32',
  yellow: '0;33',
  cyan: '0;36',
  red: '0;31',
  brightRed: '1;31',
  brightPurple: '1;35',
  blue: '0;34',
} as const;

/** A colour name from {@link colors}. */
export type Color = keyof typeof colors;

/** Colour of each status line, as Ansible's defaults. */
export const statusColor: { [S in Status]: Color } = {
  ok: 'green',
  changed: 'yellow',
  skipped: 'cyan',
  failed: 'red',
  unreachable: 'brightRed',
};

/** A painter: wraps text in an ANSI colour when enabled, returns it unchanged otherwise. */
export type Paint = (text: string, color: Color | undefined) => string;

/** Makes a {@link Paint} that colours only when `enabled` (the caller decides: TTY and no NO_COLOR). */
export function painter(enabled: boolean): Paint {
  return (text, color) =>
    enabled && color !== undefined ? `\u001b[${colors[color]}m${text}\u001b[0m` : text;
}

/** Width Ansible pads banners to when not on a terminal: the title, a space, then stars up to column 80. */
const BANNER_COLUMNS = 79;

/** `PLAY [name] ****…` as Ansible draws it: at least 3 stars, the line 80 characters wide otherwise. */
export function banner(title: string): string {
  const msg = title.trim();
  return `${msg} ${'*'.repeat(Math.max(3, BANNER_COLUMNS - msg.length))}`;
}

/** Colours a unified diff line by line as Ansible does: removed red, added green, hunk headers cyan. */
export function paintDiff(text: string, paint: Paint): string {
  return text
    .split('\n')
    .map((l) => {
      if (l.startsWith('---') || l.startsWith('-')) return paint(l, 'red');
      if (l.startsWith('+')) return paint(l, 'green');
      if (l.startsWith('@@')) return paint(l, 'cyan');
      return l;
    })
    .join('\n');
}

const recapFields = [
  ['ok', 'green'],
  ['changed', 'yellow'],
  ['unreachable', 'brightRed'],
  ['failed', 'red'],
  ['skipped', 'cyan'],
  ['rescued', 'green'],
  ['ignored', 'brightPurple'],
] as const satisfies readonly (readonly [keyof HostStats, Color])[];

function hostColor(s: HostStats): Color {
  if (s.failed > 0 || s.unreachable > 0) return 'red';
  return s.changed > 0 ? 'yellow' : 'green';
}

/**
 * The lines under `PLAY RECAP`, aligned like Ansible's (`%-26s : ok=%-4s …`); host names longer than 26
 * widen the column for every host so the counters still line up. Padding is applied before colouring.
 */
export function recapLines(stats: Record<string, HostStats>, paint: Paint): string[] {
  const hosts = Object.keys(stats).sort();
  const width = Math.max(26, ...hosts.map((h) => h.length));
  return hosts.map((h) => {
    const s = stats[h]!;
    const host = paint(h, hostColor(s)) + ' '.repeat(width - h.length);
    const counts = recapFields.map(([k, c]) => {
      const field = `${k}=${String(s[k]).padEnd(4)}`;
      return s[k] !== 0 ? paint(field, c) : field;
    });
    return `${host} : ${counts.join(' ')}`;
  });
}
