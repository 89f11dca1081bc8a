import type { RunningCentroid } from './centroid.js';
import type { Ring } from './ring.js';

/** What drift reads of a namespace (namespace.ts's Namespace is one). */
export interface DriftSource {
  readonly ring: Ring;
  readonly centroid: RunningCentroid;
  readonly liveCount: number;
  readonly counters: { readonly inserted: number };
}

/**
 * Topic drift of a namespace: how far the recent part of the window (the newest N live entries,
 * or those of the last T ms) has moved from the rest — the cosine between the two parts'
 * centroids, and its z-score against the same measure sampled along the window's own history.
 * The recent part is summed row by row (O(N·dim)); the rest is the running centroid's sum minus
 * it (O(dim)), so nothing scans the whole window.
 */

export interface DriftOptions {
  /** The newest this many live entries (default `DEFAULT_DRIFT_ENTRIES`). */
  entries?: number;
  /** Or: the live entries of the last this many ms. */
  withinMs?: number;
}

export interface DriftReport {
  recentCount: number;
  restCount: number;
  /** cos(centroid of the recent part, centroid of the rest); null when either part is empty. */
  similarity: number | null;
  /** (mean of past samples − similarity) / max(std, floor): high = drifting; null without history. */
  zScore: number | null;
  /** Past samples the z-score is measured against (default recent part only). */
  samples: number;
}

export const DEFAULT_DRIFT_ENTRIES = 100;
const SIGMA_FLOOR = 0.01;
const MAX_SAMPLES = 512;

/** The recent/rest cosine of a namespace right now. */
export function driftSimilarity(
  ns: DriftSource,
  options: DriftOptions,
  now: number,
  scratch: Float64Array,
): { similarity: number | null; recentCount: number; restCount: number } {
  const ring = ns.ring;
  const recent = scratch;
  recent.fill(0);
  const limit =
    options.entries ?? (options.withinMs === undefined ? DEFAULT_DRIFT_ENTRIES : Infinity);
  const since = options.withinMs === undefined ? -Infinity : now - options.withinMs;
  const slots = ring.newestLiveSlots(limit, since);
  for (const slot of slots) ring.addRowInto(slot, recent);
  const count = slots.length;
  const rest = ns.liveCount - count;
  if (count === 0 || rest <= 0)
    return { similarity: null, recentCount: count, restCount: Math.max(0, rest) };
  const similarity = ns.centroid.splitSimilarity(recent);
  return { similarity, recentCount: count, restCount: rest };
}

/**
 * Samples the default drift every `every` inserts and keeps the samples whose moment is still
 * inside the window, so the z-score compares now with this window's own past. Sampling costs
 * O(N·dim) once per `every` inserts: O(dim · N / every) amortised per insert.
 */
export class DriftMonitor {
  private readonly values: number[] = [];
  private readonly seqs: number[] = [];
  private readonly scratch: Float64Array;
  private sinceSample = 0;

  constructor(
    dim: number,
    private readonly every = DEFAULT_DRIFT_ENTRIES / 2,
  ) {
    this.scratch = new Float64Array(dim);
  }

  afterInsert(ns: DriftSource, inserted: number, now: number): void {
    this.sinceSample += inserted;
    if (this.sinceSample < this.every) return;
    this.sinceSample = 0;
    // Drop samples taken when entries now gone from the window were the recent part.
    const oldestSeq = ns.counters.inserted - ns.liveCount;
    while (this.seqs.length > 0 && (this.seqs[0] as number) < oldestSeq + DEFAULT_DRIFT_ENTRIES) {
      this.seqs.shift();
      this.values.shift();
    }
    const { similarity, restCount } = driftSimilarity(ns, {}, now, this.scratch);
    // Only a rest at least as large as the recent part gives a comparable sample.
    if (similarity === null || restCount < DEFAULT_DRIFT_ENTRIES) return;
    this.values.push(similarity);
    this.seqs.push(ns.counters.inserted);
    if (this.values.length > MAX_SAMPLES) {
      this.values.shift();
      this.seqs.shift();
    }
  }

  report(ns: DriftSource, options: DriftOptions, now: number): DriftReport {
    const { similarity, recentCount, restCount } = driftSimilarity(ns, options, now, this.scratch);
    const comparable =
      options.withinMs === undefined &&
      (options.entries ?? DEFAULT_DRIFT_ENTRIES) === DEFAULT_DRIFT_ENTRIES;
    // History is what came before the current recent part: samples overlapping it would
    // count the drift being measured as normal.
    const before = ns.counters.inserted - DEFAULT_DRIFT_ENTRIES;
    let n = 0;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < this.values.length && (this.seqs[i] as number) <= before; i++) {
      const v = this.values[i] as number;
      s += v;
      s2 += v * v;
      n++;
    }
    let zScore: number | null = null;
    if (comparable && similarity !== null && n >= 2) {
      const mean = s / n;
      const std = Math.sqrt(Math.max(0, s2 / n - mean * mean));
      zScore = (mean - similarity) / Math.max(std, SIGMA_FLOOR);
    }
    return { recentCount, restCount, similarity, zScore, samples: comparable ? n : 0 };
  }
}
