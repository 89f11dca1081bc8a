import type { KernelInfo, ScanKernel } from './types.js';
import { validateTopKArgs } from './validate.js';

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

  topK(
    slab: Float32Array,
    dim: number,
    segments: Uint32Array,
    query: Float32Array,
    k: number,
    outIdx: Int32Array,
    outScores: Float32Array,
    skipMask?: Uint8Array,
  ): number {
    validateTopKArgs(slab, dim, segments, query, k, outIdx, outScores, skipMask);
    if (this.heapScore.length < k) {
      this.heapScore = new Float32Array(k);
      this.heapOrder = new Uint32Array(k);
      this.heapRow = new Int32Array(k);
    }
    return scan(
      slab,
      dim,
      segments,
      query,
      k,
      outIdx,
      outScores,
      skipMask,
      this.heapScore,
      this.heapOrder,
      this.heapRow,
    );
  }

  /**
   * JS cannot leave the main thread without a worker, and copying a slab to one costs more than
   * the scan, so this resolves with the synchronous result. Argument errors reject the promise.
   */
  topKAsync(
    slab: Float32Array,
    dim: number,
    segments: Uint32Array,
    query: Float32Array,
    k: number,
    outIdx: Int32Array,
    outScores: Float32Array,
    skipMask?: Uint8Array,
  ): Promise<number> {
    try {
      return Promise.resolve(this.topK(slab, dim, segments, query, k, outIdx, outScores, skipMask));
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

function scan(
  slab: Float32Array,
  dim: number,
  segments: Uint32Array,
  query: Float32Array,
  k: number,
  outIdx: Int32Array,
  outScores: Float32Array,
  skipMask: Uint8Array | undefined,
  hs: Float32Array,
  ho: Uint32Array,
  hr: Int32Array,
): number {
  const dim4 = dim - (dim % 4);
  let size = 0;
  let order = 0;
  let threshold = Number.NEGATIVE_INFINITY;
  for (let s = 0; s < segments.length; s += 2) {
    const end = segments[s + 1]!;
    for (let r = segments[s]!; r < end; r++) {
      if (skipMask !== undefined && skipMask[r] !== 0) continue;
      const base = r * dim;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let i = 0;
      for (; i < dim4; i += 4) {
        s0 += slab[base + i]! * query[i]!;
        s1 += slab[base + i + 1]! * query[i + 1]!;
        s2 += slab[base + i + 2]! * query[i + 2]!;
        s3 += slab[base + i + 3]! * query[i + 3]!;
      }
      for (; i < dim; i++) s0 += slab[base + i]! * query[i]!;
      const score = Math.fround(s0 + s1 + (s2 + s3));
      if (score > threshold) {
        if (size < k) {
          hs[size] = score;
          ho[size] = order++;
          hr[size] = r;
          siftUp(hs, ho, hr, size);
          size++;
          if (size === k) threshold = hs[0]!;
        } else {
          hs[0] = score;
          ho[0] = order++;
          hr[0] = r;
          siftDown(hs, ho, hr, 0, size);
          threshold = hs[0]!;
        }
      }
    }
  }
  // Heap sort in place: move the worst to the end of the shrinking heap, leaving it best-first.
  for (let n = size; n > 1; n--) {
    swap(hs, ho, hr, 0, n - 1);
    siftDown(hs, ho, hr, 0, n - 1);
  }
  for (let i = 0; i < size; i++) {
    outIdx[i] = hr[i]!;
    outScores[i] = hs[i]!;
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

function siftUp(hs: Float32Array, ho: Uint32Array, hr: Int32Array, i: number): void {
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!worse(hs, ho, i, parent)) return;
    swap(hs, ho, hr, i, parent);
    i = parent;
  }
}

function siftDown(
  hs: Float32Array,
  ho: Uint32Array,
  hr: Int32Array,
  i: number,
  size: number,
): void {
  for (;;) {
    let child = 2 * i + 1;
    if (child >= size) return;
    if (child + 1 < size && worse(hs, ho, child + 1, child)) child++;
    if (!worse(hs, ho, child, i)) return;
    swap(hs, ho, hr, i, child);
    i = child;
  }
}
