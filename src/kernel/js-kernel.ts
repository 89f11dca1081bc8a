import { decodeF16Js, halfTableF32, validateCompactRequest } from './compact.js';
import { ingestRowsJs, rowSumSquaresJs } from './ingest.js';
import type {
  CompactRequest,
  IngestRequest,
  KernelInfo,
  ManyRequest,
  ScanKernel,
  ScanRequest,
} from './types.js';
import { validateManyRequest, validateScanRequest } from './validate.js';

/**
 * The portable scan kernel: same contract as the native one (types.ts), plain JS.
 *
 * Arithmetic: each product of two float32 values is exact in float64, so the dot product is
 * accumulated in float64 with four accumulators (indices 0,1,2,3 mod 4; the tail goes to the
 * first) combined as (s0 + s1) + (s2 + s3), then rounded once to float32 with Math.fround. The
 * native scalar kernel (native/scan_scalar.cc) does exactly the same, so the two agree bit for
 * bit; the SIMD kernels accumulate in float32 and agree within rounding.
 *
 * Ties and non-finite scores follow the shared rule: a row enters the top-k only if its score is
 * strictly greater than the current k-th best (-Infinity until k rows are held), so the row
 * scanned first wins a tie and a NaN score never enters.
 *
 * The heap lives in three typed arrays owned by the instance and grown to k once; a scan
 * allocates nothing per row (or per call once warmed up).
 */
export class JsKernel implements ScanKernel {
  readonly info: KernelInfo;
  ingestRows(req: IngestRequest): void {
    ingestRowsJs(req);
  }

  rowSumSquares(src: Float32Array, dim: number, out: Float64Array): void {
    rowSumSquaresJs(src, dim, out);
  }

  decodeF16(src: Uint16Array, out: Float32Array): void {
    decodeF16Js(src, out);
  }
  private heapScore = new Float32Array(16);
  private heapOrder = new Uint32Array(16);
  private heapRow = new Int32Array(16);

  constructor(fallbackReasons: readonly string[] = []) {
    this.info = {
      backend: 'js',
      isa: 'js',
      availableIsas: [],
      fallbackReasons: [...fallbackReasons],
    };
  }

  topK(req: ScanRequest): number {
    validateScanRequest(req);
    return this.scanOne(req);
  }

  /** The heap arrays, grown to hold `cells` entries (k per query). */
  private heaps(cells: number): { hs: Float32Array; ho: Uint32Array; hr: Int32Array } {
    if (this.heapScore.length < cells) {
      this.heapScore = new Float32Array(cells);
      this.heapOrder = new Uint32Array(cells);
      this.heapRow = new Int32Array(cells);
    }
    return { hs: this.heapScore, ho: this.heapOrder, hr: this.heapRow };
  }

  /** topK of a validated request: one pass over the rows, a k-heap, drained best first. */
  private scanOne(req: ScanRequest): number {
    const { slab, dim, segments, query, k, outIdx, outScores, skipMask } = req;
    const { hs, ho, hr } = this.heaps(k);
    let size = 0;
    let order = 0;
    let threshold = Number.NEGATIVE_INFINITY;
    for (let s = 0; s < segments.length; s += 2) {
      const end = segments[s + 1]!;
      for (let r = segments[s]!; r < end; r++) {
        if (skipMask !== undefined && skipMask[r] !== 0) continue;
        const score = Math.fround(dot4(slab, r * dim, query, 0, dim));
        if (!(score > threshold)) continue;
        size = offer(hs, ho, hr, 0, size, k, score, order++, r);
        if (size === k) threshold = hs[0]!;
      }
    }
    return drain(hs, ho, hr, 0, size, outIdx, outScores);
  }

