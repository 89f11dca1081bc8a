import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  JsKernel,
  KernelError,
  type KernelInfo,
  loadKernel,
  type ManyRequest,
  type NativeIsa,
  type ScanKernel,
} from '../src/kernel/index.js';
import { seededUnitRows as unitRows } from '../src/seeded-rows.js';
import { naiveKernel } from './helpers/naive-kernel.js';

/**
 * topKMany, the many-queries scan: every backend against topK query by query over the rows each
 * query may see, on the shapes the engine makes (wrap-around segments, tombstone masks, per-query
 * visible ranges, counts above a threshold, duplicate rows).
 */

const ALL_ISAS: NativeIsa[] = ['scalar', 'avx2-fma', 'avx512f', 'neon'];
const available = (() => {
  try {
    return new Set<string>(loadKernel({ backend: 'native' }).info.availableIsas);
  } catch (error) {
    console.warn(`kernel-many: native kernel unavailable: ${(error as Error).message}`);
    return new Set<string>();
  }
})();

const js = new JsKernel();

interface Case {
  dim: number;
  rows: number;
  slab: Float32Array;
  segments: Uint32Array;
  queries: Float32Array;
  nq: number;
  k: number;
  skip: Uint8Array | undefined;
  from: Uint32Array | undefined;
  to: Uint32Array | undefined;
  countAtLeast: number | undefined;
}

interface ManyOut {
  idx: Int32Array;
  scores: Float32Array;
  hits: Uint32Array;
  counts: Uint32Array | undefined;
}

function runMany(kernel: ScanKernel, c: Case): ManyOut {
  const out: ManyOut = {
    idx: new Int32Array(c.nq * c.k).fill(-7),
    scores: new Float32Array(c.nq * c.k).fill(-7),
    hits: new Uint32Array(c.nq).fill(99),
    counts: c.countAtLeast === undefined ? undefined : new Uint32Array(c.nq).fill(99),
  };
  const req: ManyRequest = {
    slab: c.slab,
    dim: c.dim,
    segments: c.segments,
    queries: c.queries,
    k: c.k,
    outIdx: out.idx,
    outScores: out.scores,
    outHits: out.hits,
    skipMask: c.skip,
    from: c.from,
    to: c.to,
    countAtLeast: c.countAtLeast,
    outCounts: out.counts,
  };
  kernel.topKMany(req);
  return out;
}

/** The segments covering scan positions [from, to) of `segments`. */
function subSegments(segments: Uint32Array, from: number, to: number): Uint32Array {
  const out: number[] = [];
  let pos = 0;
  for (let s = 0; s < segments.length; s += 2) {
    const start = segments[s]!;
    const len = segments[s + 1]! - start;
    const a = Math.max(from, pos);
    const b = Math.min(to, pos + len);
    if (a < b) out.push(start + (a - pos), start + (b - pos));
    pos += len;
  }
  return Uint32Array.from(out);
}

/** Query q alone through topK over the rows it sees: what topKMany must reproduce. */
function single(kernel: ScanKernel, c: Case, q: number) {
  const query = c.queries.subarray(q * c.dim, (q + 1) * c.dim);
  const segs = c.from ? subSegments(c.segments, c.from[q]!, c.to![q]!) : c.segments;
  const idx = new Int32Array(c.k);
  const scores = new Float32Array(c.k);
  const n = kernel.topK({
    slab: c.slab,
    dim: c.dim,
    segments: segs,
    query,
    k: c.k,
    outIdx: idx,
    outScores: scores,
    skipMask: c.skip,
  });
  let count = 0;
  if (c.countAtLeast !== undefined) {
    // Every row it sees, scored by the same kernel (k = all rows).
    const all = new Int32Array(c.rows);
    const allScores = new Float32Array(c.rows);
    const m =
      c.rows === 0
        ? 0
        : kernel.topK({
            slab: c.slab,
            dim: c.dim,
            segments: segs,
            query,
            k: c.rows,
            outIdx: all,
            outScores: allScores,
            skipMask: c.skip,
          });
    for (let i = 0; i < m; i++) if (allScores[i]! >= Math.fround(c.countAtLeast)) count++;
  }
  return { n, idx: idx.subarray(0, n), scores: scores.subarray(0, n), count };
}

