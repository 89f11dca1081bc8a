import { z } from 'zod';
import { DURATION_HELP, parseDuration } from './time.js';

/**
 * The value rules of the settings (config.ts): integers, sizes, TTLs, durations and lists in a
 * range, each as a zod schema whose error says what is accepted. Text comes from flags and
 * environment variables; numbers from library callers (createMemory).
 */

const sizeUnits: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

export function parseBytes(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(text.trim());
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * (sizeUnits[(m[2] ?? 'b').toLowerCase()] as number));
}

export const intIn = (min: number, max: number) =>
  z.coerce
    .number({ error: `expected an integer from ${min} to ${max}` })
    .int(`expected an integer from ${min} to ${max}`)
    .min(min, `expected an integer from ${min} to ${max}`)
    .max(max, `expected an integer from ${min} to ${max}`);

/** Any number, Infinity and NaN included (z.number() refuses them): the transforms judge it. */
export const anyNumber = z.custom<number>((v) => typeof v === 'number');

/** A size as text ("512MB") or, from a library caller, a number of bytes. */
export const bytesIn = (min: number, max: number, help: string) =>
  z.union([z.string(), anyNumber], { error: help }).transform((value, ctx) => {
    const n =
      typeof value === 'number' ? (Number.isInteger(value) ? value : undefined) : parseBytes(value);
    if (n === undefined || n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: help });
      return z.NEVER;
    }
    return n;
  });

/** A TTL as text ("2h", "none") or, from a library caller, ms (Infinity for none). */
export const ttl = z.union([z.string(), anyNumber]).transform((value, ctx) => {
  const t = typeof value === 'number' ? '' : value.trim().toLowerCase();
  if (t === 'none' || t === 'off' || t === '0' || t === 'infinity') return Number.POSITIVE_INFINITY;
  if (value === Number.POSITIVE_INFINITY) return value;
  const ms = typeof value === 'number' ? value : parseDuration(t);
  if (ms === undefined || !(ms > 0)) {
    ctx.addIssue({ code: 'custom', message: `expected ${DURATION_HELP}, or "none"` });
    return z.NEVER;
  }
  return ms;
});

export const durationIn = (min: number, max: number, help: string) =>
  z.string().transform((text, ctx) => {
    const ms = parseDuration(text.trim().toLowerCase());
    if (ms === undefined || ms < min || ms > max) {
      ctx.addIssue({ code: 'custom', message: help });
      return z.NEVER;
    }
    return ms;
  });

/** A comma-separated list, each item normalised, the first bad one named in the error. */
export const commaList = (
  normalise: (item: string) => string,
  valid: (item: string) => boolean,
  why: (bad: string) => string,
) =>
  z.string().transform((s, ctx) => {
    const items = s
      .split(',')
      .map((x) => normalise(x.trim()))
      .filter(Boolean);
    const bad = items.find((item) => !valid(item));
    if (bad !== undefined) {
      ctx.addIssue({ code: 'custom', message: why(bad) });
      return z.NEVER;
    }
    return items;
  });

/** An origin as browsers send it: http(s)://host[:port], nothing else. */
export function isOrigin(text: string): boolean {
  try {
    const u = new URL(text);
    return (
      (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === text.replace(/\/$/, '')
    );
  } catch {
    return false;
  }
}
