import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ASYNC_MIN_VALUES,
  JsKernel,
  type KernelInfo,
  loadKernel,
  type NativeIsa,
  type ScanKernel,
} from '../src/kernel/index.js';
import { seededRandom as rng, seededUnitRows as unitRows } from '../src/seeded-rows.js';
import { nativeUnavailable } from './helpers/native-required.js';

/**
 * Differential tests: every native ISA kernel against the JS kernel (and a float64 brute force),
 * on the shapes the engine produces — odd dims, wrap-around segments, skip masks, duplicate rows.
 */

const ALL_ISAS: NativeIsa[] = ['scalar', 'avx2-fma', 'avx512f', 'neon'];

function probeNative(): { info?: KernelInfo; why?: string } {
  try {
    return { info: loadKernel({ backend: 'native' }).info };
  } catch (error) {
    return { why: (error as Error).message };
  }
}
const native = probeNative();
const available = new Set(native.info?.availableIsas ?? []);
if (native.info === undefined) {
  nativeUnavailable('kernel-parity', 'the native parity tests', native.why);
} else {
  const missing = ALL_ISAS.filter((isa) => !available.has(isa));
  console.info(
    `kernel-parity: testing native ISAs ${[...available].join(', ')}; skipped (this CPU/OS ` +
      `cannot run them): ${missing.join(', ') || 'none'}`,
  );
}

interface Hits {
  n: number;
  idx: Int32Array;
  scores: Float32Array;
}

function run(
  kernel: ScanKernel,
  slab: Float32Array,
  dim: number,
  segments: number[],
  query: Float32Array,
  k: number,
  skip?: Uint8Array,
): Hits {
  const idx = new Int32Array(k).fill(-7);
  const scores = new Float32Array(k).fill(-7);
  const n = kernel.topK({
    slab,
    dim,
    segments: Uint32Array.from(segments),
    query,
    k,
    outIdx: idx,
    outScores: scores,
    skipMask: skip,
  });
  return { n, idx: idx.subarray(0, n), scores: scores.subarray(0, n) };
}

/** Exact (float64) dot product of row r with the query: the truth both kernels approximate. */
function refScore(slab: Float32Array, dim: number, query: Float32Array, r: number): number {
  let s = 0;
  for (let i = 0; i < dim; i++) s += slab[r * dim + i]! * query[i]!;
  return s;
}

/**
 * Rows are unit vectors, so |score| <= 1 and float32 rounding of a dim-term sum is at most about
 * dim × 2^-24 ≈ 6e-8 × dim; 1e-6 × dim leaves headroom yet still catches a wrong lane or tail.
 */
const tolerance = (dim: number) => 1e-6 * Math.max(dim, 8);

/**
 * `got` must equal `want` in count, in scores within tolerance and in row order, except that two
 * rows whose true scores are within tolerance of each other may swap (rounding may order them
 * either way). Both must also be right against the float64 brute force.
 */
function expectSameHits(
  got: Hits,
  want: Hits,
  slab: Float32Array,
  dim: number,
  query: Float32Array,
): void {
  const tol = tolerance(dim);
  expect(got.n).toBe(want.n);
  for (let i = 0; i < got.n; i++) {
    const g = got.idx[i]!;
    const w = want.idx[i]!;
    expect(Math.abs(got.scores[i]! - refScore(slab, dim, query, g))).toBeLessThanOrEqual(tol);
    expect(Math.abs(got.scores[i]! - want.scores[i]!)).toBeLessThanOrEqual(tol);
    if (g !== w) {
      const gap = Math.abs(refScore(slab, dim, query, g) - refScore(slab, dim, query, w));
      expect(gap, `rows ${g} and ${w} at rank ${i} are not a near tie`).toBeLessThanOrEqual(
        2 * tol,
      );
    }
    if (i > 0) expect(got.scores[i]!).toBeLessThanOrEqual(got.scores[i - 1]!);
  }
}

const DIMS = [
  1, 2, 3, 7, 15, 16, 17, 31, 33, 63, 64, 65, 127, 128, 129, 255, 384, 385, 511, 768, 1024, 1100,
];
const RANDOM_DIMS = (() => {
  const next = rng(99);
  return Array.from({ length: 6 }, () => 1 + Math.floor(next() * 1100));
})();