const caseArb = fc
  .record({
    dim: fc.constantFrom(1, 3, 8, 17, 33, 64, 100, 384),
    rows: fc.integer({ min: 0, max: 40 }),
    nq: fc.integer({ min: 1, max: 11 }),
    k: fc.integer({ min: 1, max: 12 }),
    seed: fc.integer({ min: 1, max: 1_000_000 }),
    cutFrac: fc.double({ min: 0, max: 1, noNaN: true }),
    headFrac: fc.double({ min: 0, max: 1, noNaN: true }),
    masked: fc.boolean(),
    ranged: fc.boolean(),
    counted: fc.boolean(),
    threshold: fc.double({ min: -0.5, max: 0.9, noNaN: true }),
    dupes: fc.boolean(),
  })
  .map((p): Case => {
    const { dim, rows, nq, k } = p;
    const slab = unitRows(rows, dim, p.seed);
    const queries = unitRows(nq, dim, p.seed + 7);
    if (p.dupes && rows >= 4) {
      slab.copyWithin(3 * dim, 1 * dim, 2 * dim);
      queries.set(slab.subarray(dim, 2 * dim), 0);
    }
    const cut = Math.floor(p.cutFrac * rows);
    const head = Math.floor(p.headFrac * cut);
    const segments = Uint32Array.from([cut, rows, 0, head]);
    const scanned = rows - cut + head;
    let skip: Uint8Array | undefined;
    if (p.masked) {
      skip = new Uint8Array(rows);
      for (let r = 0; r < rows; r++) skip[r] = (r * 7 + p.seed) % 5 === 0 ? 1 : 0;
    }
    let from: Uint32Array | undefined;
    let to: Uint32Array | undefined;
    if (p.ranged) {
      from = new Uint32Array(nq);
      to = new Uint32Array(nq);
      for (let q = 0; q < nq; q++) {
        from[q] = (p.seed * (q + 3)) % (scanned + 2);
        to[q] = (p.seed * (q + 5) + 11) % (scanned + 2);
      }
    }
    return {
      dim,
      rows,
      slab,
      segments,
      queries,
      nq,
      k,
      skip,
      from,
      to,
      countAtLeast: p.counted ? p.threshold : undefined,
    };
  });

