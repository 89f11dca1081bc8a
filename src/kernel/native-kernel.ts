import { availableParallelism } from 'node:os';
import { KernelError } from './errors.js';
import type { KernelInfo, KernelIsa, RowIngest, RowsIngest, ScanKernel } from './types.js';
import { validateTopKArgs } from './validate.js';

/** The surface of native/build/Release/ringmem_kernel.node (see native/addon.cc). */
export interface NativeAddon {
  /** Index = the small integer passed as `isa` to topK/topKAsync. */
  readonly isaNames: readonly string[];
  readonly maxTopK: number;
  /** ISAs this CPU and OS can run, best first. */
  availableIsas(): string[];
  topK(
    isa: number,
    slab: Float32Array,
    dim: number,
    segments: Uint32Array,
    query: Float32Array,
    k: number,
    outIdx: Int32Array,
    outScores: Float32Array,
    skipMask?: Uint8Array,
  ): number;
  /** Always runs on the libuv thread pool; the wrapper decides when that is worth it. */
  topKAsync(
    isa: number,
    slab: Float32Array,
    dim: number,
    segments: Uint32Array,
    query: Float32Array,
    k: number,
    outIdx: Int32Array,
    outScores: Float32Array,
    skipMask?: Uint8Array,
  ): Promise<number>;
  /** Address of the buffer's data modulo 64 (for placing views on cache-line boundaries). */
  addressMod64(buffer: ArrayBuffer): number;
  /**
   * Advises transparent huge pages for the whole 2 MiB pages inside the range (Linux; elsewhere
   * false). Absent from addons built before it existed.
   */
  adviseHugePages?: (buffer: ArrayBuffer, byteOffset: number, byteLength: number) => boolean;
  /** See RowIngest in types.ts; absent from addons built before it existed. */
  ingestRow?: RowIngest;
  rowSumSquares?: (src: Float32Array, dim: number, out: Float64Array) => void;
  ingestRows?: RowsIngest;
}

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
  readonly ingestRow: RowIngest | undefined;
  readonly ingestRows: RowsIngest | undefined;
  readonly rowSumSquares: ((src: Float32Array, dim: number, out: Float64Array) => void) | undefined;
  private readonly isaId: number;

  constructor(
    private readonly addon: NativeAddon,
    isa: NativeIsa,
    fallbackReasons: readonly string[] = [],
  ) {
    const available = addon.availableIsas() as KernelIsa[];
    if (!available.includes(isa)) {
      throw new KernelError(
        'ERR_KERNEL_ISA_UNAVAILABLE',
        `the native kernel cannot run ISA '${isa}' on this machine; available: ${available.join(', ')}`,
      );
    }
    this.isaId = addon.isaNames.indexOf(isa);
    // Forced to the scalar ISA (parity tests), the engine keeps its JS ingest path too.
    this.ingestRow = isa === 'scalar' ? undefined : addon.ingestRow?.bind(addon);
    this.rowSumSquares = isa === 'scalar' ? undefined : addon.rowSumSquares?.bind(addon);
    this.ingestRows = isa === 'scalar' ? undefined : addon.ingestRows?.bind(addon);
    this.info = {
      backend: 'native',
      isa,
      availableIsas: available,
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
    return this.addon.topK(this.isaId, slab, dim, segments, query, k, outIdx, outScores, skipMask);
  }

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
      const rows = validateTopKArgs(slab, dim, segments, query, k, outIdx, outScores, skipMask);
      if (rows * dim < ASYNC_MIN_VALUES) {
        return Promise.resolve(
          this.addon.topK(this.isaId, slab, dim, segments, query, k, outIdx, outScores, skipMask),
        );
      }
      const parts = asyncParts(rows * dim);
      if (parts === 1) {
        return this.addon.topKAsync(
          this.isaId,
          slab,
          dim,
          segments,
          query,
          k,
          outIdx,
          outScores,
          skipMask,
        );
      }
      return this.topKInParts(
        splitSegments(segments, rows, parts),
        slab,
        dim,
        query,
        k,
        outIdx,
        outScores,
        skipMask,
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Scans consecutive parts of the scan order on separate thread-pool threads at once, then
   * merges. The result is exactly the single scan's: a row's score does not depend on which
   * part scored it, every row of the true top-k is in its own part's top-k, and the merge keeps
   * the tie rule (equal scores: the earlier part, i.e. the earlier scan position, first).
   * topKAsync calls it for large scans; tests call it with a chosen split. Arguments as
   * topKAsync, already validated, with `parts` the output of splitSegments.
   */
  async topKInParts(
    parts: Uint32Array[],
    slab: Float32Array,
    dim: number,
    query: Float32Array,
    k: number,
    outIdx: Int32Array,
    outScores: Float32Array,
    skipMask: Uint8Array | undefined,
  ): Promise<number> {
    const idx = parts.map(() => new Int32Array(k));
    const scores = parts.map(() => new Float32Array(k));
    const counts = await Promise.all(
      parts.map((segments, p) =>
        this.addon.topKAsync(
          this.isaId,
          slab,
          dim,
          segments,
          query,
          k,
          idx[p]!,
          scores[p]!,
          skipMask,
        ),
      ),
    );
    const next = new Array<number>(parts.length).fill(0);
    let n = 0;
    while (n < k) {
      let best = -1;
      for (let p = 0; p < parts.length; p++) {
        if (next[p]! >= counts[p]!) continue;
        // Strictly greater: on a tie the earlier part (earlier in scan order) wins.
        if (best < 0 || scores[p]![next[p]!]! > scores[best]![next[best]!]!) best = p;
      }
      if (best < 0) break;
      outIdx[n] = idx[best]![next[best]!]!;
      outScores[n] = scores[best]![next[best]!]!;
      next[best]!++;
      n++;
    }
    return n;
  }
}

/**
 * How many thread-pool tasks an async scan of `values` float32 values is split into: one per
 * core the process may use, at most libuv's pool size (other async work shares it), and no part
 * below ASYNC_MIN_VALUES / 2. Why: one core cannot pull a DRAM-resident slab at the speed two
 * can. Measured by the "Async threshold" table of `npm run bench:scan` (column "split"), and in
 * C on the 2-core dev VM (two std::threads, start-up included): 20k × 384 2.06 → 1.47 ms,
 * 100k × 384 8.7 → 6.3 ms.
 */
export function asyncParts(values: number): number {
  const poolSize = Number.parseInt(process.env.UV_THREADPOOL_SIZE ?? '', 10);
  const pool = Number.isInteger(poolSize) && poolSize > 0 ? poolSize : 4;
  const cores = availableParallelism();
  const bySize = Math.floor(values / (ASYNC_MIN_VALUES / 2));
  return Math.max(1, Math.min(cores, pool, bySize));
}

/**
 * Cuts a scan's segments ([start, end) row pairs, in scan order, `rows` rows in all) into `parts`
 * consecutive pieces of nearly equal row counts; concatenated, the pieces are the original scan.
 */
export function splitSegments(segments: Uint32Array, rows: number, parts: number): Uint32Array[] {
  const out: Uint32Array[] = [];
  let current: number[] = [];
  let pos = 0; // rows of the scan order handed out so far
  let cut = Math.floor(rows / parts); // where the current part ends
  for (let s = 0; s < segments.length; s += 2) {
    let start = segments[s]!;
    const end = segments[s + 1]!;
    while (start < end) {
      const last = out.length === parts - 1;
      const take = last ? end - start : Math.min(end - start, cut - pos);
      if (take > 0) {
        current.push(start, start + take);
        start += take;
        pos += take;
      }
      if (!last && pos === cut) {
        out.push(Uint32Array.from(current));
        current = [];
        cut = Math.floor(((out.length + 1) * rows) / parts);
      }
    }
  }
  out.push(Uint32Array.from(current));
  while (out.length < parts) out.push(new Uint32Array(0));
  return out;
}
