import type { Precision } from '../kernel/compact.js';
import type { IngestRequest, ManyRequest, ScanKernel, ScanRequest } from '../kernel/types.js';
import { createVectorRows, storedRowBytes, type VectorRows } from './vector-rows.js';

/** Bytes a slot costs besides its vector: time 8, id 8, arrival 4, payload size 4, tombstone 1,
 * filter scratch 1, three payload references 8 each. */
export const SLOT_OVERHEAD_BYTES = 8 + 8 + 4 + 4 + 1 + 1 + 3 * 8;

const INITIAL_ROWS = 256;

/** One top-k scan of the ring's rows: the kernel's request minus the storage. */
export type RingScan = Omit<ScanRequest, 'slab' | 'dim'>;

/** A many-queries scan of the ring's rows (ManyRequest minus the storage). */
export type RingManyScan = Omit<ManyRequest, 'slab' | 'dim'>;

/** Rows to write into the ring (IngestRequest minus the storage). */
export type RingIngest = Omit<IngestRequest, 'slab' | 'dim'>;

/**
 * Storage of one namespace: a ring of rows in one contiguous Float32Array slab, with parallel
 * typed arrays for time, id, arrival similarity and tombstones, and plain arrays for the payload.
 *
 * Logical position p (0 = oldest) lives in slot (head + p) mod rows. Rows are appended in time
 * order, so times and ids are non-decreasing along logical positions; that is what lets a time
 * window become at most two slot segments by binary search, and an id be found the same way.
 *
 * At f32 the slab is 64-byte aligned (rows of a dimension divisible by 16 then start on cache lines,
 * which the SIMD kernels read fastest). It starts small and doubles up to `capacity` (copying
 * into logical order), so an empty namespace does not cost capacity × dim × 4 bytes up front. It
 * never grows past `capacity`: once full, appending overwrites the oldest slot.
 *
 * The vectors are the ring's own business: nothing outside reads the slab. Every read of a row
 * (view, dot product, sum), every scan and every write goes through the methods of the "vector
 * storage" section below, which hands them to the ring's VectorRows: float32, f16 halves or int8
 * codes (with an f16 copy), chosen per namespace (vector-rows.ts).
 */
export class Ring {
  readonly dim: number;
  readonly capacity: number;
  /** Allocated rows; grows by doubling until it reaches capacity. */
  rows: number;
  times: Float64Array;
  ids: Float64Array;
  /** Centroid similarity of the row at arrival; NaN when the window was empty then. */
  arrival: Float32Array;
  /** Estimated heap bytes of the slot's text, tags, metadata and lexical postings. */
  payloadSizes: Uint32Array;
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
  private readonly vectors: VectorRows;

  constructor(dim: number, capacity: number, kernel: ScanKernel, precision: Precision = 'f32') {
    this.dim = dim;
    this.capacity = capacity;
    this.rows = Math.min(capacity, INITIAL_ROWS);
    this.vectors = createVectorRows(precision, dim, this.rows, kernel);
    this.times = new Float64Array(this.rows);
    this.ids = new Float64Array(this.rows);
    this.arrival = new Float32Array(this.rows);
    this.payloadSizes = new Uint32Array(this.rows);
    this.dead = new Uint8Array(this.rows);
    this.filterMask = new Uint8Array(this.rows);
    this.texts = new Array<string | undefined>(this.rows).fill(undefined);
    this.tags = new Array<readonly string[] | undefined>(this.rows).fill(undefined);
    this.metadata = new Array<Readonly<Record<string, unknown>> | undefined>(this.rows).fill(
      undefined,
    );
  }

  static bytesForRows(rows: number, dim: number, precision: Precision = 'f32'): number {
    return rows * (storedRowBytes(precision, dim) + SLOT_OVERHEAD_BYTES);
  }

  get precision(): Precision {
    return this.vectors.precision;
  }

  /**
   * How far below 1 the score of a unit vector against its own stored row may fall: 0 at f32, the
   * f16 unit roundoff 2^-11 at f16 and int8 (whose scores come from its f16 copy).
   */
  get duplicateBand(): number {
    return this.vectors.precision === 'f32' ? 0 : 2 ** -11;
  }

  /** Bytes one slot costs: its vector at this precision plus the slot's other arrays. */
  get bytesPerSlot(): number {
    return this.vectors.rowBytes + SLOT_OVERHEAD_BYTES;
  }

  get allocatedBytes(): number {
    return this.rows * this.bytesPerSlot;
  }

  /** Bytes the slab would grow by to hold `more` further slots (0 when it has room). */
  growthBytesFor(more: number): number {
    return (this.rowsAfterReserve(this.size + more) - this.rows) * this.bytesPerSlot;
  }

  get isFull(): boolean {
    return this.size === this.capacity;
  }

  // ---- vector storage: the only code that knows how rows are stored (vector-rows.ts) ----

  /**
   * The row in `slot` as float32: at f32 a view, valid until the next append (the ring may grow);
   * at f16/int8 the decoded row, in `out` when given, else in a scratch buffer valid until the
   * next call.
   */
  row(slot: number, out?: Float32Array): Float32Array {
    return this.vectors.row(slot, out);
  }

  /** Dot product of the row in `slot` with `q` (float64 accumulation, in index order). */
  dotRow(slot: number, q: Float32Array): number {
    return this.vectors.dotRow(slot, q);
  }

  /** Dot product of the rows in slots `a` and `b` (float64 accumulation, in index order). */
  dotRows(a: number, b: number): number {
    return this.vectors.dotRows(a, b);
  }