  /**
   * Rows outer, queries inner: each row is read once for the batch. Per pair the arithmetic is
   * `topK`'s, so query q's hits equal a single topK of query q over the rows it sees, bit for bit.
   */
  topKMany(req: ManyRequest): void {
    const nq = validateManyRequest(req);
    const { slab, dim, segments, queries, k, outIdx, outScores, outHits, skipMask, from, to } = req;
    const counts = req.outCounts;
    if (nq === 1 && counts === undefined) {
      // One query (a single scored item, a probe): the single scan over the rows it may see,
      // same arithmetic, without the per-row query loop.
      const segs = from === undefined ? segments : positionsToSegments(segments, from[0]!, to![0]!);
      outHits[0] = this.scanOne({ ...req, segments: segs, query: queries });
      return;
    }
    const atLeast = req.countAtLeast === undefined ? 0 : Math.fround(req.countAtLeast);
    if (counts !== undefined) counts.fill(0, 0, nq);
    const { hs, ho, hr } = this.heaps(nq * k);
    const size = new Uint32Array(nq);
    const next = new Uint32Array(nq);
    const threshold = new Float64Array(nq).fill(Number.NEGATIVE_INFINITY);
    let pos = 0;
    for (let s = 0; s < segments.length; s += 2) {
      const end = segments[s + 1]!;
      for (let r = segments[s]!; r < end; r++, pos++) {
        if (skipMask !== undefined && skipMask[r] !== 0) continue;
        const base = r * dim;
        for (let q = 0; q < nq; q++) {
          if (from !== undefined && (pos < from[q]! || pos >= to![q]!)) continue;
          const score = Math.fround(dot4(slab, base, queries, q * dim, dim));
          if (counts !== undefined && score >= atLeast) counts[q]!++;
          if (!(score > threshold[q]!)) continue;
          const n = offer(hs, ho, hr, q * k, size[q]!, k, score, next[q]!++, r);
          size[q] = n;
          if (n === k) threshold[q] = hs[q * k]!;
        }
      }
    }
    for (let q = 0; q < nq; q++) {
      outHits[q] = drain(hs, ho, hr, q * k, size[q]!, outIdx, outScores);
    }
  }

