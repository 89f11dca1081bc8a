/**
 * Keeps a recall reply under the reply cap. A reply carries each hit's text twice (text rendering
 * and structured content) and JSON may escape a character into six bytes, so k large texts can
 * outgrow what a client reads in one message (the SDK's stdio client gives up at 10 MiB).
 *
 * First the text rendering cuts long texts, with a marker (the structured content keeps them
 * whole); if the structured content alone would take more than three quarters of the cap, the
 * lowest-ranked hits are left out and the reply says how many. Nothing is cut silently.
 */

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

/** Share of the cap the structured content may take; the rest is the text rendering's. */
const STRUCTURED_SHARE = 0.75;
/** The fixed part of a rendered hit line (rank, score, id, age, tags), generously. */
const LINE_OVERHEAD = 256;

export interface FitHit {
  text: string | null;
}

/** Drops the lowest-ranked hits (the tail) until the structured content fits its share. */
export function fitHits<V extends { hits: FitHit[] }>(
  value: V,
  maxReplyBytes: number,
): V & { omitted_hits?: number } {
  const budget = Math.floor(maxReplyBytes * STRUCTURED_SHARE);
  let size = jsonBytes(value);
  if (size <= budget) return value;
  const hits = [...value.hits];
  let omitted = 0;
  while (hits.length > 0 && size > budget) {
    size -= jsonBytes(hits.pop()) + 1;
    omitted++;
  }
  return { ...value, hits, omitted_hits: omitted };
}

/**
 * The longest prefix of each hit text the text rendering can show: an equal share of what is
 * left of the cap after the structured content; Infinity when everything fits.
 */
export function textShare(
  structuredBytes: number,
  texts: readonly (string | null)[],
  cap: number,
): number {
  const full = texts.reduce((n, t) => n + jsonBytes(t ?? '') + LINE_OVERHEAD, 0);
  if (structuredBytes + full <= cap) return Number.POSITIVE_INFINITY;
  const left = cap - structuredBytes - texts.length * LINE_OVERHEAD - 1024;
  return Math.max(64, Math.floor(left / Math.max(1, texts.length)));
}

/** A text cut to at most `maxJsonBytes` once JSON-encoded, with a marker saying how much is left out. */
export function cutText(text: string, maxJsonBytes: number): string {
  if (jsonBytes(text) <= maxJsonBytes) return text;
  // Worst case a character takes 6 bytes in JSON (\u0001) or 4 in UTF-8; shrink until it fits.
  let keep = Math.min(text.length, maxJsonBytes);
  while (keep > 0 && jsonBytes(text.slice(0, keep)) > maxJsonBytes) keep = Math.floor(keep * 0.8);
  // Do not split a surrogate pair.
  const code = text.charCodeAt(keep - 1);
  if (code >= 0xd800 && code <= 0xdbff) keep--;
  return `${text.slice(0, keep)}… [cut to ${keep} of ${text.length} characters to keep the reply under the reply cap; the full text is in structuredContent]`;
}

export { jsonBytes };