describe('topKMany in the JS kernel', () => {
  it('gives each query exactly the hits and count topK gives it over the rows it may see', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const got = runMany(js, c);
        for (let q = 0; q < c.nq; q++) {
          const want = single(js, c, q);
          expect(got.hits[q]).toBe(want.n);
          expect(Array.from(got.idx.subarray(q * c.k, q * c.k + want.n))).toEqual(
            Array.from(want.idx),
          );
          expect(Array.from(got.scores.subarray(q * c.k, q * c.k + want.n))).toEqual(
            Array.from(want.scores),
          );
          if (got.counts) expect(got.counts[q]).toBe(want.count);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with the naive reference on rows and counts (scores within rounding)', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const got = runMany(js, c);
        const want = runMany(naiveKernel, c);
        expect(Array.from(got.hits)).toEqual(Array.from(want.hits));
        for (let i = 0; i < got.scores.length; i++) {
          expect(Math.abs(got.scores[i]! - want.scores[i]!)).toBeLessThanOrEqual(1e-5);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('rejects a bad request with a message naming the argument', () => {
    const dim = 4;
    const base = {
      slab: unitRows(3, dim, 1),
      dim,
      segments: Uint32Array.from([0, 3]),
      queries: unitRows(2, dim, 2),
      k: 2,
      outIdx: new Int32Array(4),
      outScores: new Float32Array(4),
      outHits: new Uint32Array(2),
    };
    const bad: [Partial<ManyRequest>, RegExp][] = [
      [{ queries: new Float32Array(5) }, /multiple of dim/],
      [{ outIdx: new Int32Array(3) }, /nq × k/],
      [{ outHits: new Uint32Array(1) }, /outHits/],
      [{ from: new Uint32Array(2) }, /together/],
      [{ countAtLeast: 0.5 }, /together/],
      [{ countAtLeast: Number.NaN, outCounts: new Uint32Array(2) }, /finite/],
      [{ queries: Float32Array.from([0, 0, 0, 0, 1, Number.NaN, 0, 0]) }, /query 1/],
      [{ segments: Uint32Array.from([0, 4]) }, /segment 0/],
    ];
    for (const [patch, message] of bad) {
      for (const kernel of [
        js,
        ...(available.size > 0 ? [loadKernel({ backend: 'native' })] : []),
      ]) {
        let thrown: unknown;
        try {
          kernel.topKMany({ ...base, ...patch } as ManyRequest);
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(KernelError);
        expect((thrown as KernelError).message).toMatch(message);
      }
    }
  });
});

const tolerance = (dim: number) => 1e-6 * Math.max(dim, 8);

function refScore(c: Case, q: number, r: number): number {
  let s = 0;
  for (let i = 0; i < c.dim; i++) s += c.slab[r * c.dim + i]! * c.queries[q * c.dim + i]!;
  return s;
}

for (const isa of ALL_ISAS) {
  if (!available.has(isa)) {
    it.skip(`topKMany on ${isa} — skipped: this machine cannot run ${isa}`, () => {});
    continue;
  }
  describe(`topKMany in the native ${isa} kernel`, () => {
    const kernel = loadKernel({ isa }) as ScanKernel & { info: KernelInfo };

    it('matches the JS kernel query by query (bit for bit on the scalar ISA)', () => {
      fc.assert(
        fc.property(caseArb, (c) => {
          const got = runMany(kernel, c);
          const want = runMany(js, c);
          expect(Array.from(got.hits)).toEqual(Array.from(want.hits));
          const tol = tolerance(c.dim);
          for (let q = 0; q < c.nq; q++) {
            for (let i = 0; i < got.hits[q]!; i++) {
              const at = q * c.k + i;
              if (isa === 'scalar') {
                expect(got.idx[at]).toBe(want.idx[at]);
                expect(got.scores[at]).toBe(want.scores[at]);
                continue;
              }
              expect(Math.abs(got.scores[at]! - want.scores[at]!)).toBeLessThanOrEqual(tol);
              if (got.idx[at] !== want.idx[at]) {
                const gap = Math.abs(refScore(c, q, got.idx[at]!) - refScore(c, q, want.idx[at]!));
                expect(gap).toBeLessThanOrEqual(2 * tol);
              }
            }
            if (got.counts && got.counts[q] !== want.counts![q]) {
              // Only a score within rounding of the threshold may count differently.
              const t = Math.fround(c.countAtLeast!);
              let near = 0;
              for (let r = 0; r < c.rows; r++) if (Math.abs(refScore(c, q, r) - t) <= tol) near++;
              expect(near).toBeGreaterThan(0);
            }
          }
        }),
        { numRuns: 200 },
      );
    });

    it('scores a (row, query) pair the same whatever batch the query is in', () => {
      fc.assert(
        fc.property(caseArb, (c) => {
          const got = runMany(kernel, c);
          for (let q = 0; q < c.nq; q++) {
            const alone = runMany(kernel, {
              ...c,
              nq: 1,
              queries: c.queries.slice(q * c.dim, (q + 1) * c.dim),
              from: c.from?.slice(q, q + 1),
              to: c.to?.slice(q, q + 1),
            });
            expect(alone.hits[0]).toBe(got.hits[q]);
            const n = alone.hits[0]!;
            expect(Array.from(alone.idx.subarray(0, n))).toEqual(
              Array.from(got.idx.subarray(q * c.k, q * c.k + n)),
            );
            expect(Array.from(alone.scores.subarray(0, n))).toEqual(
              Array.from(got.scores.subarray(q * c.k, q * c.k + n)),
            );
            if (got.counts) expect(alone.counts![0]).toBe(got.counts[q]);
          }
        }),
        { numRuns: 150 },
      );
    });

    it('gives exactly the synchronous result when a large scan is shared by pool threads', async () => {
      for (const [dim, rows, nq, k] of [
        [200, 3000, 8, 5],
        [384, 2600, 5, 1],
        [129, 5000, 7, 12],
      ] as const) {
        const slab = unitRows(rows, dim, rows + dim);
        // Exact duplicates across chunk boundaries: ties must resolve by scan position.
        for (const r of [700, 1500, 2400]) slab.copyWithin(r * dim, 10 * dim, 11 * dim);
        const queries = unitRows(nq, dim, 3);
        queries.set(slab.subarray(10 * dim, 11 * dim), 0);
        const skip = new Uint8Array(rows);
        for (let r = 0; r < rows; r += 37) skip[r] = 1;
        const cut = Math.floor(rows / 3);
        const from = Uint32Array.from({ length: nq }, (_, q) => q * 97);
        const to = Uint32Array.from({ length: nq }, (_, q) => rows - q * 211);
        const c: Case = {
          dim,
          rows,
          slab,
          segments: Uint32Array.from([cut, rows, 0, cut]),
          queries,
          nq,
          k,
          skip,
          from,
          to,
          countAtLeast: 0.05,
        };
        const want = runMany(kernel, c);
        const got = {
          idx: new Int32Array(nq * k).fill(-7),
          scores: new Float32Array(nq * k).fill(-7),
          hits: new Uint32Array(nq),
          counts: new Uint32Array(nq),
        };
        await kernel.topKManyAsync({
          slab,
          dim,
          segments: c.segments,
          queries,
          k,
          outIdx: got.idx,
          outScores: got.scores,
          outHits: got.hits,
          skipMask: skip,
          from,
          to,
          countAtLeast: 0.05,
          outCounts: got.counts,
        });
        expect(Array.from(got.hits)).toEqual(Array.from(want.hits));
        expect(Array.from(got.idx)).toEqual(Array.from(want.idx));
        expect(Array.from(got.scores)).toEqual(Array.from(want.scores));
        expect(Array.from(got.counts)).toEqual(Array.from(want.counts!));
      }
    });

    it('gives a row the same score whether it is read from the slab or from another array', () => {
      const dim = 385;
      const slab = unitRows(50, dim, 5);
      const queries = unitRows(9, dim, 6);
      const moved = new Float32Array(7 * dim + 3).subarray(3); // misaligned copy of rows 20..26
      moved.set(slab.subarray(20 * dim, 27 * dim));
      const c: Case = {
        dim,
        rows: 50,
        slab,
        segments: Uint32Array.from([0, 50]),
        queries,
        nq: 9,
        k: 50,
        skip: undefined,
        from: undefined,
        to: undefined,
        countAtLeast: undefined,
      };
      const whole = runMany(kernel, c);
      const part = runMany(kernel, {
        ...c,
        slab: moved,
        rows: 7,
        segments: Uint32Array.from([0, 7]),
      });
      for (let q = 0; q < 9; q++) {
        const byRow = new Map<number, number>();
        for (let i = 0; i < whole.hits[q]!; i++)
          byRow.set(whole.idx[q * 50 + i]!, whole.scores[q * 50 + i]!);
        for (let i = 0; i < part.hits[q]!; i++) {
          expect(part.scores[q * 50 + i]).toBe(byRow.get(part.idx[q * 50 + i]! + 20));
        }
      }
    });
  });
}
