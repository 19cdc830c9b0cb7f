// haresources reader: `node resource[::arg...] ...` groups as Heartbeat's ResourceManager reads
// them (`#` to end of line is a comment, a trailing `\` joins the next line, blanks collapse,
// the node name is lower-cased, anything shaped like an IP address means IPaddr::IP). Pure.
import type { ConfigIssue, ResourceGroup, ResourceSpec, Where } from './types.js';

export interface HaresourcesOptions {
  readonly file: string;
  /** Node names from ha.cf (lower-cased); omit to skip the node check. */
  readonly nodes?: readonly string[];
  /** Directories searched for a resource script, in order (DIR/resource.d, then initDir). */
  readonly scriptDirs?: readonly string[];
  /** Whether PATH is an executable file; omit to skip the script check. */
  readonly executable?: (path: string) => boolean;
}

export interface HaresourcesResult {
  readonly groups: readonly ResourceGroup[];
  readonly issues: readonly ConfigIssue[];
}

/** ResourceManager's isip(): `[0-9]*.[0-9]*.[0-9]*.[0-9]*` as a shell pattern. */
export function looksLikeIp(word: string): boolean {
  return /^[0-9].*\..*\..*\..*$/.test(word);
}

export function parseResourceSpec(spec: string): ResourceSpec {
  const canon = looksLikeIp(spec) ? `IPaddr::${spec}` : spec;
  const [name = '', ...args] = canon.split('::');
  return { spec, name, args };
}

interface Logical {
  readonly text: string;
  readonly where: Where;
}

/** Physical lines -> logical lines: comments stripped, `\`-continuations joined. */
function logicalLines(text: string, file: string): Logical[] {
  const out: Logical[] = [];
  let acc: string | null = null;
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '').replace(/#.*/, '');
    if (acc === null) start = i + 1;
    const joined: string = (acc ?? '') + line;
    if (joined.endsWith('\\')) {
      acc = joined.slice(0, -1) + ' ';
      return;
    }
    acc = null;
    if (joined.trim() !== '') out.push({ text: joined.trim(), where: { file, line: start } });
  });
  if (acc !== null && (acc as string).trim() !== '') out.push({ text: (acc as string).trim(), where: { file, line: start } });
  return out;
}

export function parseHaresources(text: string, opts: HaresourcesOptions): HaresourcesResult {
  const issues: ConfigIssue[] = [];
  const groups: ResourceGroup[] = [];
  const add = (where: Where, severity: ConfigIssue['severity'], message: string): void => {
    issues.push({ file: where.file, line: where.line, severity, message });
  };
  const firstKeys = new Map<string, number>();
  for (const l of logicalLines(text, opts.file)) {
    const [nodeWord = '', ...words] = l.text.split(/[ \t]+/);
    const node = nodeWord.toLowerCase();
    if (opts.nodes && !opts.nodes.includes(node)) add(l.where, 'error', `Bad nodename in ${opts.file} [${nodeWord}]`);
    const resources = words.map(parseResourceSpec);
    if (resources.length === 0) add(l.where, 'warning', `resource group for [${node}] lists no resources`);
    const key = resources[0]?.spec;
    if (key !== undefined) {
      const seen = firstKeys.get(key);
      if (seen !== undefined) {
        add(l.where, 'warning', `first resource [${key}] of this group is also the first of the group at line ${seen}: it must be unique`);
      }
      firstKeys.set(key, l.where.line);
    }
    for (const r of resources) checkScript(r, l.where, opts, add);
    groups.push({ node, resources, where: l.where });
  }
  return { groups, issues };
}

function checkScript(
  r: ResourceSpec,
  where: Where,
  opts: HaresourcesOptions,
  add: (w: Where, s: ConfigIssue['severity'], m: string) => void,
): void {
  if (!opts.executable || !opts.scriptDirs) return;
  const exec = opts.executable;
  if (r.name === '' || r.name.includes('/')) {
    add(where, 'warning', `Cannot locate resource script ${r.name} (resource [${r.spec}]): not a plain script name`);
    return;
  }
  if (opts.scriptDirs.some((d) => exec(`${d}/${r.name}`))) return;
  // Heartbeat starts anyway and fails only when it acquires the group (ResourceManager).
  add(where, 'warning', `Cannot locate resource script ${r.name} (resource [${r.spec}]) in ${opts.scriptDirs.join(' or ')}:` +
    ' Heartbeat starts, then fails to acquire this group');
}
