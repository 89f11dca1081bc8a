// Over 400 lines on purpose: the storage contract and its two layouts (F32Rows, CompactRows for
// f16 and int8) stay side by side, because each read, scan and write must mean the same thing in
// every layout and is checked against the others here; splitting them would scatter that contract.
import { alignedFloat32Array } from '../kernel/aligned.js';
import { floatToHalf, halfTableF32, type Precision } from '../kernel/compact.js';
import { INGEST_REPLACE, INGEST_RESET } from '../kernel/ingest.js';
import {
  type IngestRequest,
  MAX_TOP_K,
  type ManyRequest,
  type ScanKernel,
  type ScanRequest,
} from '../kernel/types.js';

/**
 * How a ring stores its rows, at one precision. Ring (ring.ts) delegates its "vector storage"
 * methods here, so nothing else knows the layout:
 *
 * - f32: one float32 slab (the kernel's own layout; every read exact).
 * - f16: IEEE halves only (2 bytes a value). Every read decodes the stored half, which is exact, so
 *   the running centroid, rerank, drift, loops, exports and scans all see the same stored values.
 *   Scans run the compact kernel (half the bytes of f32).
 * - int8: int8 codes with one float32 scale per row (1 byte a value + 4 a row) for the scan, plus
 *   the f16 copy for everything else. A top-k scan reads the codes for the best
 *   `int8Candidates(k)` rows, then rescores those from the f16 copy and keeps the best k (so its
 *   scores and, in practice, its top-k are f16's); the scan reads a quarter of the f32 bytes plus
 *   a few hundred f16 rows. The second copy costs memory: 3·dim + 4 bytes a row against f32's 4·dim.
 *
 * Many-queries scans (anomaly scoring of a batch) have no compact kernel: the compact stores decode
 * the window to float32 in chunks of about 4 MB (ScanKernel.decodeF16: F16C in the addon, which made
 * a scored batch as fast as f32's; the JS lookup cost ~160 ms per pass over 100k rows) and run the
 * float32 many-queries kernel on each, merging per query (scan order and the tie rule kept), so a
 * batch sees exactly the stored values.
 */
export interface VectorRows {
  readonly precision: Precision;
  /** Bytes one stored row takes (vector storage only). */
  readonly rowBytes: number;
  /** The row in `slot` as float32: a view (f32) or a decoded copy in `out` or a scratch buffer. */
  row(slot: number, out?: Float32Array): Float32Array;
  dotRow(slot: number, q: Float32Array): number;
  dotRows(a: number, b: number): number;
  addRowInto(slot: number, acc: Float64Array): void;
  subtractRowFrom(slot: number, acc: Float64Array): void;
  writeRows(rows: RowsIngest): void;
  scan(scan: RowScan): number;
  scanAsync(scan: RowScan): Promise<number>;
  scanMany(scan: Omit<ManyRequest, 'slab' | 'dim'>): void;
  scanManyAsync(scan: Omit<ManyRequest, 'slab' | 'dim'>): Promise<void>;
  /** `units` as they will read back once stored (the same array at f32). */
  storedForm(units: Float32Array): Float32Array;
  /** Resizes to `rows`, copying the runs [from, to, n] (slot ranges) into the new storage. */
  resize(rows: number, runs: readonly (readonly [number, number, number])[]): void;
}

/** One top-k scan of the stored rows: the kernel's request minus the storage. */
export type RowScan = Omit<ScanRequest, 'slab' | 'dim'>;

/** Rows to store (the kernel's ingest request minus the storage). */
export type RowsIngest = Omit<IngestRequest, 'slab' | 'dim'>;

/** Bytes one row's vector takes at a precision (int8: codes, scale and the f16 copy). */
export function storedRowBytes(precision: Precision, dim: number): number {
  if (precision === 'f32') return 4 * dim;
  if (precision === 'f16') return 2 * dim;
  return dim + 4 + 2 * dim;
}

/** Candidates an int8 scan takes from the codes before rescoring them from the f16 copy. */
export function int8Candidates(k: number): number {
  return Math.min(MAX_TOP_K, Math.max(4 * k, k + 64));
}

/** `manyChunkValues`: values decoded per chunk of a many-queries scan (tests make it small). */
export function createVectorRows(
  precision: Precision,
  dim: number,
  rows: number,
  kernel: ScanKernel,
  manyChunkValues = MANY_CHUNK_VALUES,
): VectorRows {
  return precision === 'f32'
    ? new F32Rows(dim, rows, kernel)
    : new CompactRows(precision, dim, rows, kernel, manyChunkValues);
}

class F32Rows implements VectorRows {
  readonly precision = 'f32' as const;
  readonly rowBytes: number;
  private slab: Float32Array;

