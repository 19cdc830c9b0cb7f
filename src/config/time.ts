// Heartbeat's time syntax (config.c get_msec): `2` and `1.7` are seconds, `2000ms`/`2000msec`
// are milliseconds, `500us`/`500usec` microseconds; rounded to the nearest ms. Pure.

const TIME = /^(\d+\.?\d*|\.\d+)\s*(ms|msec|us|usec)?$/i;

/** Milliseconds for a Heartbeat time value, or null when Heartbeat would reject it (e.g. `6s`). */
export function parseHbTime(text: string): number | null {
  const m = TIME.exec(text.trim());
  if (!m || m[1] === undefined) return null;
  const n = Number(m[1]);
  if (!Number.isFinite(n)) return null;
  const unit = (m[2] ?? '').toLowerCase();
  const ms = unit.startsWith('m') ? n : unit.startsWith('u') ? n / 1000 : n * 1000;
  // Heartbeat adds 0.5 and truncates: 499us -> 0 ms, 501us -> 1 ms.
  return Math.floor(ms + 0.5);
}

/** cl_str_to_boolean's words (clplumbing), case-insensitive. null = not a boolean. */
export function parseHbBoolean(text: string): boolean | null {
  const t = text.toLowerCase();
  if (['true', 'on', 'yes', 'y', '1'].includes(t)) return true;
  if (['false', 'off', 'no', 'n', '0'].includes(t)) return false;
  return null;
}
