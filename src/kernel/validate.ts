import { argumentError } from './errors.js';
import { MAX_TOP_K, type ManyRequest, type ScanRequest } from './types.js';

/** Rows are reported through an Int32Array, so the slab may not hold more than this many. */
const MAX_ROWS = 0x7fff_ffff;

/**
 * Checks a topK request against the contract in types.ts before any backend runs, so a bad call
 * fails with a message naming the argument, the value and what is accepted — never a crash, an
 * out-of-bounds read or a silent truncation. Cost: O(dim + segments), independent of rows.
 *
 * Returns the number of rows the segments cover (the scan's size, used to pick sync or async).
 */
export function validateScanRequest(req: ScanRequest): number {
  if (req === null || typeof req !== 'object') {
    throw argumentError(`topK takes a request object, got ${describe(req)}`);
  }
  const { slab, dim, segments, query, k, outIdx, outScores, skipMask } = req;
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

/**
 * Checks a topKMany request against the contract in types.ts (topK's rules per query, plus the
 * batch outputs, the per-query ranges and the count). Returns nq. Cost: O(nq × dim + segments).
 */
export function validateManyRequest(req: ManyRequest): number {
  if (req === null || typeof req !== 'object') {
    throw argumentError(`topKMany takes a request object, got ${describe(req)}`);
  }
  const { slab, dim, segments, queries, k, outIdx, outScores, outHits, skipMask } = req;
  if (!(queries instanceof Float32Array)) {
    throw argumentError(`queries must be a Float32Array, got ${describe(queries)}`);
  }
  if (!Number.isInteger(dim) || dim < 1 || dim > MAX_ROWS) {
    throw argumentError(`dim must be an integer from 1 to ${MAX_ROWS}, got ${String(dim)}`);
  }
  if (queries.length === 0 || queries.length % dim !== 0) {
    throw argumentError(
      `queries length ${queries.length} must be a positive multiple of dim ${dim} (nq rows)`,
    );
  }
  const nq = queries.length / dim;
  // One query's worth through the single-scan checks (slab, segments, k, mask); then the rest.
  validateScanRequest({
    slab,
    dim,
    segments,
    query: queries.subarray(0, dim),
    k,
    outIdx,
    outScores,
    skipMask,
  });
  // One multiply-add per value: x × 0 is 0 for every finite x and NaN otherwise, so the sum stays
  // 0 unless some value is not finite; only then look for which (the message names it).
  let probe = 0;
  for (let i = dim; i < queries.length; i++) probe += queries[i]! * 0;
  for (let i = dim; probe !== 0 && i < queries.length; i++) {
    if (!Number.isFinite(queries[i]!)) {
      throw argumentError(
        `queries[${i}] (query ${Math.floor(i / dim)}) is ${queries[i]}; every query value must be finite`,
      );
    }
  }
  if (outIdx.length < nq * k || outScores.length < nq * k) {
    throw argumentError(
      `outIdx (length ${outIdx.length}) and outScores (length ${outScores.length}) must each ` +
        `hold nq × k = ${nq} × ${k} = ${nq * k} entries`,
    );
  }
  if (!(outHits instanceof Uint32Array) || outHits.length < nq) {
    throw argumentError(`outHits must be a Uint32Array of at least nq = ${nq} entries`);
  }
  const { from, to } = req;
  if ((from === undefined) !== (to === undefined)) {
    throw argumentError('give from and to together (per-query visible scan positions), or neither');
  }
  if (from !== undefined || to !== undefined) {
    if (!(from instanceof Uint32Array) || !(to instanceof Uint32Array)) {
      throw argumentError('from and to must be Uint32Arrays');
    }
    if (from.length < nq || to.length < nq) {
      throw argumentError(
        `from (length ${from.length}) and to (length ${to.length}) need nq = ${nq} entries`,
      );
    }
  }
  const { countAtLeast, outCounts } = req;
  if ((countAtLeast === undefined) !== (outCounts === undefined)) {
    throw argumentError('give countAtLeast and outCounts together, or neither');
  }
  if (countAtLeast !== undefined) {
    if (typeof countAtLeast !== 'number' || !Number.isFinite(countAtLeast)) {
      throw argumentError(`countAtLeast must be a finite number, got ${String(countAtLeast)}`);
    }
    if (!(outCounts instanceof Uint32Array) || outCounts.length < nq) {
      throw argumentError(`outCounts must be a Uint32Array of at least nq = ${nq} entries`);
    }
  }
  return nq;
}
