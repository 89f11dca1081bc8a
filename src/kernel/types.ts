/**
 * The scan-kernel contract: brute-force inner-product top-k over rows of a contiguous slab.
 *
 * The kernel never sees text, ids or time. The engine turns a time window into at most two
 * slot segments and hands the kernel only the rows it must look at.
 *
 * Semantics every backend (native ISA kernels and the JS kernel) must share exactly:
 * - `slab` holds rows of `dim` float32 values; row r starts at `r * dim`.
 * - `segments` is a flat list of half-open row ranges `[start0, end0, start1, end1, ...]`,
 *   scanned in the order given (segment by segment, ascending rows within a segment).
 * - `skipMask`, when given, has one byte per row; a non-zero byte means "do not consider this row".
 * - The score of a row is the dot product of the row with `query`.
 * - At most `k` hits are written to `outIdx` (row numbers) and `outScores`, best score first.
 *   Ties are broken in favour of the row scanned first. The return value is the hit count,
 *   min(k, rows considered).
 * - Outputs are caller-owned and must hold at least `k` entries; nothing is allocated per row.
 *
 * Details every backend also shares (added with the kernels; they refine, not change, the above):
 * - A row enters the top-k only if its score is strictly greater than the current k-th best
 *   (-Infinity until k rows are held), so a row scoring NaN is never a hit (only possible if the
 *   slab holds non-finite values; the engine stores unit vectors).
 * - Bad arguments throw (topKAsync: reject with) a `KernelError` with code `ERR_KERNEL_ARGUMENT`:
 *   dim an integer >= 1; query.length === dim and every query value finite; 1 <= k <= MAX_TOP_K;
 *   outputs at least k long; segments an even-length Uint32Array with start <= end <= rows, where
 *   rows = floor(slab.length / dim); skipMask, if given, at least rows long.
 * - Slabs from `alignedFloat32Array` start on a 64-byte boundary, which the SIMD kernels read
 *   faster; any Float32Array is accepted.
 */
export interface ScanKernel {
  readonly info: KernelInfo;
  /** The engine's one insert path: rows written into the slab and summed (see IngestRequest). */
  ingestRows(request: IngestRequest): void;
  /** `out[r]` = squared norm (float64) of each whole row of `src` (validation of inserts). */
  rowSumSquares(src: Float32Array, dim: number, out: Float64Array): void;
  /**
   * `out[i]` = the float value of half `src[i]` (exact), for every i < src.length; out must be at
   * least as long. The many-queries pass over an f16 window decodes its chunks with it.
   */
  decodeF16(src: Uint16Array, out: Float32Array): void;
  /** Top-k of one query (see ScanRequest); returns the hit count. */
  topK(request: ScanRequest): number;
  /**
   * Same contract, but scans large enough to matter run off the main thread so the event loop
   * stays free. The caller must not resize `slab` (nor transfer or detach any argument's buffer)
   * while the promise is pending; rows written meanwhile may be read torn, so callers that write
   * concurrently must re-check (the engine does).
   */
  topKAsync(request: ScanRequest): Promise<number>;
  /**
   * The same scan for many queries at once (see ManyRequest): every row is read once for the
   * whole batch, so scoring nq queries costs far less than nq scans. Writes into the request's
   * caller-owned outputs; throws a `KernelError` (ERR_KERNEL_ARGUMENT) on a bad request.
   */
  topKMany(request: ManyRequest): void;
  /**
   * topKMany with large scans run off the main thread (native: shared by one pool thread per
   * core, merged to exactly topKMany's result). Same caveats as topKAsync: do not resize or
   * detach the arrays while pending; rows written meanwhile may be read torn, so callers that
   * write concurrently must re-check (the engine does).
   */
  topKManyAsync(request: ManyRequest): Promise<void>;
  /**
   * topK over compact rows (f16 halves or int8 codes with per-row scales; see compact.ts): same
   * scan order, skip mask, tie rule and outputs, for a half or a quarter of the bytes read.
   * Returns the hit count.
   */
  topKCompact(request: CompactRequest): number;
}

/**
 * A compact scan (ScanKernel.topKCompact): topK's contract over compact rows — f16 halves, or
 * int8 codes with one float32 scale per row (see compact.ts).
 */
