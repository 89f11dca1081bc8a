import { availableParallelism } from 'node:os';
import { decodeF16Js, validateCompactRequest } from './compact.js';
import { argumentError, KernelError } from './errors.js';
import { ingestRowsJs, rowSumSquaresJs } from './ingest.js';
import { ingestArgs, manyArgs, type NativeAddon, scanArgs } from './native-addon.js';
import type {
  CompactRequest,
  IngestRequest,
  KernelInfo,
  KernelIsa,
  ManyRequest,
  ScanKernel,
  ScanRequest,
} from './types.js';
import { validateManyRequest, validateScanRequest } from './validate.js';

export type { NativeAddon } from './native-addon.js';

export type NativeIsa = Exclude<KernelIsa, 'js'>;

/**
 * Scans smaller than this many float32 values (rows scanned × dim) are answered synchronously by
 * topKAsync; larger ones go to the libuv thread pool.
 *
 * Measured with `npx tsx tools/bench-scan.ts --async-only` (the "Async threshold" table of
 * `npm run bench:scan`; AVX2, the shared 2-core AMD EPYC dev VM): the thread-pool round trip
 * (queue, wake a pool thread, run, wake the main thread, resolve) adds 115–240 µs to scans of
 * 16–4096 rows × 384 in three runs on 2026-11-22 (earlier runs on the same VM: 33–46 µs; waking
 * an idle vCPU is what varies). A scan of 4 M values (≈ 10k rows × 384) takes ≈ 0.4 ms from L3
 * and ≈ 0.9 ms from DRAM — two to eight times the hop — so from there on the event loop is freed
 * for longer than the hop costs; below it, handing off would add more latency than the blocking
 * it avoids (a 5k × 384 scan blocks for ≈ 0.15–0.2 ms).
 */
export const ASYNC_MIN_VALUES = 4_000_000;

/** ScanKernel backed by the native addon, pinned to one ISA for its lifetime. */
export class NativeKernel implements ScanKernel {
  readonly info: KernelInfo;
  private readonly isaId: number;
  /** The addon's ingest picks its ISA by CPU feature, not by `isa`: see the constructor. */
  private readonly jsIngest: boolean;

  constructor(
    private readonly addon: NativeAddon,
    isa: NativeIsa,
  ) {
    const available = addon.availableIsas() as KernelIsa[];
    if (!available.includes(isa)) {
      throw new KernelError(
        'ERR_KERNEL_ISA_UNAVAILABLE',
        `the native kernel cannot run ISA '${isa}' on this machine; available: ${available.join(', ')}`,
      );
    }
    this.isaId = addon.isaNames.indexOf(isa);
    // A kernel forced to the scalar ISA (parity tests) ingests with the JS reference, so that it
    // stays scalar throughout.
    this.jsIngest = isa === 'scalar';
    this.info = {
      backend: 'native',
      isa,
      availableIsas: available,
      fallbackReasons: [],
    };
  }

  ingestRows(req: IngestRequest): void {
    if (this.jsIngest) ingestRowsJs(req);
    else this.addon.ingestRows(...ingestArgs(req));
  }

  rowSumSquares(src: Float32Array, dim: number, out: Float64Array): void {
    if (this.jsIngest) rowSumSquaresJs(src, dim, out);
    else this.addon.rowSumSquares(src, dim, out);
  }

  decodeF16(src: Uint16Array, out: Float32Array): void {
    if (this.jsIngest) decodeF16Js(src, out);
    else this.addon.decodeF16(src, out);
  }

  topK(req: ScanRequest): number {
    validateScanRequest(req);
    return this.addon.topK(this.isaId, ...scanArgs(req));
  }

  topKMany(req: ManyRequest): void {
    validateManyRequest(req);
    this.addon.topKMany(
      this.isaId,
      ...manyArgs(req, req.outIdx, req.outScores, req.outHits, req.outCounts),
    );
  }

  /**
   * Below ASYNC_MIN_VALUES of work (rows × nq × dim) this is topKMany; above, one pool thread per
   * core takes chunks of rows from a common counter, each with its own heaps and counts, and the
   * lists merge per query (mergeParts): exactly topKMany's result, since a pair's score does not
   * depend on the thread that computed it.
   */
  async topKManyAsync(req: ManyRequest): Promise<void> {
    const nq = validateManyRequest(req);
    const rows = segmentRows(req.segments);
    const workers = Math.min(ASYNC_THREADS, Math.max(1, Math.floor(rows / 64)));
    if (rows * nq * req.dim < ASYNC_MIN_VALUES || workers < 2) {
      this.topKMany(req);
      return;
    }
    const { k } = req;
    const counter = new Int32Array(1);
    const parts = Array.from({ length: workers }, () => ({
      idx: new Int32Array(nq * k),
      scores: new Float32Array(nq * k),
      hits: new Uint32Array(nq),
      counts: req.outCounts === undefined ? undefined : new Uint32Array(nq),
    }));
    // Chunks small enough that a thread on a busy core just takes fewer of them.
    const chunkRows = Math.max(64, Math.ceil(rows / (workers * 8)));
    await Promise.all(
      parts.map((o) =>
        this.addon.topKManyShared(
          this.isaId,
          ...manyArgs(req, o.idx, o.scores, o.hits, o.counts),
          counter,
          chunkRows,
        ),
      ),
    );
    for (let q = 0; q < nq; q++) {
      req.outHits[q] = mergeParts(req.segments, k, q * k, parts, req.outIdx, req.outScores);
      if (req.outCounts !== undefined) {
        let c = 0;
        for (const o of parts) c += o.counts![q]!;
        req.outCounts[q] = c;
      }
    }
  }

