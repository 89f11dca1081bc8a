import type { IngestRequest, ManyRequest, ScanRequest } from './types.js';

/**
 * The surface of native/build/Release/ringmem_kernel.node (see native/addon.cc): positional
 * arguments, as the binding reads them, with the ISA first. The kernel contract speaks request
 * objects (types.ts); `scanArgs`, `manyArgs` and `ingestArgs` are the one place that turns a
 * request into the addon's argument list.
 */

/** A scan's arguments after the rows and before the skip mask, in the addon's order. */
type ScanMiddle = [
  dim: number,
  segments: Uint32Array,
  query: Float32Array,
  k: number,
  outIdx: Int32Array,
  outScores: Float32Array,
];

/** A scan's arguments up to the skip mask, in the addon's order. */
type ScanHead = [slab: Float32Array, ...ScanMiddle];

/** topK's arguments after the ISA: a ScanRequest in the addon's order. */
export type AddonScanArgs = [...ScanHead, skipMask?: Uint8Array];

/** A many-queries scan's arguments, in the addon's order (see ManyRequest). */
export type AddonManyArgs = [
  slab: Float32Array,
  dim: number,
  segments: Uint32Array,
  queries: Float32Array,
  k: number,
  outIdx: Int32Array,
  outScores: Float32Array,
  outHits: Uint32Array,
  skipMask: Uint8Array | undefined,
  from: Uint32Array | undefined,
  to: Uint32Array | undefined,
  countAtLeast: number | undefined,
  outCounts: Uint32Array | undefined,
];

/**
 * What a worker of a scan shared by several pool threads adds: workers take chunks of
 * `chunkRows` rows of the scan order from `counter[0]` (shared, starting at 0), and each
 * returns its own top-k.
 */
type SharedTail = [counter: Int32Array, chunkRows: number];

export interface NativeAddon {
  /** Index = the small integer passed as `isa` to the scans. */
  readonly isaNames: readonly string[];
  /** ISAs this CPU and OS can run, best first. */
  availableIsas(): string[];
  topK(isa: number, ...args: AddonScanArgs): number;
  /** Always runs on the libuv thread pool; the wrapper decides when that is worth it. */
  topKAsync(isa: number, ...args: AddonScanArgs): Promise<number>;
  topKAsyncShared(
    isa: number,
    ...args: [...ScanHead, skipMask: Uint8Array | undefined, ...SharedTail]
  ): Promise<number>;
  topKMany(isa: number, ...args: AddonManyArgs): void;
  topKManyShared(isa: number, ...args: [...AddonManyArgs, ...SharedTail]): Promise<void>;
  /** See CompactRequest in compact.ts; precision 0 = f16, 1 = int8. */
  topKCompact(
    isa: number,
    precision: number,
    rows: Uint16Array | Int8Array,
    scales: Float32Array | undefined,
    ...args: [...ScanMiddle, skipMask: Uint8Array | undefined]
  ): number;
  /** Address of the buffer's data modulo 64 (for placing views on cache-line boundaries). */
  addressMod64(buffer: ArrayBuffer): number;
  /**
   * Advises transparent huge pages for the whole 2 MiB pages inside the range (Linux; elsewhere
   * false).
   */
  adviseHugePages(buffer: ArrayBuffer, byteOffset: number, byteLength: number): boolean;
  /** ingestRows for one row at an offset (bounds checked in the addon; the kernel uses ingestRows). */
  ingestRow(
    slab: Float32Array,
    rowOffset: number,
    src: Float32Array,
    srcOffset: number,
    scale: number,
    sum: Float64Array,
    replacing: boolean,
    out: Float64Array,
  ): void;
  ingestRows(...args: ReturnType<typeof ingestArgs>): void;
  rowSumSquares(src: Float32Array, dim: number, out: Float64Array): void;
  /** out[i] = float value of half src[i]; out.length ≥ src.length (F16C where the CPU has it). */
  decodeF16(src: Uint16Array, out: Float32Array): void;
}

/** A scan request as the addon's arguments after the ISA. */
export function scanArgs(req: ScanRequest): [...ScanHead, skipMask: Uint8Array | undefined] {
  const { slab, dim, segments, query, k, outIdx, outScores, skipMask } = req;
  return [slab, dim, segments, query, k, outIdx, outScores, skipMask];
}

/** A many-queries request as the addon's arguments, with the outputs given (a worker's own). */
export function manyArgs(
  req: ManyRequest,
  outIdx: Int32Array,
  outScores: Float32Array,
  outHits: Uint32Array,
  outCounts: Uint32Array | undefined,
): AddonManyArgs {
  const { slab, dim, segments, queries, k, skipMask, from, to, countAtLeast } = req;
  return [
    slab,
    dim,
    segments,
    queries,
    k,
    outIdx,
    outScores,
    outHits,
    skipMask,
    from,
    to,
    countAtLeast,
    outCounts,
  ];
}

/** An ingest request as the addon's arguments. */
export function ingestArgs(req: IngestRequest) {
  const { slab, dim, src, scales, slots, flags, sum, out } = req;
  return [slab, dim, src, scales, slots, flags, sum, out] as [
    slab: Float32Array,
    dim: number,
    src: Float32Array,
    scales: Float64Array,
    slots: Uint32Array,
    flags: Uint8Array,
    sum: Float64Array,
    out: Float64Array,
  ];
}
