import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryEngine } from '../src/engine/index.js';
import { engineKernels } from './helpers/kernels.js';

/**
 * Scored ingest in batches (one pass over the window for the batch, plus the batch among itself)
 * against scoring item by item, under random windows: full rings that the batch wraps, batches
 * larger than the ring, tombstones, exact duplicates. Every report must be identical, and the
 * nearest neighbour must be the one a brute force over the live window picks.
 */

const DIM = 6;
// Small integer components make exact duplicates and exact score ties common.
const vectorArb = fc
  .array(fc.integer({ min: -2, max: 2 }), { minLength: DIM, maxLength: DIM })
  .filter((v) => v.some((x) => x !== 0));

const scenarioArb = fc.record({
  capacity: fc.integer({ min: 1, max: 12 }),
  prefill: fc.array(vectorArb, { maxLength: 20 }),
  forget: fc.array(fc.nat(40), { maxLength: 4 }),
  batch: fc.array(vectorArb, { minLength: 1, maxLength: 18 }),
  typed: fc.boolean(),
  during: fc.array(
    fc.oneof(
      vectorArb.map((v) => ({ insert: v })),
      fc.nat(40).map((id) => ({ forget: 1 + id })),
    ),
    {
      maxLength: 3,
    },
  ),
});

function unit(v: readonly number[]): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  const s = 1 / Math.sqrt(n);
  return Float32Array.from(v, (x) => x * s);
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

const cases = engineKernels().flatMap((k) =>
  (['f32', 'f16', 'int8'] as const).map((precision) => ({ ...k, precision })),
);

for (const { name, kernel, precision } of cases) {
  describe(`scored ingest with the ${name} kernel at ${precision}`, () => {
    const make = (capacity: number) =>
      new MemoryEngine({ dim: DIM, capacity, kernel, clock: () => 1_000, precision });
    // Rows stored as halves (f16, and int8's rescoring copy) are within 2^-11 of a unit score.
    const eps = precision === 'f32' ? 1e-5 : 1e-3;

    it('gives a batch exactly the reports, ids and state that item-by-item scoring gives', () => {
      fc.assert(
        fc.property(scenarioArb, ({ capacity, prefill, forget, batch, typed }) => {
          const a = make(capacity);
          const b = make(capacity);
          // Brute-force window: slots in arrival order, tombstones keep their slot.
          const window: { id: number; v: Float32Array; dead: boolean }[] = [];
          const arrive = (id: number, v: Float32Array) => {
            if (window.length === capacity) window.shift();
            window.push({ id, v, dead: false });
          };
          for (const v of prefill) {
            const ids = a.insert('ns', v).ids;
            b.insert('ns', v);
            arrive(ids[0]!, unit(v));
          }
          for (const pick of forget) {
            const id = 1 + pick;
            a.forget([id], 'ns');
            b.forget([id], 'ns');
            for (const w of window) if (w.id === id) w.dead = true;
          }
          const flat = batch.flat();
          const together = a.insert('ns', typed ? Float32Array.from(flat) : flat, undefined, {
            score: true,
          });
          const oneByOne = batch.map((v) => {
            const res = b.insert('ns', typed ? Float32Array.from(v) : v, undefined, {
              score: true,
            });
            return { id: res.ids[0]!, report: res.anomalies![0]!, evicted: res.evicted };
          });
          expect(together.ids).toEqual(oneByOne.map((o) => o.id));
          expect(together.anomalies).toEqual(oneByOne.map((o) => o.report));
          expect(together.evicted).toBe(oneByOne.reduce((s, o) => s + o.evicted, 0));
          expect(Array.from(a.centroidOf('ns')!)).toEqual(Array.from(b.centroidOf('ns')!));
          expect(a.stats('ns')[0]!.count).toBe(b.stats('ns')[0]!.count);

          // The nearest neighbour each item got is the brute force's over its window.
          batch.forEach((v, i) => {
            const q = unit(v);
            if (window.length === capacity) window.shift();
            const live = window.filter((w) => !w.dead);
            const nearest = together.anomalies![i]!.nearest;
            if (live.length === 0) expect(nearest).toBeNull();
            else {
              const best = Math.max(...live.map((w) => dot(w.v, q)));
              expect(nearest).not.toBeNull();
              expect(Math.abs(nearest!.similarity - best)).toBeLessThan(eps);
              const tied = live.filter((w) => Math.abs(dot(w.v, q) - best) < eps).map((w) => w.id);
              expect(tied).toContain(nearest!.id);
            }
            window.push({ id: together.ids[i]!, v: q, dead: false });
          });
        }),
        { numRuns: (name === 'naive' ? 150 : 300) / (precision === 'f32' ? 1 : 3) },
      );
    });

    it('gives insertAsync exactly what insert gives, even when writes land while its scan runs', async () => {
      await fc.assert(
        fc.asyncProperty(
          scenarioArb,
          async ({ capacity, prefill, forget, batch, typed, during }) => {
            const a = make(capacity);
            const b = make(capacity);
            for (const e of [a, b]) {
              for (const v of prefill) e.insert('ns', v);
              e.forget(
                forget.map((p) => 1 + p),
                'ns',
              );
            }
            const flat = batch.flat();
            const vectors = typed ? Float32Array.from(flat) : flat;
            const apply = (e: MemoryEngine) => {
              for (const op of during) {
                if ('insert' in op) e.insert('ns', op.insert);
                else e.forget([op.forget], 'ns');
              }
            };
            const pending = a.insertAsync('ns', vectors, undefined, { score: true });
            apply(a);
            const got = await pending;
            apply(b);
            const want = b.insert('ns', vectors, undefined, { score: true });
            expect(got).toEqual(want);
            expect(Array.from(a.centroidOf('ns')!)).toEqual(Array.from(b.centroidOf('ns')!));
          },
        ),
        { numRuns: precision === 'f32' ? 150 : 50 },
      );
    });

    it('gives a probe (anomaly without storing) the same neighbour a stored item would get', () => {
      const e = make(8);
      const rows = [
        [1, 0, 0, 0, 0, 0],
        [0, 1, 0, 0, 0, 0],
        [1, 1, 0, 0, 0, 0],
        [0, 0, 1, 0, 0, 0],
      ];
      e.insert('ns', rows.flat());
      const probe = e.anomaly('ns', [1, 1, 0.1, 0, 0, 0]);
      const stored = e.insert('ns', [1, 1, 0.1, 0, 0, 0], undefined, { score: true });
      expect(probe.nearest).toEqual(stored.anomalies![0]!.nearest);
      expect(probe.nearest!.id).toBe(3);
    });

    it('lets a later item of a batch find an earlier one as its nearest neighbour', () => {
      const e = make(100);
      e.insert('ns', [0, 0, 0, 0, 0, 1]);
      const res = e.insert('ns', [1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0], undefined, {
        score: true,
      });
      expect(res.anomalies![1]!.nearest).toEqual({ id: res.ids[0], similarity: 1 });
    });

    it('does not let an item see window rows its own batch evicted before it arrived', () => {
      const e = make(2);
      e.insert('ns', [1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]); // ids 1, 2
      // Item 0 evicts id 1, item 1 evicts id 2: item 1 equals id 1 yet cannot see it.
      const res = e.insert('ns', [0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0], undefined, { score: true });
      expect(res.anomalies![0]!.nearest!.id).toBe(2);
      expect(res.anomalies![1]!.nearest!.id).toBe(res.ids[0]);
      expect(res.anomalies![1]!.nearest!.similarity).toBe(0);
    });
  });
}
