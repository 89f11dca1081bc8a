import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createVectorRows, int8Candidates } from '../src/engine/vector-rows.js';
import { floatToHalf, halfToFloat } from '../src/kernel/compact.js';
import { INGEST_ADD, INGEST_REPLACE, INGEST_RESET } from '../src/kernel/ingest.js';
import { seededUnitRows } from '../src/seeded-rows.js';
import { engineKernels } from './helpers/kernels.js';

/**
 * The compact row stores (f16, int8) against float32 references built from what they read back:
 * writes keep the running sum equal to the sum of the stored rows; many-queries scans decoded in
 * chunks give exactly the float32 kernel's answer over the decoded rows (chunk borders, from/to,
 * skip mask and counts included); int8 scans give f16's answer where candidates suffice.
 */

const DIM = 7;

function decodedSlab(store: ReturnType<typeof createVectorRows>, rows: number): Float32Array {
  const slab = new Float32Array(rows * DIM);
  for (let r = 0; r < rows; r++) store.row(r, slab.subarray(r * DIM, (r + 1) * DIM));
  return slab;
}

function filled(precision: 'f16' | 'int8', rows: number, seed: number, chunkValues?: number) {
  const { kernel } = engineKernels().at(-1)!;
  const store = createVectorRows(precision, DIM, rows, kernel, chunkValues);
  // Every row repeats one of the first few: exact ties across chunk borders test the tie rule.
  const distinct = seededUnitRows(Math.max(1, Math.ceil(rows / 3)), DIM, seed);
  const src = new Float32Array(rows * DIM);
  for (let r = 0; r < rows; r++) {
    const from = (r % (distinct.length / DIM)) * DIM;
    src.set(distinct.subarray(from, from + DIM), r * DIM);
  }
  store.writeRows({
    src,
    scales: new Float64Array(rows).fill(1),
    slots: Uint32Array.from({ length: rows }, (_, i) => i),
    flags: new Uint8Array(rows),
    sum: new Float64Array(DIM),
    out: new Float64Array(2 * rows),
  });
  return { store, src, kernel };
}

describe.each(['f16', 'int8'] as const)('%s rows', (precision) => {
  it('store each value as its nearest half and keep the running sum equal to the stored rows', () => {
    const { kernel } = engineKernels()[0]!;
    const store = createVectorRows(precision, DIM, 4, kernel);
    const src = seededUnitRows(6, DIM, 3);
    const sum = new Float64Array(DIM);
    const out = new Float64Array(12);
    store.writeRows({
      src,
      scales: Float64Array.of(1, 1, 1, 1, 2, 0.5),
      slots: Uint32Array.of(0, 1, 2, 3, 1, 2),
      flags: Uint8Array.of(
        INGEST_RESET,
        INGEST_ADD,
        INGEST_ADD,
        INGEST_ADD,
        INGEST_REPLACE,
        INGEST_REPLACE,
      ),
      sum,
      out,
    });
    const scales = [1, 1, 1, 1, 2, 0.5];
    const finalSrc = [0, 4, 5, 3];
    const want = new Float64Array(DIM);
    for (let slot = 0; slot < 4; slot++) {
      const r = finalSrc[slot]!;
      const row = store.row(slot, new Float32Array(DIM));
      for (let i = 0; i < DIM; i++) {
        const v = halfToFloat(floatToHalf(Math.fround(src[r * DIM + i]! * scales[r]!)));
        expect(row[i]).toBe(v);
        want[i] = want[i]! + v;
      }
    }
    for (let i = 0; i < DIM; i++) expect(sum[i]).toBeCloseTo(want[i]!, 12);
  });

  it('give a many-queries scan exactly the float32 kernel answer over the decoded rows, across chunk borders', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 9 }),
        fc.boolean(),
        fc.boolean(),
        fc.nat(1000),
        (rows, nq, k, chunkRows, windowed, masked, seed) => {
          const { store, kernel } = filled(precision, rows, seed, chunkRows * DIM);
          const slab = decodedSlab(store, rows);
          const split = seed % rows;
          const segments = Uint32Array.of(split, rows, 0, split);
          const queries = seededUnitRows(nq, DIM, seed + 1);
          const skipMask = masked
            ? Uint8Array.from({ length: rows }, (_, i) => ((i * 7 + seed) % 3 === 0 ? 1 : 0))
            : undefined;
          const from = windowed
            ? Uint32Array.from({ length: nq }, (_, q) => (q * 3) % rows)
            : undefined;
          const to = windowed
            ? Uint32Array.from({ length: nq }, (_, q) =>
                Math.min(rows, from![q]! + 1 + ((q * 5 + seed) % rows)),
              )
            : undefined;
          const make = () => ({
            outIdx: new Int32Array(nq * k),
            outScores: new Float32Array(nq * k),
            outHits: new Uint32Array(nq),
            outCounts: new Uint32Array(nq),
          });
          const got = make();
          const want = make();
          const common = { segments, queries, k, skipMask, from, to, countAtLeast: 0.1 };
          store.scanMany({ ...common, ...got });
          kernel.topKMany({ ...common, ...want, slab, dim: DIM });
          expect(Array.from(got.outHits)).toEqual(Array.from(want.outHits));
          expect(Array.from(got.outCounts)).toEqual(Array.from(want.outCounts));
          for (let q = 0; q < nq; q++) {
            const n = want.outHits[q]!;
            const at = q * k;
            expect(Array.from(got.outIdx.subarray(at, at + n))).toEqual(
              Array.from(want.outIdx.subarray(at, at + n)),
            );
            expect(Array.from(got.outScores.subarray(at, at + n))).toEqual(
              Array.from(want.outScores.subarray(at, at + n)),
            );
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('give a top-k scan the decoded rows top-k, best first, scan order first on ties', () => {
    const rows = 300;
    const { store } = filled(precision, rows, 5);
    const slab = decodedSlab(store, rows);
    for (const k of [1, 10, 50]) {
      const q = seededUnitRows(1, DIM, 40 + k);
      const outIdx = new Int32Array(k);
      const outScores = new Float32Array(k);
      const segments = Uint32Array.of(100, 300, 0, 100);
      const found = store.scan({ segments, query: q, k, outIdx, outScores });
      const order = [...Array(rows).keys()].map((i) => (i + 100) % rows);
      const exact = order
        .map((slot, rank) => {
          let s = 0;
          for (let d = 0; d < DIM; d++) s += slab[slot * DIM + d]! * q[d]!;
          return { slot, rank, s };
        })
        .sort((a, b) => b.s - a.s || a.rank - b.rank);
      expect(found).toBe(k);
      for (let i = 0; i < k; i++) {
        expect(Math.abs(outScores[i]! - exact[i]!.s)).toBeLessThan(1e-6);
        // Ranks differ only between scores float rounding cannot separate.
        if (outIdx[i] !== exact[i]!.slot) {
          expect(Math.abs(exact[i]!.s - outScores[i]!)).toBeLessThan(1e-6);
        }
      }
    }
  });
});

describe('int8 candidates', () => {
  it('take at least 64 more than k, or 4k, up to the kernel limit', () => {
    expect(int8Candidates(1)).toBe(65);
    expect(int8Candidates(10)).toBe(74);
    expect(int8Candidates(100)).toBe(400);
    expect(int8Candidates(10_000)).toBe(10_000);
  });
});
