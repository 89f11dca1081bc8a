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
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
