/**
 * Pooling token states into one vector per row, and L2 normalisation, over flat typed arrays.
 * Writers take their output array as an argument and allocate nothing per row.
 */

/**
 * Below this norm a row is treated as zero: dividing by the epsilon keeps it finite (a zero row
 * stays a zero row) instead of producing NaN from 0/0.
 */
export const NORM_EPSILON = 1e-12;

/** out[r] = hidden[r, 0, :]: the first ([CLS]) token of each row. */
export function poolCls(
  hidden: Float32Array,
  rows: number,
  seq: number,
  dim: number,
  out: Float32Array,
  outOffsetRows = 0,
): void {
  for (let r = 0; r < rows; r++) {
    const src = r * seq * dim;
    out.set(hidden.subarray(src, src + dim), (outOffsetRows + r) * dim);
  }
}

/**
 * out[r] = mean of hidden[r, j, :] over the positions j where mask[r, j] != 0.
 * A row with an empty mask yields a zero vector rather than NaN.
 * `acc` is caller-owned scratch of at least `dim` float64s (summing in float64 so long rows do
 * not lose precision).
 */
export function poolMean(
  hidden: Float32Array,
  mask: BigInt64Array,
  rows: number,
  seq: number,
  dim: number,
  out: Float32Array,
  acc: Float64Array,
  outOffsetRows = 0,
): void {
  for (let r = 0; r < rows; r++) {
    acc.fill(0, 0, dim);
    let count = 0;
    const rowBase = r * seq;
    for (let j = 0; j < seq; j++) {
      if (mask[rowBase + j] === 0n) continue;
      count++;
      const src = (rowBase + j) * dim;
      for (let k = 0; k < dim; k++) acc[k]! += hidden[src + k]!;
    }
    const dst = (outOffsetRows + r) * dim;
    const inv = count > 0 ? 1 / count : 0;
    for (let k = 0; k < dim; k++) out[dst + k] = acc[k]! * inv;
  }
}

/** out[r] = the model's own sentence vector, from an output shaped [rows, dim]. */
export function poolNone(
  sentence: Float32Array,
  rows: number,
  dim: number,
  out: Float32Array,
  outOffsetRows = 0,
): void {
  out.set(sentence.subarray(0, rows * dim), outOffsetRows * dim);
}

/**
 * In place: divides each of `rows` rows (from `firstRow`) by max(‖row‖₂, NORM_EPSILON). Returns
 * the first row holding a NaN or infinity (its float64 sum of squares is then not finite; finite
 * float32 values cannot overflow it), or -1 when every row is finite.
 */
export function l2NormalizeRowsInPlace(
  data: Float32Array,
  dim: number,
  firstRow: number,
  rows: number,
): number {
  let firstBad = -1;
  for (let r = firstRow; r < firstRow + rows; r++) {
    const base = r * dim;
    let sum = 0;
    for (let k = 0; k < dim; k++) {
      const v = data[base + k]!;
      sum += v * v;
    }
    if (firstBad < 0 && !Number.isFinite(sum)) firstBad = r;
    const norm = Math.sqrt(sum);
    const inv = 1 / Math.max(norm, NORM_EPSILON);
    for (let k = 0; k < dim; k++) data[base + k] = data[base + k]! * inv;
  }
  return firstBad;
}