  /** JS has no thread to hand the scan to (see topKAsync): the synchronous result, resolved. */
  topKManyAsync(req: ManyRequest): Promise<void> {
    try {
      this.topKMany(req);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Same loop as `topK` over compact rows: f16 through a 65,536-entry decode table, int8 codes
   * times the row's scale (applied in float64 before the one rounding), as native/compact.cc's
   * scalar reference does, bit for bit.
   */
  topKCompact(req: CompactRequest): number {
    validateCompactRequest(req);
    const { dim, segments, query, k, outIdx, outScores, skipMask } = req;
    const { hs, ho, hr } = this.heaps(k);
    const f16 = req.precision === 'f16';
    const table = f16 ? halfTableF32() : undefined;
    const halves = req.rows as Uint16Array;
    const codes = req.rows as Int8Array;
    const scales = req.scales;
    let size = 0;
    let order = 0;
    let threshold = Number.NEGATIVE_INFINITY;
    for (let s = 0; s < segments.length; s += 2) {
      const end = segments[s + 1]!;
      for (let r = segments[s]!; r < end; r++) {
        if (skipMask !== undefined && skipMask[r] !== 0) continue;
        const base = r * dim;
        const sum =
          table !== undefined
            ? dotHalves(table, halves, base, query, dim)
            : dot4(codes, base, query, 0, dim);
        const score = Math.fround(f16 ? sum : scales![r]! * sum);
        if (!(score > threshold)) continue;
        size = offer(hs, ho, hr, 0, size, k, score, order++, r);
        if (size === k) threshold = hs[0]!;
      }
    }
    return drain(hs, ho, hr, 0, size, outIdx, outScores);
  }

  /**
   * JS cannot leave the main thread without a worker, and copying a slab to one costs more than
   * the scan, so this resolves with the synchronous result. Argument errors reject the promise.
   */
  topKAsync(req: ScanRequest): Promise<number> {
    try {
      return Promise.resolve(this.topK(req));
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

/** The segments covering scan positions [from, to) of `segments`. */
function positionsToSegments(segments: Uint32Array, from: number, to: number): Uint32Array {
  const out = new Uint32Array(segments.length);
  let n = 0;
  let pos = 0;
  for (let s = 0; s < segments.length; s += 2) {
    const start = segments[s]!;
    const len = segments[s + 1]! - start;
    const a = Math.max(from, pos);
    const b = Math.min(to, pos + len);
    if (a < b) {
      out[n++] = start + (a - pos);
      out[n++] = start + (b - pos);
    }
    pos += len;
  }
  return out.subarray(0, n);
}

/**
 * Σ a[ai + i] × b[bi + i] over i < dim: each product exact in float64, summed in four
 * accumulators (indices 0, 1, 2, 3 mod 4; the tail goes to the first) combined as
 * (s0 + s1) + (s2 + s3) — the arithmetic every JS scan shares with native/scan_scalar.cc.
 */
function dot4(a: Float32Array | Int8Array, ai: number, b: Float32Array, bi: number, dim: number) {
  const dim4 = dim - (dim % 4);
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i < dim4; i += 4) {
    s0 += a[ai + i]! * b[bi + i]!;
    s1 += a[ai + i + 1]! * b[bi + i + 1]!;
    s2 += a[ai + i + 2]! * b[bi + i + 2]!;
    s3 += a[ai + i + 3]! * b[bi + i + 3]!;
  }
  for (; i < dim; i++) s0 += a[ai + i]! * b[bi + i]!;
  return s0 + s1 + (s2 + s3);
}

/** dot4 over a row of halves decoded through `table` (same accumulators and order). */
function dotHalves(
  table: Float32Array,
  halves: Uint16Array,
  base: number,
  q: Float32Array,
  dim: number,
): number {
  const dim4 = dim - (dim % 4);
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i < dim4; i += 4) {
    s0 += table[halves[base + i]!]! * q[i]!;
    s1 += table[halves[base + i + 1]!]! * q[i + 1]!;
    s2 += table[halves[base + i + 2]!]! * q[i + 2]!;
    s3 += table[halves[base + i + 3]!]! * q[i + 3]!;
  }
  for (; i < dim; i++) s0 += table[halves[base + i]!]! * q[i]!;
  return s0 + s1 + (s2 + s3);
}

/**
 * Offers a row to the k-heap at `base` (worst entry on top) holding `size` entries; the caller
 * has checked that `score` beats the current k-th best. Returns the heap's new size.
 */
function offer(
  hs: Float32Array,
  ho: Uint32Array,
  hr: Int32Array,
  base: number,
  size: number,
  k: number,
  score: number,
  order: number,
  row: number,
): number {
  if (size < k) {
    hs[base + size] = score;
    ho[base + size] = order;
    hr[base + size] = row;
    siftUp(hs, ho, hr, size, base);
    return size + 1;
  }
  hs[base] = score;
  ho[base] = order;
  hr[base] = row;
  siftDown(hs, ho, hr, 0, size, base);
  return size;
}

/**
 * Heap-sorts the heap at `base` in place (the worst moves to the end of the shrinking heap,
 * leaving it best first) and copies it to the outputs at `base`. Returns `size`.
 */
function drain(
  hs: Float32Array,
  ho: Uint32Array,
  hr: Int32Array,
  base: number,
  size: number,
  outIdx: Int32Array,
  outScores: Float32Array,
): number {
  for (let n = size; n > 1; n--) {
    swap(hs, ho, hr, base, base + n - 1);
    siftDown(hs, ho, hr, 0, n - 1, base);
  }
  for (let i = 0; i < size; i++) {
    outIdx[base + i] = hr[base + i]!;
    outScores[base + i] = hs[base + i]!;
  }
  return size;
}

/** Entry a ranks below entry b: lower score, or equal score offered later (later loses ties). */
function worse(hs: Float32Array, ho: Uint32Array, a: number, b: number): boolean {
  const sa = hs[a]!;
  const sb = hs[b]!;
  return sa < sb || (sa === sb && ho[a]! > ho[b]!);
}

function swap(hs: Float32Array, ho: Uint32Array, hr: Int32Array, a: number, b: number): void {
  const s = hs[a]!;
  hs[a] = hs[b]!;
  hs[b] = s;
  const o = ho[a]!;
  ho[a] = ho[b]!;
  ho[b] = o;
  const r = hr[a]!;
  hr[a] = hr[b]!;
  hr[b] = r;
}

/** Heap indices are relative to `base` (the many-queries scan keeps one heap per query). */
function siftUp(hs: Float32Array, ho: Uint32Array, hr: Int32Array, i: number, base = 0): void {
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!worse(hs, ho, base + i, base + parent)) return;
    swap(hs, ho, hr, base + i, base + parent);
    i = parent;
  }
}

function siftDown(
  hs: Float32Array,
  ho: Uint32Array,
  hr: Int32Array,
  i: number,
  size: number,
  base = 0,
): void {
  for (;;) {
    let child = 2 * i + 1;
    if (child >= size) return;
    if (child + 1 < size && worse(hs, ho, base + child + 1, base + child)) child++;
    if (!worse(hs, ho, base + child, base + i)) return;
    swap(hs, ho, hr, base + i, base + child);
    i = child;
  }
}
