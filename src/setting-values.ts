import { z } from 'zod';
import { PRECISIONS, type Precision } from './kernel/compact.js';
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

/** Namespace names: 1–64 characters from A–Z, a–z, 0–9 and . _ : - (the engine checks the same). */
export const NAMESPACE_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;

/** --precision: the server's vector precision, then optional per-namespace ones. */
export interface PrecisionSetting {
  default: Precision;
  /** Namespaces created under these names get their own precision. */
  namespaces: Record<string, Precision>;
}

const PRECISION_HELP = `expected ${PRECISIONS.join(', ')} or ${PRECISIONS.join('|')} then name=precision items, comma-separated (e.g. "f16,logs=int8")`;

/** "f16" or "f16,logs=int8,chat=f32": the first item is the default, the rest per namespace. */
export const precisionList = z.string().transform((text, ctx): PrecisionSetting => {
  const isPrecision = (p: string): p is Precision => (PRECISIONS as readonly string[]).includes(p);
  const fail = (message: string) => {
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  };
  // Namespace names keep their case (they are case-sensitive); precisions are lowercased.
  const items = text
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  const first = (items[0] ?? '').toLowerCase();
  if (!isPrecision(first)) {
    return fail(`${JSON.stringify(items[0] ?? '')} is not a precision: ${PRECISION_HELP}`);
  }
  const namespaces: Record<string, Precision> = {};
  for (const item of items.slice(1)) {
    const eq = item.indexOf('=');
    if (eq < 0)
      return fail(`${JSON.stringify(item)} needs the form name=precision: ${PRECISION_HELP}`);
    const name = item.slice(0, eq).trim();
    const precision = item
      .slice(eq + 1)
      .trim()
      .toLowerCase();
    if (!NAMESPACE_PATTERN.test(name)) {
      return fail(
        `${JSON.stringify(name)} is not a namespace name: use 1–64 characters from A–Z, a–z, 0–9 and . _ : -`,
      );
    }
    if (!isPrecision(precision)) {
      return fail(
        `namespace ${name}: ${JSON.stringify(precision)} is not one of ${PRECISIONS.join(', ')}`,
      );
    }
    if (Object.hasOwn(namespaces, name)) return fail(`namespace ${name} is given twice`);
    namespaces[name] = precision;
  }
  return { default: first, namespaces };
});
