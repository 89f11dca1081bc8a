/**
 * Numbers as every front end shows them: scores to 4 decimals, durations in seconds to the
 * millisecond, and null (never NaN or Infinity) where there is no value.
 */

export function round(x: number | null | undefined, digits = 4): number | null {
  if (x === null || x === undefined || !Number.isFinite(x)) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Milliseconds as seconds, rounded to the millisecond; null stays null. */
export function seconds(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms) / 1000;
}
