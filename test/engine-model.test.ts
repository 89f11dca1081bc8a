import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryEngine } from '../src/engine/index.js';
import type { Precision } from '../src/kernel/compact.js';
import type { ScanKernel } from '../src/kernel/types.js';
import { engineKernels } from './helpers/kernels.js';
import { ReferenceMemory } from './helpers/reference-memory.js';

const DIM = 6;
const TAGS = ['a', 'b', 'c'] as const;

// Small integer components make exact duplicates and exact score ties common, which is where
// ordering bugs hide.
const vectorArb = fc
  .array(fc.integer({ min: -2, max: 2 }), { minLength: DIM, maxLength: DIM })
  .filter((v) => v.some((x) => x !== 0));
const tagsArb = fc.subarray([...TAGS]);

type Op =
  | { kind: 'insert'; vectors: number[][]; tags: string[][]; typed: boolean }
  | { kind: 'advance'; ms: number }
  | { kind: 'clockBack'; ms: number }
  | { kind: 'forgetOlderThan'; ageMs: number }
  | { kind: 'forgetId'; pick: number }
  | QueryOp
  | (Omit<QueryOp, 'kind'> & { kind: 'queryAsync'; during: Op[] });

interface QueryOp {
  kind: 'query';
  vector: number[];
  k: number;
  sinceBack?: number;
  untilBack?: number;
  any?: string[];
  all?: string[];
}

const writeOpArbs = [
  {
    weight: 5,
    arbitrary: fc
      .tuple(fc.array(fc.tuple(vectorArb, tagsArb), { minLength: 1, maxLength: 4 }), fc.boolean())
      .map(([rows, typed]) => ({
        kind: 'insert' as const,
        vectors: rows.map((r) => r[0]),
        tags: rows.map((r) => r[1]),
        // Float32Array batches take the native batch-ingest path where the kernel has one.
        typed,
      })),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      // Steps that add up to the TTLs below exactly, so age == TTL boundaries are hit often.
      ms: fc.constantFrom(0, 1, 5, 10, 25, 50),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('clockBack' as const),
      ms: fc.integer({ min: 1, max: 30 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('forgetOlderThan' as const),
      ageMs: fc.constantFrom(0, 1, 5, 10, 25, 50, 75, 120),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('forgetId' as const), pick: fc.nat(1000) }),
  },
];

const queryArb: fc.Arbitrary<QueryOp> = fc.record(
  {
    kind: fc.constant('query' as const),
    vector: vectorArb,
    k: fc.integer({ min: 1, max: 20 }),
    sinceBack: fc.integer({ min: 0, max: 150 }),
    untilBack: fc.integer({ min: 0, max: 60 }),
    any: fc.subarray([...TAGS], { minLength: 1 }),
    all: fc.subarray([...TAGS], { minLength: 1 }),
  },
  { requiredKeys: ['kind', 'vector', 'k'] },
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  ...writeOpArbs,
  { weight: 4, arbitrary: queryArb },
  {
    // The product's recall path (searchAsync), with writes landing while its scan is in flight.
    weight: 2,
    arbitrary: fc
      .tuple(queryArb, fc.array(fc.oneof(...writeOpArbs), { maxLength: 3 }))
      .map(([q, during]) => ({ ...q, kind: 'queryAsync' as const, during })),
  },
);

/**
 * Hits must match the reference in order; where the reference has scores closer than float
 * rounding can separate, the engine may order those entries differently (and at the k boundary
 * choose a different one of them).
 */
function expectSameHits(
  got: { id: number; score: number }[],
  want: { id: number; score: number }[],
  eps = 1e-5,
): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    expect(Math.abs(got[i]!.score - want[i]!.score)).toBeLessThan(eps);
    if (got[i]!.id === want[i]!.id) continue;
    const s = want[i]!.score;
    expect(
      Math.abs(got[i]!.score - s),
      `hit ${i}: id ${got[i]!.id} vs ${want[i]!.id}`,
    ).toBeLessThan(eps);
  }
  // Outside near-ties the sets are the same: a hit that beats either list's last score by more
  // than the two lists' combined error (2·eps) must be in the other list. (Comparing two filtered
  // sets instead fails on a hit that both lists hold whose two scores straddle boundary + eps.)
  const wantIds = new Set(want.map((h) => h.id));
  const gotIds = new Set(got.map((h) => h.id));
  const wantBoundary = want.length > 0 ? want[want.length - 1]!.score : 0;
  const gotBoundary = got.length > 0 ? got[got.length - 1]!.score : 0;
  for (const h of want) {
    if (h.score > wantBoundary + 2 * eps) expect(gotIds.has(h.id), `want ${h.id}`).toBe(true);
  }
  for (const h of got) {
    if (h.score > gotBoundary + 2 * eps) expect(wantIds.has(h.id), `got ${h.id}`).toBe(true);
  }
}

