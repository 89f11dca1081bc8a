import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { l2NormalizeRowsInPlace, poolCls, poolMean, poolNone } from '../src/embed/pool.js';

/** The textbook definitions, written plainly with nested arrays. */
function naiveMean(h: number[][][], mask: number[][]): number[][] {
  return h.map((tokens, r) => {
    const dim = tokens[0]!.length;
    const sum = new Array<number>(dim).fill(0);
    let count = 0;
    tokens.forEach((vec, j) => {
      if (mask[r]![j] === 0) return;
      count++;
      vec.forEach((v, k) => {
        sum[k]! += v;
      });
    });
    return sum.map((s) => (count === 0 ? 0 : s / count));
  });
}

function naiveNormalize(v: number[]): number[] {
  const norm = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
  return v.map((x) => x / Math.max(norm, 1e-12));
}

const shapeAndData = fc
  .record({
    rows: fc.integer({ min: 1, max: 4 }),
    seq: fc.integer({ min: 1, max: 7 }),
    dim: fc.integer({ min: 1, max: 9 }),
  })
  .chain(({ rows, seq, dim }) =>
    fc.record({
      rows: fc.constant(rows),
      seq: fc.constant(seq),
      dim: fc.constant(dim),
      hidden: fc.array(fc.float({ min: -10, max: 10, noNaN: true, noDefaultInfinity: true }), {
        minLength: rows * seq * dim,
        maxLength: rows * seq * dim,
      }),
      mask: fc.array(fc.constantFrom(0, 1), { minLength: rows * seq, maxLength: rows * seq }),
    }),
  );

function nest(flat: number[], rows: number, seq: number, dim: number): number[][][] {
  return Array.from({ length: rows }, (_, r) =>
    Array.from({ length: seq }, (_, j) => flat.slice((r * seq + j) * dim, (r * seq + j + 1) * dim)),
  );
}

describe('poolMean', () => {
  it('equals the naive masked mean for random shapes and masks', () => {
    fc.assert(
      fc.property(shapeAndData, ({ rows, seq, dim, hidden, mask }) => {
        const out = new Float32Array(rows * dim);
        poolMean(
          Float32Array.from(hidden),
          BigInt64Array.from(mask.map(BigInt)),
          rows,
          seq,
          dim,
          out,
          new Float64Array(dim),
        );
        const ref = naiveMean(
          nest(Array.from(Float32Array.from(hidden)), rows, seq, dim),
          nest(mask, rows, seq, 1).map((r) => r.map((x) => x[0]!)),
        );
        for (const [i, v] of ref.flat().entries()) expect(out[i]).toBeCloseTo(v, 4);
      }),
      { numRuns: 300 },
    );
  });

  it('gives a finite zero vector for an all-padding row, and normalising keeps it finite', () => {
    const out = new Float32Array(3);
    poolMean(
      Float32Array.of(1, 2, 3, 4, 5, 6),
      BigInt64Array.of(0n, 0n),
      1,
      2,
      3,
      out,
      new Float64Array(3),
    );
    expect(Array.from(out)).toEqual([0, 0, 0]);
    l2NormalizeRowsInPlace(out, 3, 0, 1);
    expect(out.every(Number.isFinite)).toBe(true);
  });

  it('writes at the requested output row and leaves other rows alone', () => {
    const out = new Float32Array(4).fill(9);
    poolMean(
      Float32Array.of(2, 4, 6, 8),
      BigInt64Array.of(1n, 1n),
      1,
      2,
      2,
      out,
      new Float64Array(2),
      1,
    );
    expect(Array.from(out)).toEqual([9, 9, 4, 6]);
  });
});

describe('poolCls and poolNone', () => {
  it('takes the first token of each row', () => {
    const out = new Float32Array(4);
    // rows=2, seq=2, dim=2
    poolCls(Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8), 2, 2, 2, out);
    expect(Array.from(out)).toEqual([1, 2, 5, 6]);
  });

  it('copies sentence vectors through unchanged', () => {
    const out = new Float32Array(4);
    poolNone(Float32Array.of(1, 2, 3, 4), 2, 2, out);
    expect(Array.from(out)).toEqual([1, 2, 3, 4]);
  });
});

describe('l2NormalizeRowsInPlace', () => {
  it('makes every non-zero row unit length, matching the naive formula', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -1e3, max: 1e3, noNaN: true, noDefaultInfinity: true }), {
          minLength: 5,
          maxLength: 5,
        }),
        (row) => {
          const data = Float32Array.from(row);
          const ref = naiveNormalize(Array.from(data));
          l2NormalizeRowsInPlace(data, 5, 0, 1);
          for (const [i, v] of ref.entries()) expect(data[i]).toBeCloseTo(v, 5);
          expect(data.every(Number.isFinite)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('turns tiny rows into finite values instead of dividing by zero', () => {
    const data = Float32Array.of(0, 0, 1e-30, 0);
    expect(l2NormalizeRowsInPlace(data, 2, 0, 2)).toBe(-1);
    expect(data.every(Number.isFinite)).toBe(true);
  });

  it('reports the first row holding a NaN or an infinity, so the embedder can refuse the batch', () => {
    const data = Float32Array.of(1, 0, 0, Number.NaN, Number.POSITIVE_INFINITY, 0, 3, 4);
    expect(l2NormalizeRowsInPlace(data, 2, 0, 4)).toBe(1);
    expect(
      l2NormalizeRowsInPlace(Float32Array.of(3, 4, 0, Number.NEGATIVE_INFINITY), 2, 0, 2),
    ).toBe(1);
    // Huge but finite float32 values do not overflow the float64 sum.
    expect(l2NormalizeRowsInPlace(Float32Array.of(3e38, 3e38), 2, 0, 1)).toBe(-1);
  });
});