  constructor(
    private readonly dim: number,
    rows: number,
    private readonly kernel: ScanKernel,
  ) {
    this.rowBytes = 4 * dim;
    this.slab = alignedFloat32Array(rows * dim);
  }

  row(slot: number, out?: Float32Array): Float32Array {
    const view = this.slab.subarray(slot * this.dim, (slot + 1) * this.dim);
    if (out === undefined) return view;
    out.set(view);
    return out;
  }

  dotRow(slot: number, q: Float32Array): number {
    const slab = this.slab;
    const base = slot * this.dim;
    let sum = 0;
    for (let i = 0; i < this.dim; i++) sum += (slab[base + i] as number) * (q[i] as number);
    return sum;
  }

  dotRows(a: number, b: number): number {
    const slab = this.slab;
    const dim = this.dim;
    const ba = a * dim;
    const bb = b * dim;
    let dot = 0;
    for (let i = 0; i < dim; i++) dot += (slab[ba + i] as number) * (slab[bb + i] as number);
    return dot;
  }

  addRowInto(slot: number, acc: Float64Array): void {
    const slab = this.slab;
    const base = slot * this.dim;
    for (let i = 0; i < this.dim; i++) acc[i] = (acc[i] as number) + (slab[base + i] as number);
  }

  subtractRowFrom(slot: number, acc: Float64Array): void {
    const slab = this.slab;
    const base = slot * this.dim;
    for (let i = 0; i < this.dim; i++) acc[i] = (acc[i] as number) - (slab[base + i] as number);
  }

  writeRows(rows: RowsIngest): void {
    this.kernel.ingestRows({ ...rows, slab: this.slab, dim: this.dim });
  }

  scan(s: RowScan): number {
    return this.kernel.topK({ ...s, slab: this.slab, dim: this.dim });
  }

  scanAsync(s: RowScan): Promise<number> {
    return this.kernel.topKAsync({ ...s, slab: this.slab, dim: this.dim });
  }

  scanMany(scan: Omit<ManyRequest, 'slab' | 'dim'>): void {
    this.kernel.topKMany({ ...scan, slab: this.slab, dim: this.dim });
  }

  scanManyAsync(scan: Omit<ManyRequest, 'slab' | 'dim'>): Promise<void> {
    return this.kernel.topKManyAsync({ ...scan, slab: this.slab, dim: this.dim });
  }

  storedForm(units: Float32Array): Float32Array {
    return units;
  }

  resize(rows: number, runs: readonly (readonly [number, number, number])[]): void {
    const dim = this.dim;
    const slab = alignedFloat32Array(rows * dim);
    for (const [from, to, n] of runs) {
      if (n > 0) slab.set(this.slab.subarray(from * dim, (from + n) * dim), to * dim);
    }
    this.slab = slab;
  }
}

/** Values (rows × dim) a many-queries scan decodes at a time: 4 MB of float32. */
const MANY_CHUNK_VALUES = 1 << 20;

class CompactRows implements VectorRows {
  readonly rowBytes: number;
  private halves: Uint16Array;
  /** int8 only: codes and per-row scales (empty at f16). */
  private codes: Int8Array;
  private scales: Float32Array;
  private readonly table = halfTableF32();
  private readonly scratch: Float32Array;

  constructor(
    readonly precision: 'f16' | 'int8',
    private readonly dim: number,
    rows: number,
    private readonly kernel: ScanKernel,
    private readonly manyChunkValues: number,
  ) {
    this.rowBytes = storedRowBytes(precision, dim);
    this.scratch = new Float32Array(dim);
    this.halves = new Uint16Array(rows * dim);
    const int8 = precision === 'int8';
    this.codes = new Int8Array(int8 ? rows * dim : 0);
    this.scales = new Float32Array(int8 ? rows : 0);
  }

  row(slot: number, out: Float32Array = this.scratch): Float32Array {
    const { halves, table, dim } = this;
    const base = slot * dim;
    for (let i = 0; i < dim; i++) out[i] = table[halves[base + i] as number] as number;
    return out;
  }

  dotRow(slot: number, q: Float32Array): number {
    const { halves, table, dim } = this;
    const base = slot * dim;
    let sum = 0;
    for (let i = 0; i < dim; i++) sum += (table[halves[base + i] as number] as number) * q[i]!;
    return sum;
  }

  dotRows(a: number, b: number): number {
    const { halves, table, dim } = this;
    const ba = a * dim;
    const bb = b * dim;
    let dot = 0;
    for (let i = 0; i < dim; i++) {
      dot +=
        (table[halves[ba + i] as number] as number) * (table[halves[bb + i] as number] as number);
    }
    return dot;
  }

