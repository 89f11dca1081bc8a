import type { ScanKernel } from '../../src/kernel/types.js';

/**
 * The kernel contract in its most obvious form: score every row, sort, take k. Used to test the
 * engine's bookkeeping independently of the fast kernels (which have their own parity tests).
 */
export const naiveKernel: ScanKernel = {
  info: { backend: 'js', isa: 'js', availableIsas: [], fallbackReasons: [] },
  topK(slab, dim, segments, query, k, outIdx, outScores, skipMask) {
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
  async topKAsync(slab, dim, segments, query, k, outIdx, outScores, skipMask) {
    await new Promise((resolve) => setImmediate(resolve));
    return this.topK(slab, dim, segments, query, k, outIdx, outScores, skipMask);
  },
};
