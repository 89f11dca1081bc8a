/**
 * Durations (`90s`, `10m`, `2h`, `1d`, `1h30m`, `1.5h`, ISO 8601 `PT10M`) and instants
 * (ISO 8601 with an explicit offset) as tool arguments. Parsing is strict on purpose: a typo
 * must be an error that says what is accepted, never a silently different window.
 */

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const COMPACT = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;
const COMPACT_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;
const ISO_DURATION =
  /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

export const DURATION_HELP =
  'a duration such as "90s", "10m", "2h", "1d", "1h30m" or ISO 8601 "PT10M" (units: ms, s, m, h, d, w)';

/** Tool arguments: durations up to 100 years, instants in the years 1970–9999 (UTC). */
export const MAX_DURATION_MS = 36_500 * 86_400_000;
export const DURATION_RANGE_HELP =
  'out of range: durations from 0 to 36500d (100 years) are accepted';
export const MIN_INSTANT_MS = 0;
export const MAX_INSTANT_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
export const INSTANT_RANGE_HELP =
  'out of range: times from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z are accepted';

/** Milliseconds, or undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (COMPACT.test(s)) {
    let ms = 0;
    for (const m of s.matchAll(COMPACT_PART))
      ms += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    return Number.isFinite(ms) ? ms : undefined;
  }
  const iso = ISO_DURATION.exec(s.toUpperCase());
  if (iso && s.length > 1 && !s.toUpperCase().endsWith('T')) {
    const [, w, d, h, m, sec] = iso;
    const ms =
      Number(w ?? 0) * UNIT_MS.w! +
      Number(d ?? 0) * UNIT_MS.d! +
      Number(h ?? 0) * UNIT_MS.h! +
      Number(m ?? 0) * UNIT_MS.m! +
      Number(sec ?? 0) * 1000;
    return Number.isFinite(ms) ? ms : undefined;
  }
  return undefined;
}

const ISO_INSTANT =
  /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/i;

export const INSTANT_HELP =
  'an ISO 8601 date "2026-05-01" (UTC midnight) or date-time with offset "2026-05-01T14:30:00Z" / "2026-05-01T16:30:00+02:00"';

/** Milliseconds since the epoch, or undefined when the text is not a strict ISO 8601 instant. */
export function parseInstant(text: string): number | undefined {
  const s = text.trim();
  if (!ISO_INSTANT.test(s)) return undefined;
  // A date-only string is UTC midnight in JS; a date-time must carry its offset (checked above),
  // so the server's local zone never changes what a client meant.
  const ms = Date.parse(s);
  if (!Number.isFinite(ms)) return undefined;
  // Date.parse rolls 2026-02-30 over to March: reject dates that do not round-trip.
  const [y, mo, d] = s.slice(0, 10).split('-').map(Number) as [number, number, number];
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) {
    return undefined;
  }
  return ms;
}

/** A compact human rendering of a duration in ms: "850ms", "42s", "3m 5s", "2h 10m", "3d 4h". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'forever';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m}m ${s % 60}s` : `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}