  topKCompact(req: CompactRequest): number {
    validateCompactRequest(req);
    return this.addon.topKCompact(
      this.isaId,
      req.precision === 'f16' ? 0 : 1,
      req.rows,
      req.scales,
      req.dim,
      req.segments,
      req.query,
      req.k,
      req.outIdx,
      req.outScores,
      req.skipMask,
    );
  }

  /**
   * Small scans are answered synchronously (the pool hop would cost more than it frees, see
   * ASYNC_MIN_VALUES), large ones on the pool: shared by several threads when the scan is large
   * enough for each (asyncParts), else on one.
   */
  topKAsync(req: ScanRequest): Promise<number> {
    try {
      const values = validateScanRequest(req) * req.dim;
      if (values < ASYNC_MIN_VALUES) {
        return Promise.resolve(this.addon.topK(this.isaId, ...scanArgs(req)));
      }
      const workers = asyncParts(values);
      if (workers === 1) return this.addon.topKAsync(this.isaId, ...scanArgs(req));
      return sharedTopK(
        this.addon,
        this.isaId,
        workers,
        Math.ceil(SHARED_CHUNK_VALUES / req.dim),
        req,
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

/**
 * One scan shared by `workers` pool threads that take chunks of `chunkRows` rows of the scan
 * order from a common counter (work stealing: a thread that lands on a busy core just takes
 * fewer chunks). The result is exactly the single scan's: a row's score does not depend on the
 * thread that scored it, every row of the true top-k is in its own thread's top-k, and the merge
 * orders by score, then by scan position (the tie rule). The request must be validated.
 */
export async function sharedTopK(
  addon: NativeAddon,
  isaId: number,
  workers: number,
  chunkRows: number,
  req: ScanRequest,
): Promise<number> {
  const { k } = req;
  const counter = new Int32Array(1);
  const parts = Array.from({ length: workers }, () => ({
    idx: new Int32Array(k),
    scores: new Float32Array(k),
    hits: new Uint32Array(1),
  }));
  await Promise.all(
    parts.map(async (part) => {
      const own = { ...req, outIdx: part.idx, outScores: part.scores };
      part.hits[0] = await addon.topKAsyncShared(isaId, ...scanArgs(own), counter, chunkRows);
    }),
  );
  return mergeParts(req.segments, k, 0, parts, req.outIdx, req.outScores);
}

/**
 * Merges the per-thread top-k lists of one query (query q's lists start at `base` = q·k, their
 * lengths in hits[q]) into the outputs at `base`: by score, then by scan position (the tie rule).
 * Returns the hit count.
 */
function mergeParts(
  segments: Uint32Array,
  k: number,
  base: number,
  parts: readonly { idx: Int32Array; scores: Float32Array; hits: Uint32Array }[],
  outIdx: Int32Array,
  outScores: Float32Array,
): number {
  const q = base / k;
  const hits: { score: number; row: number; position: number }[] = [];
  for (const part of parts) {
    for (let i = 0; i < part.hits[q]!; i++) {
      const row = part.idx[base + i]!;
      hits.push({ score: part.scores[base + i]!, row, position: scanPosition(segments, row) });
    }
  }
  hits.sort((a, b) => b.score - a.score || a.position - b.position);
  const n = Math.min(k, hits.length);
  for (let i = 0; i < n; i++) {
    outIdx[base + i] = hits[i]!.row;
    outScores[base + i] = hits[i]!.score;
  }
  return n;
}

function segmentRows(segments: Uint32Array): number {
  let rows = 0;
  for (let s = 0; s + 1 < segments.length; s += 2) rows += segments[s + 1]! - segments[s]!;
  return rows;
}

/** Cores this process may use, capped by libuv's pool size (read once: libuv reads it once). */
const ASYNC_THREADS = (() => {
  const poolSize = Number.parseInt(process.env.UV_THREADPOOL_SIZE ?? '', 10);
  const pool = Number.isInteger(poolSize) && poolSize > 0 ? poolSize : 4;
  return Math.min(availableParallelism(), pool);
})();

/**
 * How many pool threads share an async scan of `values` float32 values: one per core the process
 * may use, at most libuv's pool size (other async work shares it), and none with less than
 * ASYNC_MIN_VALUES / 2 to itself. Why: one core cannot pull a DRAM-resident slab as fast as two.
 * Measured with `npx tsx tools/bench-scan.ts --async-only` (column "engine path" of the
 * "Async threshold" table) on the 2-core dev VM, three runs at load 1.1–1.3: 16k × 384 rows
 * 1.43–1.87 ms shared vs 1.72–2.14 ms on one pool thread, 65k rows 4.6–5.8 vs 6.3–7.3 ms.
 */
export function asyncParts(values: number): number {
  return Math.max(1, Math.min(ASYNC_THREADS, Math.floor(values / (ASYNC_MIN_VALUES / 2))));
}

/** Rows per chunk of a shared scan, times dim: 1 MiB of float32, 683 rows of 384. */
export const SHARED_CHUNK_VALUES = 262_144;

/** Where `row` comes in the scan order of `segments` (it must lie in one of them). */
function scanPosition(segments: Uint32Array, row: number): number {
  let position = 0;
  for (let s = 0; s < segments.length; s += 2) {
    const start = segments[s]!;
    const end = segments[s + 1]!;
    if (row >= start && row < end) return position + (row - start);
    position += end - start;
  }
  throw argumentError(`row ${row} is in no scanned segment`);
}
