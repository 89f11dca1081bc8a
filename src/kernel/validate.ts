import { argumentError } from './errors.js';
import { MAX_TOP_K } from './types.js';

/** Rows are reported through an Int32Array, so the slab may not hold more than this many. */
const MAX_ROWS = 0x7fff_ffff;

/**
 * Checks every topK argument against the contract in types.ts before any backend runs, so a bad
 * call fails with a message naming the argument, the value and what is accepted — never a crash,
 * an out-of-bounds read or a silent truncation. Cost: O(dim + segments), independent of rows.
 *
 * Returns the number of rows the segments cover (the scan's size, used to pick sync or async).
 */
export function validateTopKArgs(
  slab: Float32Array,
  dim: number,
  segments: Uint32Array,
  query: Float32Array,
  k: number,
  outIdx: Int32Array,
  outScores: Float32Array,
  skipMask: Uint8Array | undefined,
): number {
  if (!(slab instanceof Float32Array)) {
    throw argumentError(`slab must be a Float32Array, got ${describe(slab)}`);
  }
  if (!Number.isInteger(dim) || dim < 1 || dim > MAX_ROWS) {
    throw argumentError(`dim must be an integer from 1 to ${MAX_ROWS}, got ${String(dim)}`);
  }
  if (!(query instanceof Float32Array)) {
    throw argumentError(`query must be a Float32Array, got ${describe(query)}`);
  }
  if (query.length !== dim) {
    throw argumentError(`query length ${query.length} must equal dim ${dim}`);
  }
  for (let i = 0; i < dim; i++) {
    // A NaN or infinite query would make every score NaN: refuse it rather than return nothing.
    if (!Number.isFinite(query[i]!)) {
      throw argumentError(`query[${i}] is ${query[i]}; every query value must be finite`);
    }
  }
  if (!Number.isInteger(k) || k < 1 || k > MAX_TOP_K) {
    throw argumentError(`k must be an integer from 1 to ${MAX_TOP_K}, got ${String(k)}`);
  }
  if (!(outIdx instanceof Int32Array)) {
    throw argumentError(`outIdx must be an Int32Array, got ${describe(outIdx)}`);
  }
  if (!(outScores instanceof Float32Array)) {
    throw argumentError(`outScores must be a Float32Array, got ${describe(outScores)}`);
  }
  if (outIdx.length < k || outScores.length < k) {
    throw argumentError(
      `outIdx (length ${outIdx.length}) and outScores (length ${outScores.length}) must each ` +
        `hold at least k = ${k} entries`,
    );
  }
  if (!(segments instanceof Uint32Array)) {
    throw argumentError(`segments must be a Uint32Array, got ${describe(segments)}`);
  }
  if (segments.length % 2 !== 0) {
    throw argumentError(
      `segments must be a flat list of [start, end) row pairs (even length), got length ${segments.length}`,
    );
  }
  const rows = Math.floor(slab.length / dim);
  if (rows > MAX_ROWS) {
    throw argumentError(`slab holds ${rows} rows; at most ${MAX_ROWS} can be indexed`);
  }
  let scanned = 0;
  for (let s = 0; s < segments.length; s += 2) {
    const start = segments[s]!;
    const end = segments[s + 1]!;
    if (start > end || end > rows) {
      throw argumentError(
        `segment ${s / 2} is [${start}, ${end}); each segment must satisfy start <= end <= rows ` +
          `(the slab holds ${rows} rows of dim ${dim})`,
      );
    }
    scanned += end - start;
  }
  if (scanned > 0xffff_ffff) {
    throw argumentError(`segments cover ${scanned} rows in total; at most 2^32 - 1 are accepted`);
  }
  if (skipMask !== undefined) {
    if (!(skipMask instanceof Uint8Array)) {
      throw argumentError(`skipMask must be a Uint8Array or undefined, got ${describe(skipMask)}`);
    }
    if (skipMask.length < rows) {
      throw argumentError(
        `skipMask length ${skipMask.length} must be at least the slab's row count ${rows}`,
      );
    }
  }
  return scanned;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}
