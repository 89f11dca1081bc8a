import { RingmemError } from '../errors.js';
import type { ScanKernel } from '../kernel/types.js';
import type { AnomalyReport } from './anomaly.js';
import type { AnomalyScorer } from './anomaly-scorer.js';
import {
  type BatchNeighbours,
  batchNeighbours,
  batchNeighboursAsync,
  neighbourRequest,
} from './batch-neighbours.js';
import type { MonotonicClock } from './clock.js';
import { type AnalyzedText, analyzeText } from './lexical-index.js';
import type { Namespace, RowBatch } from './namespace.js';
import type { NamespaceRegistry } from './registry.js';
import { payloadBytes } from './sizing.js';
import type { EntryInput, InsertResult } from './types.js';
import { assertNamespace, rowScales, unitRows } from './validate.js';

/**
 * The insert path: one call's rows checked and sized before anything changes (`prepareRows`),
 * the namespace found or created, the byte cap checked, ids handed out, then the rows stored,
 * scored or not (`storeRows`), and the namespace's drift guards run.
 */
export class Inserter {
  constructor(
    private readonly registry: NamespaceRegistry,
    private readonly clock: MonotonicClock,
    private readonly context: StoreContext,
    /** Exact recomputation of a namespace's sums after this many updates (drift guard). */
    private readonly exactSumEvery: number,
  ) {}

  /** Stores the rows (see MemoryEngine.insert); `scanned`: neighbours found ahead, if any. */
  insert(
    namespace: string,
    vectors: ArrayLike<number>,
    entries: readonly EntryInput[] | undefined,
    score: boolean,
    scanned: ScannedBatch | undefined,
  ): InsertResult {
    assertNamespace(namespace);
    const kernel = this.context.kernel;
    const rows = prepareRows(vectors, entries, this.dim, kernel);
    const n = rows.scales.length;
    const now = this.clock.now();
    const registry = this.registry;
    const expired = registry.get(namespace)?.expire(now) ?? 0;
    const ns = registry.writable(namespace);
    registry.assertRoomFor(ns, n, rows.payloadSizes);
    const firstId = registry.nextId;
    registry.nextId += n;
    const stored = storeRows(this.context, ns, rows, firstId, now, score, scanned);
    ns.recomputeIfDue(this.exactSumEvery);
    ns.anomalyState?.drift.afterInsert(ns, n, now);
    return {
      namespace,
      ids: Array.from({ length: n }, (_, r) => firstId + r),
      evicted: stored.evicted,
      expired,
      anomalies: stored.anomalies,
      windowSize: ns.liveCount,
    };
  }

  /**
   * A scored batch's neighbours in `ns`'s window, found off the main thread ahead of its insert
   * (which uses them only if nothing they read has changed meanwhile).
   */
  async scanAhead(ns: Namespace, vectors: ArrayLike<number>): Promise<ScannedBatch> {
    const kernel = this.context.kernel;
    const units = unitRows(vectors, rowScales(vectors, this.dim, kernel), this.dim);
    ns.expire(this.clock.now());
    const firstId = this.registry.nextId;
    const version = ns.ring.version;
    const request = neighbourRequest(kernel, ns, units, firstId, this.context.k, true);
    return { ns, version, firstId, units, found: await batchNeighboursAsync(request) };
  }

  private get dim(): number {
    return this.context.dim;
  }
}

/** An insert's rows, validated: unit scales, payload sizes and analysed texts. */
export interface PreparedRows {
  vectors: ArrayLike<number>;
  scales: Float64Array;
  entries: readonly EntryInput[] | undefined;
  /** Estimated heap bytes of each row's payload (text, tags, metadata, lexical postings). */
  payloadSizes: Uint32Array;
  docs: AnalyzedText[] | undefined;
}

/** A scored batch's neighbours found ahead of the insert, and the state they were found in. */
export interface ScannedBatch {
  ns: Namespace;
  version: number;
  firstId: number;
  units: Float32Array;
  found: BatchNeighbours;
}

