import { RingmemError } from '../errors.js';
import { MAX_TOP_K } from '../kernel/types.js';

export const NAMESPACE_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;

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
