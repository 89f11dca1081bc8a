import type { RowIngest, RowsIngest } from '../kernel/types.js';
import type { AnomalyState } from './anomaly-state.js';
import { RunningCentroid } from './centroid.js';
import { type AnalyzedText, type Bm25Params, LexicalIndex } from './lexical-index.js';
import { Ring } from './ring.js';
import type { EntryInput, NamespaceCounters } from './types.js';

/**
 * One namespace: a ring, its running centroid and baseline, its TTL and its counters.
 * Every mutation keeps the centroid, the baseline and the byte count in step with the live set.
 */
export class Namespace {
  readonly name: string;
  readonly ring: Ring;
  readonly centroid: RunningCentroid;
  /** BM25 index over the same entries as the ring (see lexical-index.ts). */
  readonly lexical: LexicalIndex;
  ttlMs: number;
  /** Calibration and bursts of the anomaly score (set by the engine). */
  anomalyState: AnomalyState | undefined;
  /** Tombstoned slots still in the ring. */
  deadCount = 0;
  /** Sum of the ring's `extra` bytes over occupied slots. */
  payloadBytes = 0;
  readonly counters: NamespaceCounters = {
    inserted: 0,
    evicted: 0,
    expired: 0,
    forgotten: 0,
    deleted: 0,
  };

  constructor(
    name: string,
    dim: number,
    capacity: number,
    ttlMs: number,
    ingest?: RowIngest,
    bm25?: Bm25Params,
  ) {
    this.name = name;
    this.lexical = new LexicalIndex(bm25);
    this.ring = new Ring(dim, capacity);
    this.centroid = new RunningCentroid(dim, ingest);
    this.ttlMs = ttlMs;
  }

  get liveCount(): number {
    return this.centroid.count;
  }

  get bytes(): number {
    return this.ring.allocatedBytes + this.payloadBytes;
  }

  /**
   * Drops the oldest slot, taking a live entry out of the baseline and — unless the caller is about
   * to overwrite the row and subtract it in that same pass (`subtractRow` false) — the centroid.
   */
  private dropOldest(subtractRow = true): boolean {
    const ring = this.ring;
    const slot = ring.head;
    const wasLive = ring.dead[slot] === 0;
    this.anomalyState?.release(slot);
    if (wasLive) {
      if (subtractRow) this.centroid.subtract(ring.slab, slot * ring.dim);
      this.centroid.removeArrival(ring.arrival[slot] as number);
    } else {
      this.deadCount--;
    }
    this.payloadBytes -= ring.extra[slot] as number;
    this.lexical.removeOldest(wasLive);
    ring.popOldest();
    return wasLive;
  }

  /** Drops entries whose age reached the TTL. O(dropped). Returns live entries dropped. */
  expire(now: number): number {
    if (!(this.ttlMs < Number.POSITIVE_INFINITY)) return 0;
    return this.dropWhileOlderThan(now - this.ttlMs, true, 'expired');
  }

  /** Cuts entries with time < cutoff from the old end. O(removed). Returns live entries cut. */
  cutBefore(cutoff: number): number {
    return this.dropWhileOlderThan(cutoff, false, 'forgotten');
  }

  private dropWhileOlderThan(
    cutoff: number,
    inclusive: boolean,
    counter: 'expired' | 'forgotten',
  ): number {
    const ring = this.ring;
    let dropped = 0;
    while (ring.size > 0) {
      const t = ring.times[ring.head] as number;
      if (inclusive ? t > cutoff : t >= cutoff) break;
      if (this.dropOldest()) dropped++;
    }
    this.counters[counter] += dropped;
    return dropped;
  }

  /**
   * Makes room for one more entry when the ring is full by releasing its oldest slot; returns
   * whether a live entry was evicted. With `subtractRow` false the row stays in the centroid: the
   * append that overwrites the slot subtracts it in the same pass.
   */
  evictIfFull(subtractRow = true): boolean {
    if (!this.ring.isFull) return false;
    const wasLive = this.dropOldest(subtractRow);
    if (wasLive) this.counters.evicted++;
    return wasLive;
  }

  /**
   * Appends one entry. The row is written as `source[srcOffset..] × scale` straight into the
   * slab (no intermediate allocation). When the ring is full the oldest slot is overwritten in
   * the same pass; returns whether a live entry was evicted that way.
   */
  append(
    source: ArrayLike<number>,
    srcOffset: number,
    scale: number,
    id: number,
    time: number,
    entry: EntryInput | undefined,
    extraBytes: number,
    doc?: AnalyzedText,
  ): boolean {
    const ring = this.ring;
    const replacing = this.evictIfFull(false);
    const slot = ring.appendSlot();
    const arrival = this.centroid.writeRowReturningArrival(
      ring.slab,
      slot * ring.dim,
      source,
      srcOffset,
      scale,
      replacing,
    );
    this.fillSlot(slot, arrival, id, time, entry, extraBytes, doc);
    return replacing;
  }