const js = new JsKernel();

for (const isa of ALL_ISAS) {
  if (!available.has(isa)) {
    it.skip(`runs the ${isa} kernel — skipped: this machine cannot run ${isa}`, () => {});
    continue;
  }
  describe(`native ${isa} kernel`, () => {
    const kernel = loadKernel({ isa });

    it('reports the ISA it was forced to', () => {
      expect(kernel.info).toMatchObject({ backend: 'native', isa });
    });

    it('matches the JS kernel on every dim from 1 to 1100, including non-multiples of 16', () => {
      for (const dim of [...DIMS, ...RANDOM_DIMS]) {
        // 37 rows: nine blocks of four and a remainder, so both row paths run.
        const rows = 37;
        const slab = unitRows(rows, dim, dim * 31 + 1);
        const query = unitRows(1, dim, dim * 17 + 5);
        for (const k of [1, 10]) {
          const want = run(js, slab, dim, [0, rows], query, k);
          const got = run(kernel, slab, dim, [0, rows], query, k);
          expectSameHits(got, want, slab, dim, query);
        }
      }
    });

    it('returns every live row, best first, when k exceeds the live count', () => {
      const dim = 65;
      const slab = unitRows(23, dim, 3);
      const query = unitRows(1, dim, 4);
      const skip = new Uint8Array(23);
      skip[5] = 1;
      const got = run(kernel, slab, dim, [2, 20], query, 50, skip);
      expect(got.n).toBe(17);
      expect(new Set(got.idx).size).toBe(17);
      expectSameHits(got, run(js, slab, dim, [2, 20], query, 50, skip), slab, dim, query);
    });

    it('returns no hits for an empty slab, no segments or empty segments', () => {
      const dim = 17;
      const query = unitRows(1, dim, 8);
      expect(run(kernel, new Float32Array(0), dim, [], query, 5).n).toBe(0);
      expect(run(kernel, new Float32Array(0), dim, [0, 0], query, 5).n).toBe(0);
      const slab = unitRows(9, dim, 9);
      expect(run(kernel, slab, dim, [4, 4, 9, 9, 0, 0], query, 5).n).toBe(0);
    });

    it('scans wrap-around segments in the order given, so the newer segment loses ties', () => {
      const dim = 129;
      const rows = 41;
      const slab = unitRows(rows, dim, 11);
      // The same vector at rows 2 (second segment) and 30, 33 (first segment).
      for (const r of [30, 33]) slab.copyWithin(r * dim, 2 * dim, 3 * dim);
      const query = slab.slice(2 * dim, 3 * dim);
      const segments = [29, rows, 0, 12]; // ring wrapped: oldest rows 29.., then 0..11
      const got = run(kernel, slab, dim, segments, query, 2);
      expect(Array.from(got.idx)).toEqual([30, 33]);
      const all = run(kernel, slab, dim, segments, query, 5);
      expect(Array.from(all.idx.subarray(0, 3))).toEqual([30, 33, 2]);
      expectSameHits(all, run(js, slab, dim, segments, query, 5), slab, dim, query);
    });

    it('never returns a row the skip mask marks', () => {
      const dim = 384;
      const rows = 64;
      const slab = unitRows(rows, dim, 12);
      const query = slab.slice(10 * dim, 11 * dim);
      const skip = new Uint8Array(rows);
      for (const r of [10, 11, 12, 13, 40, 63]) skip[r] = 255;
      const got = run(kernel, slab, dim, [0, rows], query, rows, skip);
      expect(got.n).toBe(rows - 6);
      for (const r of got.idx) expect(skip[r]).toBe(0);
      expectSameHits(got, run(js, slab, dim, [0, rows], query, rows, skip), slab, dim, query);
    });

    it('resolves exact ties between duplicate rows by scan order, exactly like the JS kernel', () => {
      for (const dim of [5, 16, 384, 385]) {
        const rows = 50;
        const slab = unitRows(rows, dim, dim);
        // Duplicates in every slot of a four-row block and in the remainder (rows 48, 49).
        const dupes = [3, 4, 9, 14, 21, 27, 48, 49];
        for (const r of dupes.slice(1)) slab.copyWithin(r * dim, 3 * dim, 4 * dim);
        const query = slab.slice(3 * dim, 4 * dim);
        for (const k of [3, 8]) {
          const got = run(kernel, slab, dim, [0, rows], query, k);
          const want = run(js, slab, dim, [0, rows], query, k);
          expect(Array.from(got.idx)).toEqual(dupes.slice(0, k));
          expect(Array.from(got.idx)).toEqual(Array.from(want.idx));
          expect(new Set(got.scores).size).toBe(1);
        }
      }
    });

    it('agrees with the JS kernel on random slabs, segments, masks and k (property)', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 70 }),
          fc.integer({ min: 0, max: 40 }),
          fc.integer({ min: 1, max: 45 }),
          fc.integer(),
          fc.boolean(),
          fc.boolean(),
          (dim, rows, k, seed, wrap, masked) => {
            const next = rng(seed);
            const slab = unitRows(rows, dim, seed);
            // Make a few duplicates so exact ties occur.
            if (rows >= 4) slab.copyWithin(dim, 0, dim);
            const query = unitRows(1, dim, seed ^ 0x5bd1e995);
            const cut = Math.floor(next() * (rows + 1));
            const segments = wrap ? [cut, rows, 0, Math.floor(next() * (cut + 1))] : [0, cut];
            const skip = masked
              ? Uint8Array.from({ length: rows }, () => (next() < 0.2 ? 1 : 0))
              : undefined;
            const got = run(kernel, slab, dim, segments, query, k, skip);
            const want = run(js, slab, dim, segments, query, k, skip);
            expectSameHits(got, want, slab, dim, query);
          },
        ),
        { numRuns: 300, seed: 20_240_601 },
      );
    });

    it('resolves topKAsync to the same hits as topK below and above the async threshold', async () => {
      const dim = 384;
      const small = 40;
      // Three quarters of the rows are scanned below; that must still exceed the threshold.
      const big = Math.ceil((2 * ASYNC_MIN_VALUES) / dim) + 100;
      const slab = unitRows(big, dim, 21);
      const query = unitRows(1, dim, 22);
      for (const rows of [small, big]) {
        const segments = Uint32Array.from([rows >> 1, rows, 0, rows >> 2]);
        const want = run(kernel, slab, dim, Array.from(segments), query, 10);
        const idx = new Int32Array(10);
        const scores = new Float32Array(10);
        const n = await kernel.topKAsync({
          slab,
          dim,
          segments,
          query,
          k: 10,
          outIdx: idx,
          outScores: scores,
        });
        expect(n).toBe(want.n);
        expect(Array.from(idx)).toEqual(Array.from(want.idx));
        expect(Array.from(scores)).toEqual(Array.from(want.scores));
      }
    });

    it.skipIf(isa === 'scalar')(
      "gives exactly the single scan's hits when pool threads share a scan chunk by chunk, across wrap-around segments, skip masks and ties",
      async () => {
        const { sharedTopK } = await import('../src/kernel/native-kernel.js');
        const { optionalAddon } = await import('../src/kernel/loader.js');
        const addon = optionalAddon();
        if (addon === undefined) throw new Error('expected the native addon');
        const isaId = addon.isaNames.indexOf(kernel.info.isa);
        const dim = 64;
        const rows = 6000;
        const slab = unitRows(rows, dim, 31);
        // Exact ties spread over the slab, so parts must settle them by scan order.
        for (const [from, to] of [
          [10, 5990],
          [10, 3000],
          [2500, 4500],
        ] as const) {
          slab.copyWithin(to * dim, from * dim, (from + 1) * dim);
        }
        await fc.assert(
          fc.asyncProperty(
            fc.integer({ min: 0, max: rows }),
            fc.integer({ min: 0, max: rows }),
            fc.integer({ min: 1, max: 40 }),
            fc.integer({ min: 2, max: 5 }),
            fc.integer({ min: 1, max: 2500 }),
            fc.boolean(),
            fc.integer({ min: 0, max: 1000 }),
            async (cut, head, k, workers, chunkRows, withSkip, seed) => {
              // The engine's wrap-around shape: [head, rows) then [0, cut).
              const segments = Uint32Array.from([head, rows, 0, Math.min(cut, head)]);
              const next = rng(seed);
              const skip = withSkip
                ? Uint8Array.from({ length: rows }, () => (next() < 0.1 ? 1 : 0))
                : undefined;
              const query = next() < 0.3 ? slab.slice(10 * dim, 11 * dim) : unitRows(1, dim, seed);
              const want = run(kernel, slab, dim, Array.from(segments), query, k, skip);
              const idx = new Int32Array(k).fill(-7);
              const scores = new Float32Array(k).fill(-7);
              const n = await sharedTopK(addon, isaId, workers, chunkRows, {
                slab,
                dim,
                segments,
                query,
                k,
                outIdx: idx,
                outScores: scores,
                skipMask: skip,
              });
              expect(n).toBe(want.n);
              expect(Array.from(idx.subarray(0, n))).toEqual(Array.from(want.idx));
              expect(Array.from(scores.subarray(0, n))).toEqual(Array.from(want.scores));
            },
          ),
          { numRuns: 60, seed: 20_261_122 },
        );
      },
    );

    it('keeps the event loop free while a large scan runs off the main thread', async () => {
      const dim = 384;
      const rows = 4 * Math.ceil(ASYNC_MIN_VALUES / dim);
      const slab = unitRows(rows, dim, 23);
      const query = unitRows(1, dim, 24);
      const segments = Uint32Array.from([0, rows]);
      const idx = new Int32Array(10);
      const scores = new Float32Array(10);
      const order: string[] = [];
      const pending = kernel
        .topKAsync({ slab, dim, segments, query, k: 10, outIdx: idx, outScores: scores })
        .then(() => order.push('scan'));
      order.push('sync');
      await pending;
      // A synchronous scan would have filled idx before topKAsync returned.
      expect(order).toEqual(['sync', 'scan']);
    });
  });
}