async function runModel(
  kernel: ScanKernel,
  ops: Op[],
  capacity: number,
  ttlMs: number,
  precision: Precision = 'f32',
): Promise<void> {
  // Unit rows stored as halves are within 2^-12 of the exact values per component, so a score of
  // two unit vectors is within 2^-11 (int8 scans rescore their candidates from the halves).
  const eps = precision === 'f32' ? 1e-5 : 1e-3;
  let t = 1_000_000;
  const engine = new MemoryEngine({
    dim: DIM,
    capacity,
    ttlMs,
    kernel,
    precision,
    clock: () => t,
    resumEvery: 7,
  });
  const ref = new ReferenceMemory(DIM, capacity, ttlMs);
  const seenIds: number[] = [];
  const queryOf = (op: Omit<QueryOp, 'kind'>) => {
    const now = ref.now(t);
    return {
      k: op.k,
      since: op.sinceBack !== undefined ? now - op.sinceBack : undefined,
      until: op.untilBack !== undefined ? now - op.untilBack : undefined,
      tags: op.any || op.all ? { any: op.any, all: op.all } : undefined,
    };
  };
  // Synchronous on purpose: the writes of a queryAsync must all land before its scan's
  // continuation runs, with no await (and so no chance for it to run) between them.
  const apply = (op: Op): void => {
    switch (op.kind) {
      case 'insert': {
        const flat = op.typed ? new Float32Array(op.vectors.flat()) : op.vectors.flat();
        const res = engine.insert(
          'ns',
          flat,
          op.tags.map((tags) => ({ tags })),
        );
        res.ids.forEach((id, i) => {
          ref.insert(t, id, op.vectors[i]!, op.tags[i]!);
          seenIds.push(id);
        });
        break;
      }
      case 'advance':
        t += op.ms;
        break;
      case 'clockBack':
        t -= op.ms;
        break;
      case 'forgetOlderThan': {
        const got = engine.forgetOlderThan({ ageMs: op.ageMs, namespace: 'ns' });
        const want = ref.forgetOlderThan(t, op.ageMs);
        expect(got.forgotten).toBe(want);
        break;
      }
      case 'forgetId': {
        const id = seenIds.length > 0 ? seenIds[op.pick % seenIds.length]! : op.pick + 1;
        const got = engine.forget([id], 'ns');
        expect(got.forgotten.includes(id)).toBe(ref.forget(t, id));
        break;
      }
      case 'query': {
        const q = queryOf(op);
        const got = engine.search('ns', op.vector, q);
        const want = ref.search(t, op.vector, q);
        expectSameHits(got.hits, want, eps);
        break;
      }
      case 'queryAsync':
        throw new Error('queryAsync is run by the loop below');
    }
  };
  for (const op of ops) {
    if (op.kind === 'queryAsync') {
      // The scan is planned now; the writes land before its continuation runs. The answer must
      // be the window as it was when the scan was planned or as it is when the promise resolves
      // (both are moments the recall can be said to have happened at) — never a mix of the two,
      // never a hit that had been overwritten or forgotten by then.
      const q = queryOf(op);
      const pending = engine.searchAsync('ns', op.vector, q);
      const atPlan = ref.search(t, op.vector, q);
      for (const w of op.during) apply(w);
      const got = (await pending).hits;
      const atEnd = ref.search(t, op.vector, q);
      try {
        expectSameHits(got, atEnd, eps);
      } catch {
        expectSameHits(got, atPlan, eps);
      }
    } else {
      apply(op);
    }
    const live = ref.liveAt(t);
    const stats = engine.stats('ns')[0];
    expect(stats?.count ?? 0).toBe(live.length);
    if (stats) {
      expect(stats.oldestAgeMs).toBe(live.length ? ref.now(t) - live[0]!.time : null);
      const centroid = engine.centroidOf('ns')!;
      const want = ref.centroid(t);
      const centroidEps = precision === 'f32' ? 1e-6 : 1e-3;
      for (let i = 0; i < DIM; i++) {
        expect(Math.abs(centroid[i]! - want[i]!)).toBeLessThan(centroidEps);
      }
      expect(stats.precision).toBe(precision);
    }
  }
}

describe.each(engineKernels())('engine vs a brute-force reference ($name kernel)', ({ kernel }) => {
  it('agrees on hits, order, counts, eviction and centroid under random operation sequences, also for recalls with writes landing mid-scan', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom(Number.POSITIVE_INFINITY, 50, 100),
        (ops, capacity, ttl) => runModel(kernel, ops, capacity, ttl),
      ),
      { numRuns: 300 },
    );
  });

  it('agrees when the ring grows past its initial allocation and wraps many times', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { minLength: 200, maxLength: 400 }),
        fc.constantFrom(300, 513),
        (ops, capacity) => runModel(kernel, ops, capacity, Number.POSITIVE_INFINITY),
      ),
      { numRuns: 15 },
    );
  });
});

const compactCases = engineKernels().flatMap((k) =>
  (['f16', 'int8'] as const).map((precision) => ({ ...k, precision })),
);

describe.each(compactCases)(
  'engine at $precision vs a brute-force reference ($name kernel)',
  ({ kernel, precision }) => {
    it('agrees on hits (scores within the precision), counts, eviction and centroid under random operation sequences', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(opArb, { minLength: 1, maxLength: 60 }),
          fc.integer({ min: 1, max: 12 }),
          fc.constantFrom(Number.POSITIVE_INFINITY, 50, 100),
          (ops, capacity, ttl) => runModel(kernel, ops, capacity, ttl, precision),
        ),
        { numRuns: 100 },
      );
    });

    it('agrees when the ring grows past its initial allocation and wraps many times', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(opArb, { minLength: 200, maxLength: 400 }),
          fc.constantFrom(300, 513),
          (ops, capacity) => runModel(kernel, ops, capacity, Number.POSITIVE_INFINITY, precision),
        ),
        { numRuns: 5 },
      );
    });
  },
);
