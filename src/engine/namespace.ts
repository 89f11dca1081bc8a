import type { Precision } from '../kernel/compact.js';
import type { ScanKernel } from '../kernel/types.js';
import type { AnomalyState } from './anomaly-state.js';
import { RunningCentroid } from './centroid.js';
import { type AnalyzedText, type Bm25Params, LexicalIndex } from './lexical-index.js';
import { Ring } from './ring.js';
import type {
  ArrivalTimeline,
  EntryInput,
  MemoryEntry,
  NamespaceCounters,
  NamespaceStats,
  StoredSlot,
} from './types.js';

/** Rows of one `appendRows` call: row r is `source[r·dim ..] × scales[r]`, with its payload. */
export interface RowBatch {
  /** n × dim values (rows scaled to unit length on the way in by `scales`). */
  source: Float32Array;
  scales: Float64Array;
  firstId: number;
  time: number;
  entries: readonly EntryInput[] | undefined;
  /** Estimated heap bytes of each row's payload (text, tags, metadata, lexical postings). */
  payloadSizes: Uint32Array;
  docs: readonly AnalyzedText[] | undefined;
}

/**
 * One namespace: a ring, its running centroid and baseline, its lexical index, its TTL and its
 * counters. Every mutation keeps the centroid, the baseline, the index and the byte count in step
 * with the live set; the reads that need more than one of them (entries, stats) are here too.
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
  /** Sum of the ring's payload sizes over occupied slots. */
  payloadBytes = 0;
  readonly counters: NamespaceCounters = {
    inserted: 0,
    evicted: 0,
    expired: 0,
    forgotten: 0,
    deleted: 0,
  };
  /** Scratch of `appendRows`, grown to the largest batch seen (no allocation per scored row). */
  private slots = new Uint32Array(1);
  private flags = new Uint8Array(1);
  private emptyBefore = new Uint8Array(1);
  private sums = new Float64Array(2);

  constructor(
    name: string,
    dim: number,
    capacity: number,
    ttlMs: number,
    kernel: ScanKernel,
    bm25?: Bm25Params,
    precision: Precision = 'f32',
  ) {
    this.name = name;
    this.lexical = new LexicalIndex(bm25);
    this.ring = new Ring(dim, capacity, kernel, precision);
    this.centroid = new RunningCentroid(dim);
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
      if (subtractRow) this.centroid.remove(ring, slot);
      this.centroid.removeArrival(ring.arrival[slot] as number);
    } else {
      this.deadCount--;
    }
    this.payloadBytes -= ring.payloadSizes[slot] as number;
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
   * Appends rows [from, from + count) of a batch, oldest first — the one insert path (inserts scored or not,
   * restores). Each row goes into the ring's next slot (a full ring overwrites its oldest slot,
   * subtracting a live row from the centroid in the same pass); the vector work of up to
   * `capacity` rows is one kernel call (Ring.writeRows), the bookkeeping stays here. Returns the
   * number of live entries evicted.
   */
  appendRows(batch: RowBatch, from = 0, count = batch.scales.length - from): number {
    const ring = this.ring;
    const dim = ring.dim;
    const end = from + count;
    let evicted = 0;
    // A chunk never holds more rows than the ring: no slot is written twice in one kernel call.
    for (let start = from; start < end; start += ring.capacity) {
      const m = Math.min(ring.capacity, end - start);
      if (this.slots.length < m) {
        this.slots = new Uint32Array(m);
        this.flags = new Uint8Array(m);
        this.emptyBefore = new Uint8Array(m);
        this.sums = new Float64Array(2 * m);
      }
      const { slots, flags, emptyBefore, sums } = this;
      ring.reserve(ring.size + m);
      for (let r = 0; r < m; r++) {
        const replacing = this.evictIfFull(false);
        if (replacing) evicted++;
        slots[r] = ring.appendSlot();
        flags[r] = this.centroid.join(replacing);
        emptyBefore[r] = this.centroid.count === 1 ? 1 : 0;
      }
      ring.writeRows({
        src: batch.source.subarray(start * dim, (start + m) * dim),
        scales: batch.scales.subarray(start, start + m),
        slots: slots.subarray(0, m),
        flags: flags.subarray(0, m),
        sum: this.centroid.sum,
        out: sums,
      });
      for (let r = 0; r < m; r++) {
        const i = start + r;
        const arrival = this.centroid.arrivalOf(
          sums[2 * r] as number,
          sums[2 * r + 1] as number,
          emptyBefore[r] === 1,
        );
        this.fillSlot(slots[r] as number, arrival, batch, i);
      }
    }
    return evicted;
  }

  /** Everything but the vector work of an append: arrival, baseline, time, id, payload. */
  private fillSlot(slot: number, arrival: number, batch: RowBatch, i: number): void {
    const ring = this.ring;
    const entry = batch.entries?.[i];
    const payloadSize = batch.payloadSizes[i] as number;
    // Stored as float32 like the row; the baseline adds the stored value so that removal later
    // subtracts exactly what was added.
    ring.arrival[slot] = arrival;
    this.anomalyState?.resetSlot(slot);
    this.centroid.addArrival(ring.arrival[slot] as number);
    ring.times[slot] = batch.time;
    ring.ids[slot] = batch.firstId + i;
    ring.dead[slot] = 0;
    ring.payloadSizes[slot] = payloadSize;
    ring.texts[slot] = entry?.text;
    ring.tags[slot] = entry?.tags && entry.tags.length > 0 ? entry.tags : undefined;
    ring.metadata[slot] = entry?.metadata;
    this.payloadBytes += payloadSize;
    // Slots are filled in the order they were appended, so the index's new end is this slot.
    this.lexical.append(batch.docs?.[i]);
    this.counters.inserted++;
  }

  /**
   * Replaces the arrival similarity of the newest slot (a restore brings the one the entry had),
   * keeping the baseline in step.
   */
  setNewestArrival(arrival: number): void {
    const ring = this.ring;
    const slot = ring.newestSlot;
    if (ring.dead[slot] === 0) this.centroid.removeArrival(ring.arrival[slot] as number);
    ring.arrival[slot] = arrival;
    if (ring.dead[slot] === 0) this.centroid.addArrival(ring.arrival[slot] as number);
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
    this.centroid.remove(ring, slot);
    this.centroid.removeArrival(ring.arrival[slot] as number);
    this.anomalyState?.release(slot);
    // The payload is unreachable now; release it instead of waiting for the slot to be reused.
    // The lexical index keeps the entry's postings (skipped) until the slot leaves the ring.
    const position = ring.positionOf(slot);
    this.lexical.discard(position);
    const kept = this.lexical.heldBytes(position);
    this.payloadBytes -= (ring.payloadSizes[slot] as number) - kept;
    ring.payloadSizes[slot] = kept;
    ring.texts[slot] = undefined;
    ring.tags[slot] = undefined;
    ring.metadata[slot] = undefined;
    ring.version++;
    this.counters.deleted++;
    return true;
  }

  /** Recomputes centroid and baseline exactly from the live rows when enough updates have passed. */
  recomputeIfDue(every: number): void {
    if (this.centroid.updatesSinceExact >= every) this.centroid.recompute(this.ring);
  }

  /**
   * Bytes the namespace would grow by to take `n` more rows with these payload sizes, after the
   * evictions their arrival causes (negative when it would shrink).
   */
  bytesToAppend(n: number, payloadSizes: Uint32Array): number {
    const ring = this.ring;
    let added = 0;
    for (let i = 0; i < payloadSizes.length; i++) added += payloadSizes[i] as number;
    const evictions = Math.max(0, ring.size + n - ring.capacity);
    let freed = 0;
    for (let p = 0; p < evictions && p < ring.size; p++) {
      freed += ring.payloadSizes[ring.slotAt(p)] as number;
    }
    return ring.growthBytesFor(n) + added - freed;
  }

  /** The live entry in `slot`, as the engine returns entries. */
  entryAt(slot: number, now: number): MemoryEntry {
    const ring = this.ring;
    const timestamp = ring.times[slot] as number;
    return {
      id: ring.ids[slot] as number,
      namespace: this.name,
      text: ring.texts[slot],
      tags: ring.tags[slot] ?? [],
      metadata: ring.metadata[slot],
      timestamp,
      ageMs: now - timestamp,
    };
  }

  /** The newest live entries, newest first. */
  recent(limit: number, now: number): MemoryEntry[] {
    return this.ring.newestLiveSlots(limit).map((slot) => this.entryAt(slot, now));
  }

  /**
   * The newest live entries' ids, times and arrival centroid similarities (null when the window
   * was empty then), oldest first, with the window's current baseline.
   */
  arrivals(limit: number): ArrivalTimeline {
    const ring = this.ring;
    const slots = this.ring.newestLiveSlots(limit).reverse();
    const finite = (x: number) => (Number.isFinite(x) ? x : null);
    const c = this.centroid;
    return {
      ids: slots.map((slot) => ring.ids[slot] as number),
      times: slots.map((slot) => ring.times[slot] as number),
      similarity: slots.map((slot) => finite(ring.arrival[slot] as number)),
      baseline: { mean: finite(c.baselineMean), std: finite(c.baselineStd), count: c.arrivalCount },
    };
  }

  stats(now: number): NamespaceStats {
    const oldest = this.ring.oldestLiveTime();
    const newest = this.ring.newestLiveTime();
    return {
      namespace: this.name,
      count: this.liveCount,
      capacity: this.ring.capacity,
      ttlMs: Number.isFinite(this.ttlMs) ? this.ttlMs : null,
      bytes: this.bytes,
      oldestAgeMs: oldest === undefined ? null : now - oldest,
      newestAgeMs: newest === undefined ? null : now - newest,
      tombstones: this.deadCount,
      counters: { ...this.counters },
      precision: this.ring.precision,
      bytesPerRecord:
        this.ring.bytesPerSlot +
        (this.ring.size > 0 ? Math.round(this.payloadBytes / this.ring.size) : 0),
    };
  }

  /**
   * Ends a restore (slots appended with `appendRows`, arrivals set, tombstones placed): centroid
   * and baseline exact again, counters from zero. `restoredTombstones` of the deletes counted are
   * the restore's own placeholders.
   */
  settleAfterRestore(restoredTombstones: number): void {
    const k = this.counters;
    // Appends from an empty sum add the rows in slot order, exactly as a recomputation does
    // (tombstone placeholders add and take away zeros); only a live row taken out during the
    // restore leaves rounding behind, and then the O(n·dim) recomputation runs. The baseline is
    // recomputed always (O(n)): the arrivals were swapped in after each append.
    if (k.evicted + k.expired + k.forgotten + k.deleted > restoredTombstones) {
      this.centroid.recompute(this.ring);
    } else {
      this.centroid.recomputeBaseline(this.ring);
    }
    for (const key of Object.keys(k) as (keyof NamespaceCounters)[]) k[key] = 0;
  }

  /**
   * Visits the slots oldest first, from the first id ≥ `fromId`, tombstones included (they hold
   * ring slots, and later evictions depend on them). `row` is valid during the call only.
   */
  exportSlots(fromId: number, visit: (slot: StoredSlot) => void): void {
    const ring = this.ring;
    for (let p = ring.lowerBoundId(fromId); p < ring.size; p++) {
      const slot = ring.slotAt(p);
      const dead = ring.dead[slot] !== 0;
      visit({
        id: ring.ids[slot] as number,
        time: ring.times[slot] as number,
        arrival: ring.arrival[slot] as number,
        dead,
        text: ring.texts[slot],
        tags: ring.tags[slot],
        metadata: ring.metadata[slot],
        row: dead ? undefined : ring.row(slot),
      });
    }
  }
}
