import { argumentError } from './errors.js';
import type { IngestRequest } from './types.js';

/**
 * The row ingest in plain JS — what the JS kernel runs and the native ingest must match: per
 * element, v = fround(src × scale) is written to the slab and added to the float64 running sum
 * (after subtracting the row it replaces), while the dot product of the sum-before with v and the
 * sum's squared norm are accumulated in index order. The native routines do the same per-element
 * arithmetic (so slab and sum agree bit for bit) and may accumulate dot and norm in another order
 * (so those agree within rounding).
 */

/** Per-row action of an ingestRows call (see IngestRequest in types.ts): add the row. */
export const INGEST_ADD = 0;
/** The row overwrites a live row: subtract it from the sum in the same pass. */
export const INGEST_REPLACE = 1;
/** The window had emptied: zero the sum first, then add. */
export const INGEST_RESET = 2;
export type IngestFlag = typeof INGEST_ADD | typeof INGEST_REPLACE | typeof INGEST_RESET;

/** ScanKernel.ingestRows in plain JS (see IngestRequest). */
export function ingestRowsJs(req: IngestRequest): void {
  validateIngestRequest(req);
  const { slab, dim, src, scales, slots, flags, sum, out } = req;
  for (let r = 0; r < slots.length; r++) {
    const flag = flags[r] as number;
    if (flag === INGEST_RESET) sum.fill(0);
    const row = (slots[r] as number) * dim;
    ingestOne(
      slab,
      row,
      src,
      r * dim,
      scales[r] as number,
      sum,
      flag === INGEST_REPLACE,
      out,
      2 * r,
    );
  }
}

/** out[r] = squared norm of row r of `src` (float64, in index order), for every whole row. */
export function rowSumSquaresJs(src: Float32Array, dim: number, out: Float64Array): void {
  if (!Number.isInteger(dim) || dim < 1)
    throw argumentError(`dim must be an integer ≥ 1, got ${dim}`);
  const rows = Math.floor(src.length / dim);
  if (out.length < rows) throw argumentError('rowSumSquares: out needs one element per row');
  for (let r = 0; r < rows; r++) {
    const base = r * dim;
    let sumSq = 0;
    for (let i = 0; i < dim; i++) {
      const v = src[base + i] as number;
      sumSq += v * v;
    }
    out[r] = sumSq;
  }
}

function ingestOne(
  slab: Float32Array,
  rowOffset: number,
  src: Float32Array,
  srcOffset: number,
  scale: number,
  sum: Float64Array,
  replacing: boolean,
  out: Float64Array,
  at: number,
): void {
  const dim = sum.length;
  let dot = 0;
  let sumSq = 0;
  if (replacing) {
    for (let i = 0; i < dim; i++) {
      const v = Math.fround((src[srcOffset + i] as number) * scale);
      const s = (sum[i] as number) - (slab[rowOffset + i] as number);
      dot += s * v;
      sumSq += s * s;
      sum[i] = s + v;
      slab[rowOffset + i] = v;
    }
  } else {
    for (let i = 0; i < dim; i++) {
      const v = Math.fround((src[srcOffset + i] as number) * scale);
      const s = sum[i] as number;
      dot += s * v;
      sumSq += s * s;
      sum[i] = s + v;
      slab[rowOffset + i] = v;
    }
  }
  out[at] = dot;
  out[at + 1] = sumSq;
}

/** The bounds ingestRows needs, checked as the native addon checks them (same messages). */
export function validateIngestRequest(req: IngestRequest): void {
  if (req === null || typeof req !== 'object') {
    throw argumentError('ingestRows takes a request object');
  }
  const { slab, dim, src, scales, slots, flags, sum, out } = req;
  if (!Number.isInteger(dim) || dim < 1 || dim > 1 << 20) {
    throw argumentError(`dim must be an integer from 1 to ${1 << 20}, got ${String(dim)}`);
  }
  const n = slots.length;
  const rows = Math.floor(slab.length / dim);
  if (sum.length !== dim) throw argumentError('ingestRows: sum must hold dim values');
  if (src.length < n * dim || scales.length < n || flags.length < n || out.length < 2 * n) {
    throw argumentError('ingestRows: src, scales, flags and out must cover every row');
  }
  for (let r = 0; r < n; r++) {
    if ((slots[r] as number) >= rows)
      throw argumentError('ingestRows: a slot lies outside the slab');
    if (!Number.isFinite(scales[r] as number)) {
      throw argumentError('ingestRows: scales must be finite');
    }
  }
}
