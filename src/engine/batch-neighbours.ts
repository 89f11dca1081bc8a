import type { ManyRequest, ScanKernel } from '../kernel/types.js';
import type { Namespace } from './namespace.js';
import type { Ring, RingManyScan } from './ring.js';

/**
 * Nearest neighbours of a batch of new vectors, each against the window exactly as it is when
 * that vector arrives — in one pass over the window instead of one scan per vector.
 *
 * Item i of a batch sees: the window's rows not yet evicted when it arrives (arrivals evict the
 * oldest slot of a full ring, its own arrival included), then items 0..i-1 of the batch still in
 * the ring. In scan positions of the window (oldest first), the first e_i rows are gone, where
 * e_i = max(0, size + i + 1 − capacity). So:
 * - pass A scans the window once for all items with topKMany, item i seeing positions [e_i, size);
 * - pass B scans the batch's own rows (held apart: in a full ring they will overwrite the very
 *   slots pass A reads), item i seeing items [e_i − size, i);
 * - per item, the two best-first lists merge with A winning ties (its rows come first in scan
 *   order, the single scan's tie rule).
 * A (row, query) score depends only on the two vectors (the topKMany contract), so every item gets
 * exactly what scanning the ring item by item would give — a batch of one is that scan.
 */
export interface BatchNeighbours {
  readonly k: number;
  /** Neighbours found per item (at most k). */
  readonly hits: Uint32Array;
  /** n × k: ids of item i's neighbours at [i·k, i·k + hits[i]), most similar first. */
  readonly ids: Float64Array;
  readonly similarities: Float32Array;
  /** With `countAtLeast`: per item, rows of its window with similarity >= the threshold. */
  readonly counts: Uint32Array | undefined;
}

export interface BatchNeighbourRequest {
  kernel: ScanKernel;
  ring: Ring;
  /** The ring's tombstones (rows to skip), or undefined when it has none. */
  skipMask: Uint8Array | undefined;
  /** n × dim: the new rows exactly as they will be stored (unit, float32). */
  units: Float32Array;
  /** Id the first item will get; the others follow consecutively. */
  firstId: number;
  k: number;
  /** False for a probe that will not join the window (nothing is evicted). */
  joins: boolean;
  countAtLeast?: number;
}

/**
 * The request for new rows of a namespace: `joins` when they are about to be stored (each then
 * sees the window as it will be when it arrives), false for a probe.
 */
export function neighbourRequest(
  kernel: ScanKernel,
  ns: Namespace,
  units: Float32Array,
  firstId: number,
  k: number,
  joins: boolean,
): BatchNeighbourRequest {
  return {
    kernel,
    ring: ns.ring,
    // A copy for a scan that may run while tombstones change (insertAsync re-checks anyway).
    skipMask: ns.deadCount > 0 ? ns.ring.dead.slice() : undefined,
    units,
    firstId,
    k,
    joins,
  };
}

export function batchNeighbours(req: BatchNeighbourRequest): BatchNeighbours {
  const p = plan(req);
  if (p.window) req.ring.scanMany(p.window);
  if (p.batch) req.kernel.topKMany(p.batch);
  return p.merge();
}

/** The same, with the pass over the window run off the main thread (Ring.scanManyAsync). */
export async function batchNeighboursAsync(req: BatchNeighbourRequest): Promise<BatchNeighbours> {
  const p = plan(req);
  const pending = p.window ? req.ring.scanManyAsync(p.window) : undefined;
  if (p.batch) req.kernel.topKMany(p.batch);
  await pending;
  return p.merge();
}