  addRowInto(slot: number, acc: Float64Array): void {
    const { halves, table, dim } = this;
    const base = slot * dim;
    for (let i = 0; i < dim; i++) acc[i] = acc[i]! + (table[halves[base + i] as number] as number);
  }

  subtractRowFrom(slot: number, acc: Float64Array): void {
    const { halves, table, dim } = this;
    const base = slot * dim;
    for (let i = 0; i < dim; i++) acc[i] = acc[i]! - (table[halves[base + i] as number] as number);
  }

  /**
   * The f32 ingest's contract (IngestRequest) with the stored values: each value is rounded to
   * float32 as there, then to a half; the half's exact value is what the sum gains (and what a
   * replaced row gives back), so the running centroid stays the sum of what the ring reads back.
   */
  writeRows({ src, scales, slots, flags, sum, out }: RowsIngest): void {
    const { halves, table, dim } = this;
    const rows = halves.length / dim;
    const n = slots.length;
    if (sum.length !== dim || src.length < n * dim || scales.length < n || out.length < 2 * n) {
      throw new RangeError('writeRows: src, scales, sum and out must cover every row');
    }
    for (let r = 0; r < n; r++) {
      const slot = slots[r]!;
      if (slot >= rows) throw new RangeError('writeRows: a slot lies outside the ring');
      const flag = flags[r]!;
      if (flag === INGEST_RESET) sum.fill(0);
      const replacing = flag === INGEST_REPLACE;
      const base = slot * dim;
      const from = r * dim;
      const scale = scales[r]!;
      let dot = 0;
      let sumSq = 0;
      for (let i = 0; i < dim; i++) {
        const h = floatToHalf(Math.fround(src[from + i]! * scale));
        const v = table[h] as number;
        const s = replacing ? sum[i]! - (table[halves[base + i] as number] as number) : sum[i]!;
        dot += s * v;
        sumSq += s * s;
        sum[i] = s + v;
        halves[base + i] = h;
      }
      out[2 * r] = dot;
      out[2 * r + 1] = sumSq;
      if (this.precision === 'int8') this.encodeCodes(slot);
    }
  }

  /** int8 codes of the stored f16 row (so a restore, which re-encodes read-back rows, is exact). */
  private encodeCodes(slot: number): void {
    const { halves, table, dim, codes } = this;
    const base = slot * dim;
    let m = 0;
    for (let i = 0; i < dim; i++) m = Math.max(m, Math.abs(table[halves[base + i] as number]!));
    const scale = Math.fround(m / 127);
    this.scales[slot] = scale;
    for (let i = 0; i < dim; i++) {
      const v = table[halves[base + i] as number] as number;
      codes[base + i] = scale > 0 ? Math.max(-127, Math.min(127, Math.round(v / scale))) : 0;
    }
  }

  scan(s: RowScan): number {
    if (this.precision === 'f16') {
      return this.kernel.topKCompact({
        precision: 'f16',
        rows: this.halves,
        dim: this.dim,
        segments: s.segments,
        query: s.query,
        k: s.k,
        outIdx: s.outIdx,
        outScores: s.outScores,
        skipMask: s.skipMask,
      });
    }
    return this.scanInt8(s);
  }

  /** Candidates from the int8 codes, rescored from the f16 copy; best k by (score, scan order). */
  private scanInt8(s: RowScan): number {
    const wide = int8Candidates(s.k);
    const idx = new Int32Array(wide);
    const scores = new Float32Array(wide);
    const found = this.kernel.topKCompact({
      precision: 'int8',
      rows: this.codes,
      scales: this.scales,
      dim: this.dim,
      segments: s.segments,
      query: s.query,
      k: wide,
      outIdx: idx,
      outScores: scores,
      skipMask: s.skipMask,
    });
    const order = new Float64Array(found);
    const pick = new Array<number>(found);
    for (let i = 0; i < found; i++) {
      scores[i] = Math.fround(this.dotRow(idx[i]!, s.query));
      order[i] = scanRank(s.segments, idx[i]!);
      pick[i] = i;
    }
    pick.sort((a, b) => scores[b]! - scores[a]! || order[a]! - order[b]!);
    const hits = Math.min(s.k, found);
    for (let i = 0; i < hits; i++) {
      s.outIdx[i] = idx[pick[i]!]!;
      s.outScores[i] = scores[pick[i]!]!;
    }
    return hits;
  }