describe.skipIf(!available.has('scalar'))('native scalar reference vs the JS kernel', () => {
  it('produces bit-identical scores and rows (same float64 accumulation order)', () => {
    const scalar = loadKernel({ isa: 'scalar' });
    for (const dim of [...DIMS, ...RANDOM_DIMS]) {
      const rows = 30;
      const slab = unitRows(rows, dim, dim + 1000);
      const query = unitRows(1, dim, dim + 2000);
      const got = run(scalar, slab, dim, [7, rows, 0, 7], query, rows);
      const want = run(js, slab, dim, [7, rows, 0, 7], query, rows);
      expect(Array.from(got.idx)).toEqual(Array.from(want.idx));
      expect(Array.from(got.scores)).toEqual(Array.from(want.scores));
    }
  });
});

describe('JS kernel', () => {
  it('matches a float64 brute force with a full sort on random input (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 70 }),
        fc.integer(),
        (dim, rows, k, seed) => {
          const slab = unitRows(rows, dim, seed);
          if (rows >= 6) slab.copyWithin(5 * dim, 2 * dim, 3 * dim); // an exact tie
          const query = unitRows(1, dim, seed + 1);
          const got = run(js, slab, dim, [0, rows], query, k);
          const order = Array.from({ length: rows }, (_, r) => r).sort((a, b) => {
            const d =
              Math.fround(refScore(slab, dim, query, b)) -
              Math.fround(refScore(slab, dim, query, a));
            return d !== 0 ? d : a - b;
          });
          expect(got.n).toBe(Math.min(k, rows));
          const tol = tolerance(dim);
          for (let i = 0; i < got.n; i++) {
            const want = order[i]!;
            const g = got.idx[i]!;
            if (g !== want) {
              const gap = Math.abs(
                refScore(slab, dim, query, g) - refScore(slab, dim, query, want),
              );
              expect(gap).toBeLessThanOrEqual(tol);
            }
          }
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });

  it('resolves topKAsync with the synchronous result', async () => {
    const dim = 33;
    const slab = unitRows(20, dim, 1);
    const query = unitRows(1, dim, 2);
    const idx = new Int32Array(4);
    const scores = new Float32Array(4);
    const n = await js.topKAsync({
      slab,
      dim,
      segments: Uint32Array.of(0, 20),
      query,
      k: 4,
      outIdx: idx,
      outScores: scores,
    });
    const want = run(js, slab, dim, [0, 20], query, 4);
    expect(n).toBe(4);
    expect(Array.from(idx)).toEqual(Array.from(want.idx));
  });
});
