// authkeys reader with Heartbeat 3.0.6's checks and words (heartbeat.c parse_authfile): mode must
// give nothing to group/other, `auth N` picks the sending key, keys are `N crc|md5 KEY|sha1 KEY`
// with only the first blank-separated word of KEY kept. Pure: the file mode is passed in.
import type { AuthKey, AuthMethod, Authkeys, ConfigIssue, Where } from './types.js';

export interface AuthkeysOptions {
  readonly file: string;
  /** st_mode & 0o7777 of the file; omit to skip the permission check. */
  readonly mode?: number;
}

export interface AuthkeysResult {
  readonly authkeys: Authkeys | null;
  readonly issues: readonly ConfigIssue[];
}

const METHODS: readonly string[] = ['crc', 'md5', 'sha1'];

export function parseAuthkeys(text: string, opts: AuthkeysOptions): AuthkeysResult {
  const issues: ConfigIssue[] = [];
  const add = (line: number, severity: ConfigIssue['severity'], message: string): void => {
    issues.push({ file: opts.file, line, severity, message });
  };
  if (opts.mode !== undefined && (opts.mode & 0o077) !== 0) {
    add(0, 'error', `Bad permissions on keyfile [${opts.file}], 600 recommended.` +
      ` (mode ${(opts.mode & 0o777).toString(8).padStart(3, '0')}: chmod 600 ${opts.file})`);
  }
  const keys = new Map<number, AuthKey>();
  let active: { index: number; where: Where } | null = null;
  let authLineSeen = false;
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    const t = raw.replace(/\r$/, '').trim();
    if (t === '' || t.startsWith('#')) return;
    const w = t.split(/[ \t]+/);
    const [first = '', second, third] = w;
    if (first === 'auth') {
      authLineSeen = true;
      const n = indexOf(second);
      if (n === null) add(line, 'error', `Invalid authnum [${second ?? ''}] in ${opts.file}`);
      else active = { index: n, where: { file: opts.file, line } };
      return;
    }
    const n = indexOf(first);
    if (n === null || second === undefined) {
      add(line, 'error', /^\d+$/.test(first) ? `Invalid authnum [${first}] in ${opts.file}` : `Auth line [${t}] is invalid.`);
      return;
    }
    if (!METHODS.includes(second)) {
      add(line, 'error', `Invalid authtype [${second}] (crc, md5 or sha1)`);
      return;
    }
    const method = second as AuthMethod;
    const key = third !== undefined && !third.startsWith('#') ? third : '';
    if (method !== 'crc' && key === '') {
      add(line, 'error', `Auth method [${method}] requires a key`);
      return;
    }
    if (method === 'crc' && key !== '') {
      // Heartbeat drops such a line ("doesn't use a key"), so `auth N` on it then finds no key.
      add(line, 'info', `Auth method [crc] doesn't use a key`);
      return;
    }
    if (method === 'crc') add(line, 'warning', `Auth method [crc] authenticates nothing: anyone on the network can join; use sha1`);
    if (w.length > 3 && method !== 'crc' && !(w[3] ?? '').startsWith('#')) {
      add(line, 'warning', `key [${n}] is only [${third ?? ''}]: Heartbeat ignores the text after the first blank`);
    }
    keys.set(n, { method, key });
  });
  const act = active as { index: number; where: Where } | null;
  if (act === null) {
    if (!authLineSeen) add(0, 'error', `Missing auth directive in keyfile [${opts.file}]`);
  } else if (!keys.has(act.index)) add(act.where.line, 'error', `Auth Key [${act.index}] not found in keyfile [${opts.file}]`);
  const failed = issues.some((x) => x.severity === 'error');
  return {
    authkeys: failed || act === null ? null : { file: opts.file, activeIndex: act.index, keys },
    issues,
  };
}

/** Heartbeat accepts key indexes 1-15. */
function indexOf(word: string | undefined): number | null {
  if (word === undefined || !/^\d+$/.test(word)) return null;
  const n = Number(word);
  return n >= 1 && n <= 15 ? n : null;
}