  /** acc += the row in `slot` (element by element, float64). */
  addRowInto(slot: number, acc: Float64Array): void {
    this.vectors.addRowInto(slot, acc);
  }

  /** acc −= the row in `slot` (element by element, float64). */
  subtractRowFrom(slot: number, acc: Float64Array): void {
    this.vectors.subtractRowFrom(slot, acc);
  }

  /**
   * Writes row r of `rows.src` × `rows.scales[r]` into slot `rows.slots[r]` and adds it (as
   * stored) to the running `rows.sum`, for every r in order: the kernel's ingestRows (see
   * IngestRequest) at f32, its twin over the stored values at f16/int8.
   */
  writeRows(rows: RingIngest): void {
    this.vectors.writeRows(rows);
  }

  /** Top-k of `scan.query` over the ring's rows (ScanKernel.topK). Returns the hit count. */
  scan(scan: RingScan): number {
    return this.vectors.scan(scan);
  }

  /** `scan` with large scans off the main thread (ScanKernel.topKAsync; re-check `version`). */
  scanAsync(scan: RingScan): Promise<number> {
    return this.vectors.scanAsync(scan);
  }

  /** Many queries over the ring's rows in one pass (ScanKernel.topKMany). */
  scanMany(scan: RingManyScan): void {
    this.vectors.scanMany(scan);
  }

  /** `scanMany` with large scans off the main thread (ScanKernel.topKManyAsync). */
  scanManyAsync(scan: RingManyScan): Promise<void> {
    return this.vectors.scanManyAsync(scan);
  }

  /** Unit rows as they will read back once stored at this ring's precision (same array at f32). */
  storedForm(units: Float32Array): Float32Array {
    return this.vectors.storedForm(units);
  }

  // ---- slots and positions ----

  slotAt(position: number): number {
    const s = this.head + position;
    return s >= this.rows ? s - this.rows : s;
  }

  /** The logical position (0 = oldest) of an occupied slot. */
  positionOf(slot: number): number {
    return slot >= this.head ? slot - this.head : slot + this.rows - this.head;
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
    const times = new Float64Array(rows);
    const ids = new Float64Array(rows);
    const arrival = new Float32Array(rows);
    const payloadSizes = new Uint32Array(rows);
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
    this.vectors.resize(rows, runs);
    for (const [from, to, n] of runs) {
      if (n === 0) continue;
      times.set(this.times.subarray(from, from + n), to);
      ids.set(this.ids.subarray(from, from + n), to);
      arrival.set(this.arrival.subarray(from, from + n), to);
      payloadSizes.set(this.payloadSizes.subarray(from, from + n), to);
      dead.set(this.dead.subarray(from, from + n), to);
      for (let i = 0; i < n; i++) {
        texts[to + i] = this.texts[from + i];
        tags[to + i] = this.tags[from + i];
        metadata[to + i] = this.metadata[from + i];
      }
    }
    this.rows = rows;
    this.times = times;
    this.ids = ids;
    this.arrival = arrival;
    this.payloadSizes = payloadSizes;
    this.dead = dead;
    this.filterMask = new Uint8Array(rows);
    this.texts = texts;
    this.tags = tags;
    this.metadata = metadata;
    this.head = 0;
    this.version++;
  }

  // ---- reads by time, id and liveness ----

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

  /** First logical position whose id is ≥ id (size when none). Ids grow along positions. */
  lowerBoundId(id: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.ids[this.slotAt(mid)] as number) < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Slot of the entry with this id (live or tombstone), or -1. */
  findSlot(id: number): number {
    const p = this.lowerBoundId(id);
    if (p === this.size) return -1;
    const slot = this.slotAt(p);
    return this.ids[slot] === id ? slot : -1;
  }

  /**
   * Live slots newest first: at most `limit`, stopping at the first slot (live or not) older
   * than `since`.
   */
  newestLiveSlots(limit: number, since = Number.NEGATIVE_INFINITY): number[] {
    const out: number[] = [];
    for (let p = this.size - 1; p >= 0 && out.length < limit; p--) {
      const slot = this.slotAt(p);
      if ((this.times[slot] as number) < since) break;
      if (this.dead[slot] === 0) out.push(slot);
    }
    return out;
  }

  /** Time of the oldest live entry, or undefined when none is live. */
  oldestLiveTime(): number | undefined {
    for (let p = 0; p < this.size; p++) {
      const slot = this.slotAt(p);
      if (this.dead[slot] === 0) return this.times[slot];
    }
    return undefined;
  }

  /** Time of the newest live entry, or undefined when none is live. */
  newestLiveTime(): number | undefined {
    const [slot] = this.newestLiveSlots(1);
    return slot === undefined ? undefined : this.times[slot];
  }

  /** The newest slot (live or tombstone); the ring must not be empty. */
  get newestSlot(): number {
    return this.slotAt(this.size - 1);
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

  /** The slot segments of logical positions [from, to), in a new array of their exact length. */
  segmentsOf(from: number, to: number): Uint32Array {
    const out = new Uint32Array(4);
    return out.subarray(0, this.segments(from, to, out) * 2);
  }
}

/** Calls `fn` for every slot of the segments, in scan order. */
export function forEachSlot(segments: Uint32Array, fn: (slot: number) => void): void {
  for (let i = 0; i + 1 < segments.length; i += 2) {
    const end = segments[i + 1] as number;
    for (let s = segments[i] as number; s < end; s++) fn(s);
  }
}
