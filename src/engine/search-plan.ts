import { RingmemError } from '../errors.js';
import { withMetadataFilter } from './entry-filter.js';
import type { RecallMode } from './fusion.js';
import type { Namespace } from './namespace.js';
import { forEachSlot } from './ring.js';
import type { SearchOptions, TagFilter } from './types.js';
import { assertDurationMs, assertTime } from './validate.js';

/**
 * Search planning: a recall's options checked, and its filters (time window, tags, metadata)
 * turned into what the scans read — the window's logical positions, its slot segments (at most
 * two) and a skip mask — before any row is scored. Every search mode, re-ranking and
 * `forgetMatching` plan through here, so "matches the filters" means one thing everywhere.
 */
export interface ScanPlan {
  ns: Namespace;
  /** Logical ring positions [from, to) of the time window (segments are their slot ranges). */
  from: number;
  to: number;
  segments: Uint32Array;
  mask: Uint8Array | undefined;
  searched: number;
  version: number;
}

/** The recall mode the options ask for: "hybrid" when text is given, else "semantic". */
export function searchMode(options: SearchOptions): RecallMode {
  const mode = options.mode ?? (options.text !== undefined ? 'hybrid' : 'semantic');
  if (mode !== 'hybrid' && mode !== 'semantic' && mode !== 'lexical') {
    throw new RingmemError(
      'INVALID_ARGUMENT',
      `mode must be "hybrid", "semantic" or "lexical", got ${JSON.stringify(mode)}`,
    );
  }
  return mode;
}

/** Checks what a mode needs (text, a query vector) and minScore; returns the mode. */
export function checkSearchOptions(options: SearchOptions, hasQuery: boolean): RecallMode {
  const mode = searchMode(options);
  if (mode !== 'semantic' && (typeof options.text !== 'string' || options.text.length === 0)) {
    throw new RingmemError(
      'INVALID_ARGUMENT',
      `${mode} recall needs the query text (options.text); give it, or use mode "semantic"`,
    );
  }
  if (!hasQuery && mode !== 'lexical') {
    throw new RingmemError(
      'INVALID_ARGUMENT',
      `${mode} recall needs a query vector; only mode "lexical" works from text alone`,
    );
  }
  if (options.minScore !== undefined && !Number.isFinite(options.minScore)) {
    throw new RingmemError(
      'INVALID_ARGUMENT',
      `minScore must be a finite number, got ${options.minScore}`,
    );
  }
  return mode;
}

/** The plan of a search over `ns` (already expired to `now`) with the options' filters. */
export function planScan(ns: Namespace, options: SearchOptions, now: number): ScanPlan {
  let since = Number.NEGATIVE_INFINITY;
  let until = Number.POSITIVE_INFINITY;
  if (options.since !== undefined) {
    assertTime(options.since, 'since');
    since = options.since;
  }
  if (options.withinMs !== undefined) {
    assertDurationMs(options.withinMs, 'withinMs');
    since = Math.max(since, now - options.withinMs);
  }
  if (options.until !== undefined) {
    assertTime(options.until, 'until');
    until = options.until;
  }
  const ring = ns.ring;
  const from = ring.lowerBoundTime(since);
  const to = ring.upperBoundTime(until);
  const segs = ring.segmentsOf(from, to);
  const tagFilter = withMetadataFilter(compileTagFilter(options.tags), options.metadata);
  let mask: Uint8Array | undefined;
  let searched = 0;
  if (tagFilter) {
    mask = ring.filterMask;
    forEachSlot(segs, (slot) => {
      const keep = ring.dead[slot] === 0 && tagFilter(ring.tags[slot], ring.metadata[slot]);
      mask![slot] = keep ? 0 : 1;
      if (keep) searched++;
    });
  } else {
    const rows = segmentRows(segs);
    if (ns.deadCount > 0) {
      mask = ring.dead;
      let dead = 0;
      forEachSlot(segs, (slot) => {
        dead += ring.dead[slot] as number;
      });
      searched = rows - dead;
    } else {
      searched = rows;
    }
  }
  return { ns, from, to, segments: segs, mask, searched, version: ring.version };
}

function segmentRows(segs: Uint32Array): number {
  let rows = 0;
  for (let i = 0; i + 1 < segs.length; i += 2)
    rows += (segs[i + 1] as number) - (segs[i] as number);
  return rows;
}

type TagPredicate = (
  tags: readonly string[] | undefined,
  metadata?: Readonly<Record<string, unknown>>,
) => boolean;

function compileTagFilter(filter: TagFilter | undefined): TagPredicate | undefined {
  if (!filter) return undefined;
  const any = filter.any && filter.any.length > 0 ? new Set(filter.any) : undefined;
  const all = filter.all && filter.all.length > 0 ? [...new Set(filter.all)] : undefined;
  if (!any && !all) return undefined;
  return (tags) => {
    if (!tags) return false;
    if (any && !tags.some((t) => any.has(t))) return false;
    if (all && !all.every((t) => tags.includes(t))) return false;
    return true;
  };
}

/** Ids of the live entries a plan matches (every filter applied), oldest first. */
export function matchedIds(plan: ScanPlan): number[] {
  const ring = plan.ns.ring;
  const mask = plan.mask;
  const ids: number[] = [];
  forEachSlot(plan.segments, (slot) => {
    if (ring.dead[slot] === 0 && (mask === undefined || mask[slot] === 0)) {
      ids.push(ring.ids[slot] as number);
    }
  });
  return ids;
}