/**
 * Validates every row (a bad row rejects the whole call) and the entries' count, and sizes the
 * payloads. Texts are analysed for the lexical index here, so their index cost counts in the cap.
 */
export function prepareRows(
  vectors: ArrayLike<number>,
  entries: readonly EntryInput[] | undefined,
  dim: number,
  kernel: ScanKernel,
): PreparedRows {
  const scales = rowScales(vectors, dim, kernel);
  const n = scales.length;
  if (entries !== undefined && entries.length !== n) {
    throw new RingmemError(
      'INVALID_ARGUMENT',
      `got ${n} vectors but ${entries.length} entries: give one entry per vector`,
    );
  }
  const docs = entries?.map((e) => analyzeText(e.text));
  const payloadSizes = new Uint32Array(n);
  if (entries) {
    for (let i = 0; i < n; i++) {
      payloadSizes[i] = payloadBytes(entries[i] as EntryInput) + docs![i]!.bytes;
    }
  }
  return { vectors, scales, entries, payloadSizes, docs };
}

export interface StoreContext {
  dim: number;
  kernel: ScanKernel;
  scorer: AnomalyScorer;
  /** The anomaly rule's neighbour count. */
  k: number;
}

/**
 * Stores prepared rows as ids firstId, firstId + 1, … at time `now`. Unscored, the whole batch is
 * one append (one kernel call per ring's worth of rows); scored, each row is scored against the
 * window as it is just before it joins, then appended. Returns the live entries evicted and the
 * reports (scored only).
 */
export function storeRows(
  ctx: StoreContext,
  ns: Namespace,
  rows: PreparedRows,
  firstId: number,
  now: number,
  score: boolean,
  scanned: ScannedBatch | undefined,
): { evicted: number; anomalies: AnomalyReport[] | undefined } {
  const { vectors, scales } = rows;
  const dim = ns.ring.dim;
  const n = scales.length;
  const f32 = vectors instanceof Float32Array;
  const batch: RowBatch = {
    // Rows not in a Float32Array are rounded to their unit float32 form first (as stored).
    source: f32 ? vectors : unitRows(vectors, scales, dim),
    scales: f32 ? scales : new Float64Array(n).fill(1),
    firstId,
    time: now,
    entries: rows.entries,
    payloadSizes: rows.payloadSizes,
    docs: rows.docs,
  };
  if (!score) return { evicted: ns.appendRows(batch), anomalies: undefined };
  // Every row's neighbours in the window as it will be when the row arrives, for the whole batch
  // in one pass, before anything changes (see batch-neighbours.ts). A scan done ahead
  // (insertAsync) counts only if nothing it read has changed since.
  const fresh =
    scanned !== undefined &&
    scanned.ns === ns &&
    scanned.version === ns.ring.version &&
    scanned.firstId === firstId;
  const units = fresh ? scanned.units : f32 ? unitRows(vectors, scales, dim) : batch.source;
  const neighbours = fresh
    ? scanned.found
    : batchNeighbours(neighbourRequest(ctx.kernel, ns, units, firstId, ctx.k, true));
  const unitBatch = { ...batch, source: units, scales: new Float64Array(n).fill(1) };
  const anomalies: AnomalyReport[] = [];
  let evicted = 0;
  for (let r = 0; r < n; r++) {
    const unit = units.subarray(r * dim, (r + 1) * dim);
    // Scored against the window as it is just before this row joins: after the eviction its
    // arrival causes, so evict first (unfused) and score.
    if (ns.evictIfFull()) evicted++;
    const item = ctx.scorer.score(ns, unit, now, true, neighbours, r);
    anomalies.push(item.report);
    ns.appendRows(unitBatch, r, 1);
    ctx.scorer.commit(ns, firstId + r, unit, item, now, rows.entries?.[r]?.text);
  }
  return { evicted, anomalies };
}
