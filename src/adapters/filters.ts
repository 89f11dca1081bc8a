import type { MetadataScalar } from '../engine/index.js';
import { tagFilter } from '../memory.js';
import { parseDuration, parseInstant } from '../time.js';

/** Largest k a LangChain search may ask for. */
export const MAX_K = 100;

/**
 * Which memories a search (or a delete) may touch: the filters ringmem applies before its scan.
 * All given conditions must hold.
 */
export interface RingmemFilter {
  /** Entries with these tags: at least one (`tagMode: 'any'`, the default) or all of them. */
  tags?: readonly string[];
  tagMode?: 'any' | 'all';
  /** Entries younger than this: a duration such as "30m" / "2h", or milliseconds. */
  within?: string | number;
  /** Entries stored at or after this time (a Date, ms since the epoch, or ISO 8601). */
  since?: Date | number | string;
  /** Entries stored at or before this time. */
  until?: Date | number | string;
  /** Entries whose metadata has each of these keys with exactly this value. */
  metadata?: Readonly<Record<string, MetadataScalar>>;
}

export function toTime(value: Date | number | string, name: string): number {
  const ms =
    value instanceof Date
      ? value.getTime()
      : typeof value === 'number'
        ? value
        : parseInstant(value);
  if (ms === undefined || !Number.isFinite(ms)) {
    throw new TypeError(
      `Expected filter \`${name}\` to be a Date, ms since the epoch or an ISO 8601 time, got ${String(value)}`,
    );
  }
  return ms;
}

export function toWithinMs(within: string | number): number {
  const ms = typeof within === 'number' ? within : parseDuration(within);
  if (ms === undefined || !(ms >= 0)) {
    throw new TypeError(
      `Expected filter \`within\` to be a duration such as "30m" or a number of ms, got ${String(within)}`,
    );
  }
  return ms;
}

/** The engine's search filters for a RingmemFilter. */
export function engineFilter(filter: RingmemFilter | undefined) {
  return {
    tags: tagFilter(filter?.tags, filter?.tagMode),
    withinMs: filter?.within === undefined ? undefined : toWithinMs(filter.within),
    since: filter?.since === undefined ? undefined : toTime(filter.since, 'since'),
    until: filter?.until === undefined ? undefined : toTime(filter.until, 'until'),
    metadata: filter?.metadata,
  };
}

export function assertK(k: number): void {
  if (!Number.isInteger(k) || k < 1 || k > MAX_K) {
    throw new TypeError(`Expected \`k\` to be an integer from 1 to ${MAX_K}, got ${k}`);
  }
}
