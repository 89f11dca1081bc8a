import { decodeF16Js, halfToFloat } from '../../src/kernel/compact.js';
import { ingestRowsJs, rowSumSquaresJs } from '../../src/kernel/ingest.js';
import type { ScanKernel } from '../../src/kernel/types.js';

/**
 * The kernel contract in its most obvious form: score every row, sort, take k. Used to test the
 * engine's bookkeeping independently of the fast kernels (which have their own parity tests).
 */
export const naiveKernel: ScanKernel = {
  info: { backend: 'js', isa: 'js', availableIsas: [], fallbackReasons: [] },
  // Row writes are not what this kernel is for: the JS reference does them.
  ingestRows: ingestRowsJs,
  rowSumSquares: rowSumSquaresJs,
  decodeF16: decodeF16Js,
  topK({ slab, dim, segments, query, k, outIdx, outScores, skipMask }) {
    const scored: { row: number; order: number; score: number }[] = [];
    let order = 0;
    for (let s = 0; s + 1 < segments.length; s += 2) {
      for (let row = segments[s]!; row < segments[s + 1]!; row++) {
        if (skipMask && skipMask[row] !== 0) continue;
        let score = 0;
        for (let i = 0; i < dim; i++) score += slab[row * dim + i]! * query[i]!;
        scored.push({ row, order: order++, score: Math.fround(score) });
      }
    }
    scored.sort((a, b) => b.score - a.score || a.order - b.order);
    const n = Math.min(k, scored.length);
    for (let i = 0; i < n; i++) {
      outIdx[i] = scored[i]!.row;
      outScores[i] = scored[i]!.score;
    }
    return n;
  },
  topKMany(req) {
    const { slab, dim, segments, queries, k, outIdx, outScores, outHits, skipMask, from, to } = req;
    const nq = queries.length / dim;
    const atLeast = req.countAtLeast === undefined ? 0 : Math.fround(req.countAtLeast);
    for (let q = 0; q < nq; q++) {
      const scored: { row: number; order: number; score: number }[] = [];
      let pos = 0;
      for (let s = 0; s + 1 < segments.length; s += 2) {
        for (let row = segments[s]!; row < segments[s + 1]!; row++, pos++) {
          if (skipMask && skipMask[row] !== 0) continue;
          if (from && to && (pos < from[q]! || pos >= to[q]!)) continue;
          let score = 0;
          for (let i = 0; i < dim; i++) score += slab[row * dim + i]! * queries[q * dim + i]!;
          scored.push({ row, order: pos, score: Math.fround(score) });
        }
      }
      if (req.outCounts) req.outCounts[q] = scored.filter((e) => e.score >= atLeast).length;
      scored.sort((a, b) => b.score - a.score || a.order - b.order);
      const n = Math.min(k, scored.length);
      for (let i = 0; i < n; i++) {
        outIdx[q * k + i] = scored[i]!.row;
        outScores[q * k + i] = scored[i]!.score;
      }
      outHits[q] = n;
    }
  },
  async topKManyAsync(req) {
    await new Promise((resolve) => setImmediate(resolve));
    this.topKMany(req);
  },
  topKCompact(req) {
    const { dim, segments, query, k, outIdx, outScores, skipMask } = req;
    const value = (r: number, i: number) =>
      req.precision === 'f16'
        ? halfToFloat((req.rows as Uint16Array)[r * dim + i]!)
        : (req.rows as Int8Array)[r * dim + i]! * req.scales![r]!;
    const scored: { row: number; order: number; score: number }[] = [];
    let order = 0;
    for (let s = 0; s + 1 < segments.length; s += 2) {
      for (let row = segments[s]!; row < segments[s + 1]!; row++) {
        if (skipMask && skipMask[row] !== 0) continue;
        let score = 0;
        for (let i = 0; i < dim; i++) score += value(row, i) * query[i]!;
        scored.push({ row, order: order++, score: Math.fround(score) });
      }
    }
    scored.sort((a, b) => b.score - a.score || a.order - b.order);
    const n = Math.min(k, scored.length);
    for (let i = 0; i < n; i++) {
      outIdx[i] = scored[i]!.row;
      outScores[i] = scored[i]!.score;
    }
    return n;
  },
  async topKAsync(request) {
    await new Promise((resolve) => setImmediate(resolve));
    return this.topK(request);
  },
};
