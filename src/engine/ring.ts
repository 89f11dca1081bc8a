import { alignedFloat32Array } from '../kernel/aligned.js';

/**
 * Storage of one namespace: a ring of rows in one contiguous Float32Array slab, with parallel
 * typed arrays for time, id, arrival similarity and tombstones, and plain arrays for the payload.
 *
 * Logical position p (0 = oldest) lives in slot (head + p) mod rows. Rows are appended in time
 * order, so times and ids are non-decreasing along logical positions; that is what lets a time
 * window become at most two slot segments by binary search, and an id be found the same way.
 *
 * The slab is 64-byte aligned (rows of a dimension divisible by 16 then start on cache lines,
 * which the SIMD kernels read fastest). It starts small and doubles up to `capacity` (copying into logical order), so an empty
 * namespace does not cost capacity × dim × 4 bytes up front. It never grows past `capacity`:
 * once full, appending overwrites the oldest slot.
 */

/** Bytes a slot costs besides its vector: time 8, id 8, arrival 4, extra 4, tombstone 1,
 * filter scratch 1, three payload references 8 each. */
export const SLOT_OVERHEAD_BYTES = 8 + 8 + 4 + 4 + 1 + 1 + 3 * 8;

const INITIAL_ROWS = 256;

export class Ring {
  readonly dim: number;
  readonly capacity: number;
  /** Allocated rows; grows by doubling until it reaches capacity. */
  rows: number;
  slab: Float32Array;
  times: Float64Array;
  ids: Float64Array;
  /** Centroid similarity of the row at arrival; NaN when the window was empty then. */
  arrival: Float32Array;
  /** Estimated heap bytes of the row's text, tags and metadata. */
  extra: Uint32Array;
  /** 1 = deleted by id (a tombstone the scan skips). */
  dead: Uint8Array;
  /** Scratch skip mask for filtered queries; rebuilt per query, never shared across awaits. */
  filterMask: Uint8Array;
  texts: (string | undefined)[];
  tags: (readonly string[] | undefined)[];
  metadata: (Readonly<Record<string, unknown>> | undefined)[];
  head = 0;
  size = 0;
  /** Bumped whenever slab rows, the slot layout or tombstones change: async scans re-check it. */
  version = 0;

  constructor(dim: number, capacity: number) {
    this.dim = dim;
    this.capacity = capacity;
    this.rows = Math.min(capacity, INITIAL_ROWS);
    this.slab = alignedFloat32Array(this.rows * dim);
    this.times = new Float64Array(this.rows);
    this.ids = new Float64Array(this.rows);
    this.arrival = new Float32Array(this.rows);
    this.extra = new Uint32Array(this.rows);
    this.dead = new Uint8Array(this.rows);
    this.filterMask = new Uint8Array(this.rows);
    this.texts = new Array<string | undefined>(this.rows).fill(undefined);
    this.tags = new Array<readonly string[] | undefined>(this.rows).fill(undefined);
    this.metadata = new Array<Readonly<Record<string, unknown>> | undefined>(this.rows).fill(
      undefined,
    );
  }

  static bytesForRows(rows: number, dim: number): number {
    return rows * (4 * dim + SLOT_OVERHEAD_BYTES);
  }

  get allocatedBytes(): number {
    return Ring.bytesForRows(this.rows, this.dim);
  }

  get isFull(): boolean {
    return this.size === this.capacity;
  }

  slotAt(position: number): number {
    const s = this.head + position;
    return s >= this.rows ? s - this.rows : s;
  }

  /** Removes the oldest slot from the ring and returns it (the caller accounts for it first). */
  popOldest(): number {
    const slot = this.head;
    this.texts[slot] = undefined;
    this.tags[slot] = undefined;
    this.metadata[slot] = undefined;
    this.head = slot + 1 === this.rows ? 0 : slot + 1;
    this.size--;
    this.version++;
    return slot;
  }

  /** Reserves the slot after the newest one; the ring must not be full. */
  appendSlot(): number {
    if (this.size === this.rows) this.grow();
    const slot = this.slotAt(this.size);
    this.size++;
    this.version++;
    return slot;
  }

  /** Grows now (never past capacity) so that `rows` slots exist: later appends then keep their slots. */
  reserve(rows: number): void {
    while (this.rows < Math.min(rows, this.capacity)) this.grow();
  }

  /** How many rows the slab would have after `reserve(rows)`: doubling, capped at capacity. */
  rowsAfterReserve(rows: number): number {
    const required = Math.min(rows, this.capacity);
    let n = this.rows;
    while (n < required) n = Math.min(this.capacity, n * 2);
    return n;
  }

  private grow(): void {
    const rows = Math.min(this.capacity, this.rows * 2);
    const dim = this.dim;
    const slab = alignedFloat32Array(rows * dim);
    const times = new Float64Array(rows);
    const ids = new Float64Array(rows);
    const arrival = new Float32Array(rows);
    const extra = new Uint32Array(rows);
    const dead = new Uint8Array(rows);
    const texts = new Array<string | undefined>(rows).fill(undefined);
    const tags = new Array<readonly string[] | undefined>(rows).fill(undefined);
    const metadata = new Array<Readonly<Record<string, unknown>> | undefined>(rows).fill(undefined);
    // Copy in logical order so the grown ring starts at slot 0 (at most two contiguous runs).
    const firstRun = Math.min(this.size, this.rows - this.head);
    const runs: [number, number, number][] = [
      [this.head, 0, firstRun],
      [0, firstRun, this.size - firstRun],
    ];
    for (const [from, to, n] of runs) {
      if (n === 0) continue;
      slab.set(this.slab.subarray(from * dim, (from + n) * dim), to * dim);
      times.set(this.times.subarray(from, from + n), to);
      ids.set(this.ids.subarray(from, from + n), to);
      arrival.set(this.arrival.subarray(from, from + n), to);
      extra.set(this.extra.subarray(from, from + n), to);
      dead.set(this.dead.subarray(from, from + n), to);
      for (let i = 0; i < n; i++) {
        texts[to + i] = this.texts[from + i];
        tags[to + i] = this.tags[from + i];
        metadata[to + i] = this.metadata[from + i];
      }
    }
    this.rows = rows;
    this.slab = slab;
    this.times = times;
    this.ids = ids;
    this.arrival = arrival;
    this.extra = extra;
    this.dead = dead;
    this.filterMask = new Uint8Array(rows);
    this.texts = texts;
    this.tags = tags;
    this.metadata = metadata;
    this.head = 0;
    this.version++;
  }

  /** First logical position whose time is ≥ t (size when none). */
  lowerBoundTime(t: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.times[this.slotAt(mid)] as number) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First logical position whose time is > t (size when none). */
  upperBoundTime(t: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.times[this.slotAt(mid)] as number) <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Slot of the entry with this id, or -1. Ids grow along logical positions. */
  findSlot(id: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const got = this.ids[this.slotAt(mid)] as number;
      if (got < id) lo = mid + 1;
      else if (got > id) hi = mid;
      else return this.slotAt(mid);
    }
    return -1;
  }

  /**
   * Writes the slot ranges of logical positions [from, to) into `out` as flat
   * `[start, end, start, end]` pairs, oldest first. Returns the number of segments (0–2).
   */
  segments(from: number, to: number, out: Uint32Array): number {
    if (to <= from) return 0;
    const start = this.slotAt(from);
    const end = start + (to - from);
    if (end <= this.rows) {
      out[0] = start;
      out[1] = end;
      return 1;
    }
    out[0] = start;
    out[1] = this.rows;
    out[2] = 0;
    out[3] = end - this.rows;
    return 2;
  }
}