export interface CompactRequest {
  precision: 'f16' | 'int8';
  /** f16: a Uint16Array of halves; int8: an Int8Array of codes. rows × dim values. */
  rows: Uint16Array | Int8Array;
  /** int8: one scale per row; absent for f16. */
  scales?: Float32Array | undefined;
  dim: number;
  segments: Uint32Array;
  query: Float32Array;
  k: number;
  outIdx: Int32Array;
  outScores: Float32Array;
  skipMask?: Uint8Array | undefined;
}

/** What every scan of a slab names: the rows, which of them to look at, k and the outputs. */
export interface ScanRows {
  slab: Float32Array;
  dim: number;
  segments: Uint32Array;
  k: number;
  /** Row numbers of the hits, best first (nq × k for topKMany). */
  outIdx: Int32Array;
  outScores: Float32Array;
  skipMask?: Uint8Array | undefined;
}

/** One top-k scan (ScanKernel.topK): the rows and one query of `dim` finite values. */
export interface ScanRequest extends ScanRows {
  query: Float32Array;
}

/**
 * One many-queries scan. Per query the semantics are topK's (scan order, skip mask, tie rule,
 * NaN never a hit), with two additions:
 * - `from`/`to` (given together, nq entries each): query q sees only rows whose *scan position*
 *   p (index in the scan order of `segments`, skipped rows included) satisfies from[q] <= p <
 *   to[q]. The engine uses it to give each item of a batch the window as it is when that item
 *   arrives (rows evicted by earlier items of the batch are out of sight).
 * - `countAtLeast` with `outCounts`: outCounts[q] = rows query q sees whose score is >=
 *   Math.fround(countAtLeast) (the threshold is compared in float32, like the scores).
 *
 * A (row, query) pair's score depends only on the two vectors, within one backend: not on nq,
 * the other queries, nor where the row is stored. Native SIMD scores agree with the JS kernel
 * within rounding (the native scalar ISA bit for bit); per backend they are deterministic.
 */
export interface ManyRequest extends ScanRows {
  /** nq query rows of `dim` values, each finite (nq = queries.length / dim, at least 1). */
  queries: Float32Array;
  /** nq × k in outIdx/outScores: query q's hits, best first, at [q·k, q·k + outHits[q]). */
  outHits: Uint32Array;
  from?: Uint32Array | undefined;
  to?: Uint32Array | undefined;
  countAtLeast?: number | undefined;
  outCounts?: Uint32Array | undefined;
}

/**
 * One ingest call (ScanKernel.ingestRows), n = slots.length rows: row r of `src` times `scales[r]`
 * (rounded to float32) is written to slab row `slots[r]` and added to the float64 running `sum`
 * (dim values). `flags[r]` is INGEST_ADD, INGEST_REPLACE (the live row in that slot is subtracted
 * from the sum in the same pass) or INGEST_RESET (the sum is zeroed first: the window had emptied);
 * see ingest.ts. Rows run in order, each seeing the sum the previous one left; `out[2r]` and
 * `out[2r+1]` receive the dot product of row r with the sum before it joined, and that sum's
 * squared norm. Per element every backend does exactly what the JS reference (ingest.ts) does, so
 * slab and sum are bit-identical whichever ran; `out` differs by rounding only.
 */
export interface IngestRequest {
  slab: Float32Array;
  dim: number;
  src: Float32Array;
  scales: Float64Array;
  slots: Uint32Array;
  flags: Uint8Array;
  sum: Float64Array;
  out: Float64Array;
}

export type KernelBackend = 'native' | 'js';
export type KernelIsa = 'avx512f' | 'avx2-fma' | 'neon' | 'scalar' | 'js';

export interface KernelInfo {
  backend: KernelBackend;
  isa: KernelIsa;
  /** ISAs the native addon could run on this CPU (empty for the JS backend). */
  availableIsas: KernelIsa[];
  /** Why a preferred backend was not used; empty when everything loaded as wanted. */
  fallbackReasons: string[];
}

/** The largest k any backend accepts; the engine validates against it before calling. */
export const MAX_TOP_K = 10_000;
