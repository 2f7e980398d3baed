import { createRequire } from 'node:module';
import type * as Diff from 'diff';
import type {
  Action,
  CopyCluster,
  Exec,
  FileAttrs,
  MakeDir,
  MovePath,
  SetAttrs,
  WriteFile,
} from '../model/actions.js';
import { isSensitive, shownContent } from '../model/actions.js';
import { redact } from '../secret.js';

/** Describes the attributes that are set, e.g. `mode 0600, owner postgres, group postgres`. */
export function describeAttrs(a: FileAttrs): string {
  const parts: string[] = [];
  if (a.mode !== undefined) parts.push(`mode ${a.mode}`);
  if (a.owner !== undefined) parts.push(`owner ${a.owner}`);
  if (a.group !== undefined) parts.push(`group ${a.group}`);
  return parts.join(', ');
}

let diffLib: typeof Diff | undefined;

/**
 * Loads the diff library ahead of the first diff: the CLI does for --diff and --json, by an import that its
 * bundle can carry (and its code cache keep). Without it, the library is required when a diff is first shown,
 * so a run without --diff never pays for it.
 */
export async function preloadDiff(): Promise<void> {
  diffLib ??= (await import('diff')) as typeof Diff;
}

const diff = (): typeof Diff => {
  diffLib ??= createRequire(import.meta.url)('diff') as typeof Diff;
  return diffLib;
};

/** Unified diff with Ansible's `--- before: <path>` / `+++ after: <path>` headers; absent sides are named. */
function unifiedDiff(a: WriteFile): string {
  const oldName = `before: ${a.path}${a.before === null ? ' (absent)' : ''}`;
  const newName = `after: ${a.path}${a.after === null ? ' (absent)' : ''}`;
  const { createTwoFilesPatch, FILE_HEADERS_ONLY } = diff();
  const patch = createTwoFilesPatch(
    oldName,
    newName,
    a.before ?? '',
    shownContent(a) ?? '',
    undefined,
    undefined,
    {
      context: 3,
      headerOptions: FILE_HEADERS_ONLY,
    },
  );
  return patch.replace(/\n$/, '');
}

function renderWriteFile(a: WriteFile): string {
  const lines: string[] = [];
  if (a.before === a.after) lines.push(`${a.path}: content unchanged`);
  else if (isSensitive(a)) lines.push(`${a.path}: content changes (hidden: sensitive)`);
  else lines.push(unifiedDiff(a));
  // A write keeps mode and owner unless the action names them, so only named attributes are worth a line.
  const attrs = a.after === null ? '' : describeAttrs(a);
  if (attrs) lines.push(`attributes: ${attrs}`);
  if (a.backup && a.before !== null) lines.push(`backup: the old content is kept beside ${a.path}`);
  return lines.join('\n');
}

function renderSetAttrs(a: SetAttrs): string {
  const keys = ['mode', 'owner', 'group'] as const;
  const changes = keys
    .filter((k) => a.after[k] !== undefined && a.after[k] !== a.before[k])
    .map((k) => `${k} ${a.before[k] ?? '?'} → ${a.after[k]}`);
  return `${a.path}: ${changes.length > 0 ? changes.join(', ') : 'attributes unchanged'}`;
}

function renderMakeDir(a: MakeDir): string {
  const attrs = describeAttrs(a);
  return `create directory ${a.path}${attrs ? ` (${attrs})` : ''}`;
}

function renderMovePath(a: MovePath): string {
  return `move ${a.from} → ${a.to}`;
}

function renderExec(a: Exec): string {
  const lines = [`run: ${a.summary}`];
  // Payload.toString() masks Secret parts; redact() below masks plain strings registered as secret.
  if (a.showStdin && a.stdin !== undefined) {
    const text = a.stdin.toString().replace(/\n$/, '');
    for (const l of text.split('\n')) lines.push(`    ${l}`);
  }
  // Effects that cannot be shown as a diff are always labelled as predictions, never passed off as facts.
  if (a.prediction !== undefined) lines.push(`  (prediction) ${a.prediction}`);
  return lines.join('\n');
}

function renderCopyCluster(a: CopyCluster): string {
  // the size and the files are only known when it runs: a prediction, labelled as such
  return `copy ${a.source} → ${a.targetDir}\n  (prediction) ${a.prediction}`;
}

/** One renderer per action kind: a new kind in the Action union breaks the build until it is handled here. */
const renderers: { [K in Action['kind']]: (a: Extract<Action, { kind: K }>) => string } = {
  writeFile: renderWriteFile,
  setAttrs: renderSetAttrs,
  makeDir: renderMakeDir,
  movePath: renderMovePath,
  exec: renderExec,
  copyCluster: renderCopyCluster,
};

/** Renders one action as text a person reads in `--diff` output; known secrets are masked. */
export function renderAction(a: Action): string {
  const render = renderers[a.kind] as (x: Action) => string;
  return redact(render(a));
}

/** Renders a plan's actions, one block per action, separated by newlines; empty for no actions. */
export function renderDiff(actions: readonly Action[]): string {
  return actions.map(renderAction).join('\n');
}