  /** Everything but the vector work of an append: arrival, baseline, time, id, payload. */
  private fillSlot(
    slot: number,
    arrival: number,
    id: number,
    time: number,
    entry: EntryInput | undefined,
    extraBytes: number,
    doc: AnalyzedText | undefined,
  ): void {
    const ring = this.ring;
    // Stored as float32 like the row; the baseline adds the stored value so that removal later
    // subtracts exactly what was added.
    ring.arrival[slot] = arrival;
    this.anomalyState?.resetSlot(slot);
    this.centroid.addArrival(ring.arrival[slot] as number);
    ring.times[slot] = time;
    ring.ids[slot] = id;
    ring.dead[slot] = 0;
    ring.extra[slot] = extraBytes;
    ring.texts[slot] = entry?.text;
    ring.tags[slot] = entry?.tags && entry.tags.length > 0 ? entry.tags : undefined;
    ring.metadata[slot] = entry?.metadata;
    this.payloadBytes += extraBytes;
    // Slots are filled in the order they were appended, so the index's new end is this slot.
    this.lexical.append(doc);
    this.counters.inserted++;
  }

  /**
   * Appends `n` rows of a Float32Array batch with one native call for all the vector work
   * (`ingestRows`), the bookkeeping staying here. Equivalent to `append` row by row: same slots,
   * same slab and sum bits, same counters; only the arrival similarities may differ by rounding
   * (SIMD accumulation order). The caller guarantees n ≤ capacity, so no slot is written twice.
   * Returns the number of live entries evicted.
   */
  appendBatch(
    ingestRows: RowsIngest,
    vectors: Float32Array,
    scales: Float64Array,
    firstId: number,
    time: number,
    entries: readonly EntryInput[] | undefined,
    extras: Uint32Array,
    docs?: readonly AnalyzedText[],
  ): number {
    const ring = this.ring;
    const c = this.centroid;
    const n = scales.length;
    ring.reserve(ring.size + n);
    const slots = new Uint32Array(n);
    const flags = new Uint8Array(n);
    const emptyBefore = new Uint8Array(n);
    let evicted = 0;
    for (let r = 0; r < n; r++) {
      let replacing = this.evictIfFull(false);
      if (replacing) evicted++;
      slots[r] = ring.appendSlot();
      // An eviction plus an add is two centroid updates, as on the row-by-row path.
      c.updatesSinceResum += replacing ? 2 : 1;
      if (replacing && c.count === 1) {
        // The window empties before this row joins: the JS path resets exactly; so does flag 2.
        c.resetForEmptyWindow();
        flags[r] = 2;
        replacing = false;
      } else {
        flags[r] = replacing ? 1 : 0;
      }
      emptyBefore[r] = (replacing ? c.count - 1 : c.count) === 0 ? 1 : 0;
      if (!replacing) c.count++;
    }
    const out = new Float64Array(2 * n);
    ingestRows(ring.slab, ring.dim, vectors, scales, slots, flags, c.sum, out);
    for (let r = 0; r < n; r++) {
      const slot = slots[r] as number;
      const sumSq = out[2 * r + 1] as number;
      const arrival = emptyBefore[r]
        ? Number.NaN
        : sumSq > 0
          ? (out[2 * r] as number) / Math.sqrt(sumSq)
          : 0;
      this.fillSlot(slot, arrival, firstId + r, time, entries?.[r], extras[r] as number, docs?.[r]);
    }
    return evicted;
  }

  /** The slot of the live entry with this id, or -1 when it is not (or no longer) here. */
  liveSlot(id: number): number {
    const slot = this.ring.findSlot(id);
    return slot >= 0 && this.ring.dead[slot] === 0 ? slot : -1;
  }

  /** Tombstones the live entry with this id. Returns false when it is not (or no longer) here. */
  tombstone(id: number): boolean {
    const ring = this.ring;
    const slot = this.liveSlot(id);
    if (slot < 0) return false;
    ring.dead[slot] = 1;
    this.deadCount++;
    this.centroid.subtract(ring.slab, slot * ring.dim);
    this.centroid.removeArrival(ring.arrival[slot] as number);
    this.anomalyState?.release(slot);
    // The payload is unreachable now; release it instead of waiting for the slot to be reused.
    // The lexical index keeps the entry's postings (skipped) until the slot leaves the ring.
    const position = slot >= ring.head ? slot - ring.head : slot + ring.rows - ring.head;
    this.lexical.discard(position);
    const kept = this.lexical.heldBytes(position);
    this.payloadBytes -= (ring.extra[slot] as number) - kept;
    ring.extra[slot] = kept;
    ring.texts[slot] = undefined;
    ring.tags[slot] = undefined;
    ring.metadata[slot] = undefined;
    ring.version++;
    this.counters.deleted++;
    return true;
  }

  /** Re-sums centroid and baseline exactly from the live rows when enough updates have passed. */
  resumIfDue(every: number): void {
    if (this.centroid.updatesSinceResum < every) return;
    this.resum();
  }

  resum(): void {
    const ring = this.ring;
    const c = this.centroid;
    c.beginResum();
    for (let p = 0; p < ring.size; p++) {
      const slot = ring.slotAt(p);
      if (ring.dead[slot] !== 0) continue;
      c.resumRow(ring.slab, slot * ring.dim, ring.arrival[slot] as number);
    }
    c.endResum();
  }

  /** Sum of `extra` over the oldest `n` occupied slots (what evicting them would free). */
  oldestPayloadBytes(n: number): number {
    let bytes = 0;
    const ring = this.ring;
    for (let p = 0; p < n && p < ring.size; p++) bytes += ring.extra[ring.slotAt(p)] as number;
    return bytes;
  }
}
