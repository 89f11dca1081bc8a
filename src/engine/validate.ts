import { RingmemError } from '../errors.js';
import { MAX_TOP_K, type ScanKernel } from '../kernel/types.js';
import { NAMESPACE_PATTERN } from '../setting-values.js';
import type { ForgetOlderThanOptions } from './types.js';

export { NAMESPACE_PATTERN };

export function assertNamespace(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !NAMESPACE_PATTERN.test(name)) {
    const shown = typeof name === 'string' ? JSON.stringify(name.slice(0, 80)) : typeof name;
    throw new RingmemError(
      'INVALID_NAMESPACE',
      `invalid namespace ${shown}: use 1–64 characters from A–Z, a–z, 0–9 and . _ : -`,
    );
  }
}

export function assertK(k: unknown): asserts k is number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > MAX_TOP_K) {
    throw new RingmemError(
      'INVALID_K',
      `invalid k ${String(k)}: expected an integer from 1 to ${MAX_TOP_K}`,
    );
  }
}

/**
 * The factor that makes row `row` (values[base .. base+dim)) unit length, computed without
 * overflow or underflow: scaled by the largest magnitude first (squaring 1e-200 underflows to
 * zero, squaring 1e200 overflows). Throws the precise error for a non-finite value or a zero row.
 */
export function carefulRowScale(
  values: ArrayLike<number>,
  base: number,
  dim: number,
  row: number,
): number {
  let maxAbs = 0;
  for (let i = 0; i < dim; i++) {
    const v = values[base + i] as number;
    if (!Number.isFinite(v)) {
      throw new RingmemError(
        'NON_FINITE_VECTOR',
        `vector ${row} has a non-finite value (${v}) at index ${i}: every value must be a finite number`,
      );
    }
    const a = v < 0 ? -v : v;
    if (a > maxAbs) maxAbs = a;
  }
  if (maxAbs === 0) {
    throw new RingmemError(
      'ZERO_VECTOR',
      `vector ${row} is all zeros: a vector needs a non-zero norm to have a direction`,
    );
  }
  let sumSq = 0;
  for (let i = 0; i < dim; i++) {
    const v = (values[base + i] as number) / maxAbs;
    sumSq += v * v;
  }
  return 1 / (Math.sqrt(sumSq) * maxAbs);
}

/**
 * Checks rows of `dim` values in `values` and writes their unit-length versions into `out`
 * (which may be `values` itself).
 */
export function normalizeRowsInto(values: ArrayLike<number>, dim: number, out: Float32Array): void {
  if (values.length % dim !== 0 || values.length === 0) {
    throw new RingmemError(
      'DIMENSION_MISMATCH',
      `vector length ${values.length} does not match the dimension ${dim}: give ${dim} values per vector`,
    );
  }
  const rows = values.length / dim;
  for (let r = 0; r < rows; r++) {
    const base = r * dim;
    const scale = carefulRowScale(values, base, dim, r);
    for (let i = 0; i < dim; i++) out[base + i] = (values[base + i] as number) * scale;
  }
}

export function assertDurationMs(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new RingmemError(
      'INVALID_ARGUMENT',
      `invalid ${what} ${String(value)}: expected a number of milliseconds ≥ 0 (Infinity for none)`,
    );
  }
}

/** A namespace TTL: a duration in ms, > 0 (Infinity for none). */
export function assertTtlMs(value: unknown): asserts value is number {
  assertDurationMs(value, 'ttlMs');
  if (value === 0)
    throw new RingmemError('INVALID_ARGUMENT', 'ttlMs must be > 0 (Infinity for none)');
}

export function assertTime(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RingmemError(
      'INVALID_ARGUMENT',
      `invalid ${what} ${String(value)}: expected a finite time in milliseconds since the epoch`,
    );
  }
}

export function assertPositiveInt(
  value: unknown,
  what: string,
  max: number,
): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new RingmemError(
      'INVALID_ARGUMENT',
      `invalid ${what} ${String(value)}: expected an integer from 1 to ${max}`,
    );
  }
}