/** The two scans (either may be absent) and the merge of their results. */
function plan(req: BatchNeighbourRequest): {
  window: RingManyScan | undefined;
  batch: ManyRequest | undefined;
  merge: () => BatchNeighbours;
} {
  const { ring, units, k } = req;
  const dim = ring.dim;
  const n = units.length / dim;
  const size = ring.size;
  const counting = req.countAtLeast !== undefined;

  // Pops before item i is scored: its own arrival's eviction included.
  const gone = (i: number) => (req.joins ? Math.max(0, size + i + 1 - ring.capacity) : 0);

  // Pass A: the window as it stands, once for the whole batch.
  const aHits = new Uint32Array(n);
  const aIdx = new Int32Array(n * k);
  const aScores = new Float32Array(n * k);
  const aCounts = counting ? new Uint32Array(n) : undefined;
  let window: RingManyScan | undefined;
  if (size > 0) {
    let from: Uint32Array | undefined;
    let to: Uint32Array | undefined;
    if (gone(n - 1) > 0) {
      from = new Uint32Array(n);
      to = new Uint32Array(n).fill(size);
      for (let i = 0; i < n; i++) from[i] = Math.min(size, gone(i));
    }
    window = {
      segments: ring.segmentsOf(0, size),
      queries: units,
      k,
      outIdx: aIdx,
      outScores: aScores,
      outHits: aHits,
      skipMask: req.skipMask,
      from,
      to,
      countAtLeast: req.countAtLeast,
      outCounts: aCounts,
    };
  }

  // Pass B: the batch among itself (item i sees earlier items still in the ring).
  const bHits = new Uint32Array(n);
  const bIdx = new Int32Array(n * k);
  const bScores = new Float32Array(n * k);
  const bCounts = counting ? new Uint32Array(n) : undefined;
  let batch: ManyRequest | undefined;
  if (n > 1 && req.joins) {
    const from = new Uint32Array(n);
    const to = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      from[i] = Math.min(i, Math.max(0, gone(i) - size));
      to[i] = i;
    }
    batch = {
      // The rows as the ring will store them (rounded at f16/int8), the queries as they are.
      slab: ring.storedForm(units),
      dim,
      segments: Uint32Array.of(0, n),
      queries: units,
      k,
      outIdx: bIdx,
      outScores: bScores,
      outHits: bHits,
      from,
      to,
      countAtLeast: req.countAtLeast,
      outCounts: bCounts,
    };
  }

  // Ids are read at merge time from the ring as the scan saw it (the caller re-checks that the
  // ring did not change in between), so keep the array the scan belonged to.
  const ringIds = ring.ids;
  // At f16/int8 a stored row is its vector rounded, so an exact duplicate scores 1 − δ with δ
  // up to the rounding band, different for every row: snapping the band to 1 gives duplicates
  // the same similarity (1) they have at f32, which the anomaly rule and its calibration rely on.
  const band = ring.duplicateBand;
  const snap = (score: number) => (band > 0 && score >= 1 - band ? 1 : score);
  const merge = (): BatchNeighbours => {
    const hits = new Uint32Array(n);
    const ids = new Float64Array(n * k);
    const similarities = new Float32Array(n * k);
    const counts = counting ? new Uint32Array(n) : undefined;
    // Per item, window rows first on equal scores.
    for (let i = 0; i < n; i++) {
      const base = i * k;
      const na = aHits[i] as number;
      const nb = bHits[i] as number;
      let a = 0;
      let b = 0;
      let m = 0;
      while (m < k && (a < na || b < nb)) {
        const takeA =
          b >= nb || (a < na && (aScores[base + a] as number) >= (bScores[base + b] as number));
        if (takeA) {
          ids[base + m] = ringIds[aIdx[base + a] as number] as number;
          similarities[base + m] = snap(aScores[base + a] as number);
          a++;
        } else {
          ids[base + m] = req.firstId + (bIdx[base + b] as number);
          similarities[base + m] = snap(bScores[base + b] as number);
          b++;
        }
        m++;
      }
      hits[i] = m;
      if (counts) counts[i] = (aCounts![i] as number) + (bCounts![i] as number);
    }
    return { k, hits, ids, similarities, counts };
  };
  return { window, batch, merge };
}