  /** There is no async compact kernel: the scan runs here, before the promise settles. */
  scanAsync(s: RowScan): Promise<number> {
    try {
      return Promise.resolve(this.scan(s));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The float32 many-queries kernel over the decoded rows, a chunk at a time (see the class
   * comment). Scan positions, `from`/`to`, the skip mask and counts are carried into each chunk;
   * per query the chunk's best-first hits merge into the running ones, earlier rows winning ties.
   */
  scanMany(scan: Omit<ManyRequest, 'slab' | 'dim'>): void {
    const dim = this.dim;
    const nq = Math.floor(scan.queries.length / dim);
    const k = scan.k;
    const chunkRows = Math.max(1, Math.floor(this.manyChunkValues / dim));
    const slab = new Float32Array(chunkRows * dim);
    const cIdx = new Int32Array(nq * k);
    const cScores = new Float32Array(nq * k);
    const cHits = new Uint32Array(nq);
    const cCounts = scan.outCounts ? new Uint32Array(nq) : undefined;
    const cFrom = scan.from ? new Uint32Array(nq) : undefined;
    const cTo = scan.to ? new Uint32Array(nq) : undefined;
    const cMask = scan.skipMask ? new Uint8Array(chunkRows) : undefined;
    const mergedIdx = new Int32Array(k);
    const mergedScores = new Float32Array(k);
    scan.outHits.fill(0, 0, nq);
    scan.outCounts?.fill(0, 0, nq);
    const segments = Uint32Array.of(0, 0);
    let position = 0;
    for (let s = 0; s + 1 < scan.segments.length; s += 2) {
      const end = scan.segments[s + 1]!;
      for (let start = scan.segments[s]!; start < end; start += chunkRows) {
        const n = Math.min(chunkRows, end - start);
        this.kernel.decodeF16(this.halves.subarray(start * dim, (start + n) * dim), slab);
        segments[1] = n;
        if (cMask) cMask.set(scan.skipMask!.subarray(start, start + n));
        if (cFrom && cTo) {
          for (let q = 0; q < nq; q++) {
            const to = Math.max(0, Math.min(n, scan.to![q]! - position));
            cTo[q] = to;
            cFrom[q] = Math.min(to, Math.max(0, scan.from![q]! - position));
          }
        }
        this.kernel.topKMany({
          slab: slab.subarray(0, n * dim),
          dim,
          segments,
          queries: scan.queries,
          k,
          outIdx: cIdx,
          outScores: cScores,
          outHits: cHits,
          skipMask: cMask?.subarray(0, n),
          from: cFrom,
          to: cTo,
          countAtLeast: scan.countAtLeast,
          outCounts: cCounts,
        });
        for (let q = 0; q < nq; q++) {
          const base = q * k;
          const na = scan.outHits[q]!;
          const nb = cHits[q]!;
          let a = 0;
          let b = 0;
          let m = 0;
          while (m < k && (a < na || b < nb)) {
            if (b >= nb || (a < na && scan.outScores[base + a]! >= cScores[base + b]!)) {
              mergedIdx[m] = scan.outIdx[base + a]!;
              mergedScores[m] = scan.outScores[base + a]!;
              a++;
            } else {
              mergedIdx[m] = cIdx[base + b]! + start;
              mergedScores[m] = cScores[base + b]!;
              b++;
            }
            m++;
          }
          scan.outIdx.set(mergedIdx.subarray(0, m), base);
          scan.outScores.set(mergedScores.subarray(0, m), base);
          scan.outHits[q] = m;
          if (cCounts) scan.outCounts![q] = scan.outCounts![q]! + cCounts[q]!;
        }
        position += n;
      }
    }
  }

  scanManyAsync(scan: Omit<ManyRequest, 'slab' | 'dim'>): Promise<void> {
    try {
      this.scanMany(scan);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  storedForm(units: Float32Array): Float32Array {
    const out = new Float32Array(units.length);
    const table = this.table;
    for (let i = 0; i < units.length; i++) out[i] = table[floatToHalf(units[i]!)] as number;
    return out;
  }

  resize(rows: number, runs: readonly (readonly [number, number, number])[]): void {
    const dim = this.dim;
    const halves = new Uint16Array(rows * dim);
    const int8 = this.precision === 'int8';
    const codes = new Int8Array(int8 ? rows * dim : 0);
    const scales = new Float32Array(int8 ? rows : 0);
    for (const [from, to, n] of runs) {
      if (n === 0) continue;
      halves.set(this.halves.subarray(from * dim, (from + n) * dim), to * dim);
      if (int8) {
        codes.set(this.codes.subarray(from * dim, (from + n) * dim), to * dim);
        scales.set(this.scales.subarray(from, from + n), to);
      }
    }
    this.halves = halves;
    this.codes = codes;
    this.scales = scales;
  }
}

/** Index of `slot` in the scan order of `segments` (the tie rule's order). */
function scanRank(segments: Uint32Array, slot: number): number {
  let before = 0;
  for (let s = 0; s + 1 < segments.length; s += 2) {
    const start = segments[s]!;
    const end = segments[s + 1]!;
    if (slot >= start && slot < end) return before + slot - start;
    before += end - start;
  }
  return before;
}