/**
 * Validates the rows of an insert and returns the factor that makes each unit length. Norms are
 * float64 (squared norms of a Float32Array come from the kernel in one call); rows whose squared
 * norm overflows or underflows take the careful path in `carefulRowScale`, which throws the
 * precise error for a non-finite value or a zero row.
 */
export function rowScales(
  vectors: ArrayLike<number>,
  dim: number,
  kernel: Pick<ScanKernel, 'rowSumSquares'>,
): Float64Array {
  if (
    vectors === null ||
    typeof vectors !== 'object' ||
    typeof (vectors as { length?: unknown }).length !== 'number'
  ) {
    throw new RingmemError(
      'INVALID_ARGUMENT',
      'vectors must be an array or typed array of numbers',
    );
  }
  const len = vectors.length;
  if (len === 0 || len % dim !== 0) {
    throw new RingmemError(
      'DIMENSION_MISMATCH',
      `got ${len} values, which is not a positive multiple of the dimension ${dim}: give ${dim} values per vector`,
    );
  }
  if (!ArrayBuffer.isView(vectors)) {
    // Plain arrays come from JSON and may hold anything; typed arrays can only hold numbers.
    for (let i = 0; i < len; i++) {
      if (typeof vectors[i] !== 'number') {
        throw new RingmemError(
          'NON_FINITE_VECTOR',
          `value ${i} is ${typeof vectors[i]}, not a number: vectors hold finite numbers only`,
        );
      }
    }
  }
  const rows = len / dim;
  const scales = new Float64Array(rows);
  // Squared norms of every row in one kernel call; the loop below then only turns them into
  // scales (and sends odd rows down the careful path).
  const f32 = vectors instanceof Float32Array;
  if (f32) kernel.rowSumSquares(vectors, dim, scales);
  for (let r = 0; r < rows; r++) {
    const base = r * dim;
    let sumSq = 0;
    if (f32) sumSq = scales[r] as number;
    else {
      for (let i = 0; i < dim; i++) {
        const v = vectors[base + i] as number;
        sumSq += v * v;
      }
    }
    if (sumSq > 1e-280 && sumSq < 1e280) {
      scales[r] = 1 / Math.sqrt(sumSq);
      continue;
    }
    // NaN, Infinity, zero or extreme magnitudes: the careful path throws the precise error, or
    // computes the scale without overflow.
    const scale = carefulRowScale(vectors, base, dim, r);
    if (!Number.isFinite(scale) || scale === 0) {
      throw new RingmemError(
        'ZERO_VECTOR',
        `vector ${r} is too small or too large to normalise in float32: scale it to a norm near 1`,
      );
    }
    scales[r] = scale;
  }
  return scales;
}

/** Each row times its scale, rounded to float32: the rows exactly as the ring will store them. */
export function unitRows(
  vectors: ArrayLike<number>,
  scales: Float64Array,
  dim: number,
): Float32Array {
  const out = new Float32Array(scales.length * dim);
  for (let r = 0; r < scales.length; r++) {
    const scale = scales[r] as number;
    const base = r * dim;
    for (let i = 0; i < dim; i++) out[base + i] = (vectors[base + i] as number) * scale;
  }
  return out;
}

/** The cut-off time of a forget-older-than: `now − ageMs`, or `before`; exactly one is given. */
export function forgetCutoff(options: ForgetOlderThanOptions, now: number): number {
  const hasAge = options.ageMs !== undefined;
  if (hasAge === (options.before !== undefined)) {
    throw new RingmemError(
      'INVALID_ARGUMENT',
      'give exactly one of ageMs (a duration in ms) or before (a time in ms since the epoch)',
    );
  }
  if (hasAge) {
    assertDurationMs(options.ageMs, 'ageMs');
    return now - options.ageMs;
  }
  assertTime(options.before, 'before');
  return options.before;
}

/** A query vector checked against the dimension and scaled to unit length. */
export function normalizeQuery(vector: ArrayLike<number>, dim: number): Float32Array {
  if (vector.length !== dim) {
    throw new RingmemError(
      'DIMENSION_MISMATCH',
      `query has ${vector.length} values but the engine's dimension is ${dim}`,
    );
  }
  const q = new Float32Array(dim);
  normalizeRowsInto(vector, dim, q);
  return q;
}
