import { argumentError } from './errors.js';
import { type CompactRequest, MAX_TOP_K } from './types.js';

/**
 * Compact vectors: rows stored as IEEE half floats (f16) or as int8 codes with one float32 scale
 * per row (int8), for scans that read a half or a quarter of the f32 bytes. A DRAM-resident scan is
 * bandwidth-bound, so fewer bytes is what makes it faster. Queries stay float32.
 *
 * Encoding: f16 rounds each value to the nearest half (ties to even). int8 maps a row's largest
 * magnitude m to ±127: scale = m / 127, code = round(value / scale); a zero row has scale 0.
 * Scores: f16 Σ half(row[i]) × q[i]; int8 scale × Σ code[i] × q[i] (see native/compact.h).
 */
export type Precision = 'f32' | 'f16' | 'int8';
export const PRECISIONS: readonly Precision[] = ['f32', 'f16', 'int8'];

/** Bytes one stored vector takes at a precision (int8 adds its float32 scale). */
export function vectorBytes(precision: Precision, dim: number): number {
  if (precision === 'f32') return 4 * dim;
  if (precision === 'f16') return 2 * dim;
  return dim + 4;
}

export type { CompactRequest } from './types.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 → IEEE binary16 bits, round to nearest, ties to even. */
export function floatToHalf(x: number): number {
  f32[0] = x;
  const b = u32[0]!;
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1) === 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa bumps the exponent, which is the correctly rounded result.
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++;
  return sign | h;
}

/** IEEE binary16 bits → the (exact) float value. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0x1f) return mant === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  if (exp === 0) return sign * mant * 2 ** -24;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

let halfTable: Float32Array | undefined;
/** All 65,536 halves as floats: the JS kernel's f16 decoder (256 KiB, built on first use). */
export function halfTableF32(): Float32Array {
  if (halfTable === undefined) {
    halfTable = new Float32Array(65_536);
    for (let h = 0; h < 65_536; h++) halfTable[h] = halfToFloat(h);
  }
  return halfTable;
}

/**
 * `out[i]` = the float value of half `src[i]` for every i < src.length (out must be at least as
 * long): the JS twin of the addon's decodeF16, used by ScanKernel.decodeF16 where no native kernel
 * runs. A table lookup per value, exact.
 */
export function decodeF16Js(src: Uint16Array, out: Float32Array): void {
  if (out.length < src.length) {
    throw new RangeError(`decodeF16: out holds ${out.length} values, src ${src.length}`);
  }
  const table = halfTableF32();
  for (let i = 0; i < src.length; i++) out[i] = table[src[i] as number] as number;
}

/** Encodes float32 rows as halves into `out` (same length). */
export function encodeF16(
  src: Float32Array,
  out: Uint16Array = new Uint16Array(src.length),
): Uint16Array {
  if (out.length < src.length) throw argumentError('encodeF16: out is shorter than src');
  for (let i = 0; i < src.length; i++) out[i] = floatToHalf(src[i]!);
  return out;
}

/** Encodes float32 rows of `dim` as int8 codes with one scale per row. */
export function encodeInt8(
  src: Float32Array,
  dim: number,
  codes: Int8Array = new Int8Array(src.length),
  scales: Float32Array = new Float32Array(Math.floor(src.length / dim)),
): { codes: Int8Array; scales: Float32Array } {
  const rows = Math.floor(src.length / dim);
  if (codes.length < rows * dim || scales.length < rows) {
    throw argumentError('encodeInt8: codes or scales too short for the rows given');
  }
  for (let r = 0; r < rows; r++) {
    const base = r * dim;
    let m = 0;
    for (let i = 0; i < dim; i++) m = Math.max(m, Math.abs(src[base + i]!));
    const scale = Math.fround(m / 127);
    scales[r] = scale;
    for (let i = 0; i < dim; i++) {
      codes[base + i] =
        scale > 0 ? Math.max(-127, Math.min(127, Math.round(src[base + i]! / scale))) : 0;
    }
  }
  return { codes, scales };
}

/**
 * Checks a compact request like validateScanRequest checks topK's. Returns the row count.
 */
export function validateCompactRequest(req: CompactRequest): number {
  if (req === null || typeof req !== 'object')
    throw argumentError('topKCompact takes a request object');
  const { precision, rows, scales, dim, segments, query, k, outIdx, outScores, skipMask } = req;
  if (precision !== 'f16' && precision !== 'int8') {
    throw argumentError(`precision must be 'f16' or 'int8', got ${String(precision)}`);
  }
  if (!Number.isInteger(dim) || dim < 1 || dim > 0x7fff_ffff) {
    throw argumentError(`dim must be a positive integer, got ${String(dim)}`);
  }
  if (precision === 'f16' && !(rows instanceof Uint16Array)) {
    throw argumentError('f16 rows must be a Uint16Array of half-float bits');
  }
  if (precision === 'int8' && !(rows instanceof Int8Array)) {
    throw argumentError('int8 rows must be an Int8Array of codes');
  }
  const n = Math.floor(rows.length / dim);
  if (precision === 'int8' && (!(scales instanceof Float32Array) || scales.length < n)) {
    throw argumentError(`int8 needs scales: a Float32Array with one value per row (${n})`);
  }
  if (!(query instanceof Float32Array) || query.length !== dim) {
    throw argumentError(`query must be a Float32Array of dim = ${dim} values`);
  }
  for (let i = 0; i < dim; i++) {
    if (!Number.isFinite(query[i]!))
      throw argumentError(`query[${i}] is ${query[i]}; every query value must be finite`);
  }
  if (!Number.isInteger(k) || k < 1 || k > MAX_TOP_K) {
    throw argumentError(`k must be an integer from 1 to ${MAX_TOP_K}, got ${String(k)}`);
  }
  if (
    !(outIdx instanceof Int32Array) ||
    !(outScores instanceof Float32Array) ||
    outIdx.length < k ||
    outScores.length < k
  ) {
    throw argumentError(
      `outIdx (Int32Array) and outScores (Float32Array) must each hold k = ${k} entries`,
    );
  }
  if (!(segments instanceof Uint32Array) || segments.length % 2 !== 0) {
    throw argumentError('segments must be a Uint32Array of [start, end) pairs');
  }
  for (let s = 0; s < segments.length; s += 2) {
    if (segments[s]! > segments[s + 1]! || segments[s + 1]! > n) {
      throw argumentError(
        `segment ${s / 2} is [${segments[s]}, ${segments[s + 1]}); rows hold ${n}`,
      );
    }
  }
  if (skipMask !== undefined && (!(skipMask instanceof Uint8Array) || skipMask.length < n)) {
    throw argumentError(`skipMask must be a Uint8Array of at least ${n} entries`);
  }
  return n;
}
