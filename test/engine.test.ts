import { describe, expect, it } from 'vitest';
import { MemoryEngine } from '../src/engine/index.js';
import { RingmemError } from '../src/errors.js';
import { MAX_TOP_K } from '../src/kernel/types.js';
import { seededRandom } from '../src/seeded-rows.js';
import { naiveKernel } from './helpers/naive-kernel.js';

const DIM = 4;

function makeEngine(overrides: Partial<ConstructorParameters<typeof MemoryEngine>[0]> = {}) {
  const clock = { t: 1_700_000_000_000 };
  const engine = new MemoryEngine({
    dim: DIM,
    capacity: 8,
    kernel: naiveKernel,
    clock: () => clock.t,
    ...overrides,
  });
  return { engine, clock };
}

function expectCode(fn: () => unknown, code: string, message: RegExp): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RingmemError);
    expect((error as RingmemError).code).toBe(code);
    expect((error as Error).message).toMatch(message);
    return;
  }
  throw new Error(`expected a ${code} error`);
}

describe('MemoryEngine input validation', () => {
  it('rejects a vector of the wrong dimension and says how many values a vector needs', () => {
    const { engine } = makeEngine();
    expectCode(
      () => engine.insert('default', [1, 2, 3]),
      'DIMENSION_MISMATCH',
      /4 values per vector/,
    );
    expectCode(
      () => engine.search('default', [1, 2], { k: 1 }),
      'DIMENSION_MISMATCH',
      /dimension is 4/,
    );
  });

  it('rejects NaN and Infinity and names the offending index', () => {
    const { engine } = makeEngine();
    expectCode(
      () => engine.insert('default', [1, Number.NaN, 0, 0]),
      'NON_FINITE_VECTOR',
      /index 1/,
    );
    expectCode(
      () => engine.insert('default', [1, 0, 0, Number.POSITIVE_INFINITY]),
      'NON_FINITE_VECTOR',
      /finite number/,
    );
    expectCode(
      () => engine.anomaly('default', [0, 0, Number.NaN, 1]),
      'NON_FINITE_VECTOR',
      /index 2/,
    );
  });

  it('rejects non-number values in a plain array instead of coercing them', () => {
    const { engine } = makeEngine();
    expectCode(
      () => engine.insert('default', [1, '2', 0, 0] as unknown as number[]),
      'NON_FINITE_VECTOR',
      /string, not a number/,
    );
  });

  it('rejects an all-zero vector because it has no direction', () => {
    const { engine } = makeEngine();
    expectCode(() => engine.insert('default', [0, 0, 0, 0]), 'ZERO_VECTOR', /non-zero norm/);
    expectCode(() => engine.search('default', [0, 0, 0, 0], { k: 1 }), 'ZERO_VECTOR', /non-zero/);
  });

  it('rejects k outside 1..MAX_TOP_K and says the accepted range', () => {
    const { engine } = makeEngine();
    for (const k of [0, -1, 1.5, MAX_TOP_K + 1, Number.NaN]) {
      expectCode(
        () => engine.search('default', [1, 0, 0, 0], { k }),
        'INVALID_K',
        new RegExp(`integer from 1 to ${MAX_TOP_K}`),
      );
    }
  });

  it('rejects namespace names outside ^[A-Za-z0-9._:-]{1,64}$', () => {
    const { engine } = makeEngine();
    for (const bad of ['', 'a b', 'x'.repeat(65), 'ns/1', 'é', 42 as unknown as string]) {
      expectCode(() => engine.insert(bad, [1, 0, 0, 0]), 'INVALID_NAMESPACE', /1–64 characters/);
    }
    expect(engine.insert('agent-1:run_2.logs', [1, 0, 0, 0]).ids).toHaveLength(1);
  });

  it('stores nothing when any row of a batch is invalid', () => {
    const { engine } = makeEngine();
    engine.insert('default', [1, 0, 0, 0]);
    expect(() => engine.insert('default', [0, 1, 0, 0, 0, 0, 0, 0])).toThrow(RingmemError);
    expect(engine.stats('default')[0]?.count).toBe(1);
    expect(engine.stats('default')[0]?.counters.inserted).toBe(1);
  });

  it('rejects an entries list that does not match the number of vectors', () => {
    const { engine } = makeEngine();
    expectCode(
      () => engine.insert('default', [1, 0, 0, 0], [{ text: 'a' }, { text: 'b' }]),
      'INVALID_ARGUMENT',
      /one entry per vector/,
    );
  });
});

describe('MemoryEngine raw vectors', () => {
  it('normalises raw vectors on the way in, whatever their scale', () => {
    const { engine } = makeEngine();
    engine.insert('default', [3, 4, 0, 0, 1e-30, 0, 1e-30, 0, 0, 0, 0, 5e30]);
    const hits = engine.search('default', [0.6, 0.8, 0, 0], { k: 3 }).hits;
    expect(hits[0]?.score).toBeCloseTo(1, 6);
    const tiny = engine.search('default', [1, 0, 1, 0], { k: 1 }).hits[0];
    expect(tiny?.score).toBeCloseTo(1, 6);
    const huge = engine.search('default', [0, 0, 0, 2], { k: 1 }).hits[0];
    expect(huge?.score).toBeCloseTo(1, 6);
  });

  it('accepts Float32Array batches without copying them per row', () => {
    const { engine } = makeEngine({ capacity: 100 });
    const batch = new Float32Array(50 * DIM);
    for (let i = 0; i < 50; i++) batch[i * DIM + (i % DIM)] = i + 1;
    const res = engine.insert('default', batch);
    expect(res.ids).toHaveLength(50);
    expect(new Set(res.ids).size).toBe(50);
  });
});

describe('MemoryEngine ring semantics', () => {
  it('evicts the oldest entry first when the ring is full', () => {
    const { engine, clock } = makeEngine({ capacity: 3 });
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      clock.t += 1;
      ids.push(...engine.insert('default', [1, i, 0, 0], [{ text: `e${i}` }]).ids);
    }
    const texts = engine.recent('default', 10).map((e) => e.text);
    expect(texts).toEqual(['e4', 'e3', 'e2']);
    expect(engine.stats('default')[0]?.counters.evicted).toBe(2);
  });

  it('makes entries invisible once their age reaches the TTL', () => {
    const { engine, clock } = makeEngine({ ttlMs: 1000 });
    engine.insert('default', [1, 0, 0, 0], [{ text: 'old' }]);
    clock.t += 500;
    engine.insert('default', [0, 1, 0, 0], [{ text: 'new' }]);
    clock.t += 499;
    expect(engine.search('default', [1, 0, 0, 0], { k: 5 }).hits).toHaveLength(2);
    clock.t += 1;
    const hits = engine.search('default', [1, 0, 0, 0], { k: 5 }).hits;
    expect(hits.map((h) => h.text)).toEqual(['new']);
    expect(engine.stats('default')[0]?.counters.expired).toBe(1);
  });

  it('keeps time order when the wall clock steps backwards', () => {
    const { engine, clock } = makeEngine();
    engine.insert('default', [1, 0, 0, 0], [{ text: 'first' }]);
    clock.t -= 60_000;
    engine.insert('default', [1, 0, 0, 0], [{ text: 'second' }]);
    const [newest, oldest] = engine.recent('default', 2);
    expect(newest?.text).toBe('second');
    expect(newest?.timestamp).toBeGreaterThanOrEqual(oldest!.timestamp);
  });

  it('forgets entries older than an absolute time or an age, and reports what remains', () => {
    const { engine, clock } = makeEngine({ capacity: 10 });
    for (let i = 0; i < 6; i++) {
      engine.insert('default', [1, i, 0, 0]);
      clock.t += 100;
    }
    const t0 = clock.t - 600;
    expect(engine.forgetOlderThan({ before: t0 + 200 })).toEqual({ forgotten: 2, remaining: 4 });
    expect(engine.forgetOlderThan({ ageMs: 250, namespace: 'default' })).toEqual({
      forgotten: 2,
      remaining: 2,
    });
    expectCode(() => engine.forgetOlderThan({}), 'INVALID_ARGUMENT', /exactly one of ageMs/);
    expectCode(() => engine.forgetOlderThan({ ageMs: -1 }), 'INVALID_ARGUMENT', /milliseconds ≥ 0/);
  });

  it('finds entries in a time window that spans the wrap-around of the ring', () => {
    const { engine, clock } = makeEngine({ capacity: 5 });
    for (let i = 0; i < 8; i++) {
      clock.t += 10;
      engine.insert('default', [1, 0, 0, 0], [{ text: `e${i}` }]);
    }
    // Slots now hold e5 e6 e7 e3 e4 (head at slot 3); e4..e6 straddle the wrap.
    const now = clock.t;
    const res = engine.search('default', [1, 0, 0, 0], { k: 10, since: now - 30, until: now - 10 });
    expect(res.hits.map((h) => h.text).sort()).toEqual(['e4', 'e5', 'e6']);
    expect(res.searched).toBe(3);
  });

  it('deletes by id with a tombstone the scan skips, and reports unknown ids', () => {
    const { engine } = makeEngine();
    const { ids } = engine.insert(
      'default',
      [1, 0, 0, 0, 0.9, 0.1, 0, 0],
      [{ text: 'a' }, { text: 'b' }],
    );
    const res = engine.forget([ids[0]!, 999]);
    expect(res).toEqual({ forgotten: [ids[0]], notFound: [999] });
    const hits = engine.search('default', [1, 0, 0, 0], { k: 5 }).hits;
    expect(hits.map((h) => h.text)).toEqual(['b']);
    expect(engine.search('default', [1, 0, 0, 0], { k: 5 }).searched).toBe(1);
    expect(engine.forget([ids[0]!]).notFound).toEqual([ids[0]]);
    expect(engine.get('default', ids[0]!)).toBeUndefined();
  });

  it('filters by tags before ranking: any-of and all-of', () => {
    const { engine } = makeEngine();
    engine.insert(
      'default',
      [1, 0, 0, 0, 0.9, 0.1, 0, 0, 0.8, 0.2, 0, 0],
      [
        { text: 'x', tags: ['error'] },
        { text: 'y', tags: ['error', 'db'] },
        { text: 'z', tags: ['db'] },
      ],
    );
    const q = [1, 0, 0, 0];
    const texts = (tags: { any?: string[]; all?: string[] }) =>
      engine.search('default', q, { k: 5, tags }).hits.map((h) => h.text);
    expect(texts({ any: ['db'] })).toEqual(['y', 'z']);
    expect(texts({ all: ['error', 'db'] })).toEqual(['y']);
    expect(texts({ any: ['error'], all: ['db'] })).toEqual(['y']);
    expect(texts({ any: ['nope'] })).toEqual([]);
  });

  it('drops hits below minScore', () => {
    const { engine } = makeEngine();
    engine.insert('default', [1, 0, 0, 0, 0, 1, 0, 0]);
    expect(engine.search('default', [1, 0, 0, 0], { k: 5, minScore: 0.5 }).hits).toHaveLength(1);
  });

  it('answers an unknown namespace with no hits instead of creating it', () => {
    const { engine } = makeEngine();
    const res = engine.search('nobody', [1, 0, 0, 0], { k: 3 });
    expect(res.hits).toEqual([]);
    expect(engine.namespaces()).toEqual([]);
  });
});

describe('MemoryEngine limits and statistics', () => {
  it('refuses a namespace past the server-wide cap and says how to proceed', () => {
    const { engine } = makeEngine({ maxNamespaces: 2 });
    engine.insert('a', [1, 0, 0, 0]);
    engine.insert('b', [1, 0, 0, 0]);
    expectCode(
      () => engine.insert('c', [1, 0, 0, 0]),
      'NAMESPACE_LIMIT',
      /maximum of 2 namespaces/,
    );
  });

  it('refuses writes past the byte cap and stores nothing of the refused call', () => {
    const { engine } = makeEngine({ capacity: 100_000, maxBytes: 100_000 });
    engine.insert('default', [1, 0, 0, 0], [{ text: 'ok' }]);
    const big = 'x'.repeat(60_000);
    expectCode(
      () => engine.insert('default', [1, 0, 0, 0], [{ text: big }]),
      'MEMORY_LIMIT',
      /forget old entries/,
    );
    expect(engine.stats('default')[0]?.count).toBe(1);
  });

  it('keeps a full ring under its byte cap by counting the payloads that eviction frees', () => {
    const { engine } = makeEngine({ capacity: 4, maxBytes: 64 * 1024 });
    for (let i = 0; i < 50; i++)
      engine.insert('default', [1, i, 0, 0], [{ text: 'y'.repeat(3000) }]);
    expect(engine.stats('default')[0]?.count).toBe(4);
  });

  it('costs at most 4·dim + 64 bytes per record plus its payload', () => {
    const dim = 384;
    const engine = new MemoryEngine({ dim, capacity: 1024, kernel: naiveKernel });
    const batch = new Float32Array(1024 * dim).fill(0.5);
    engine.insert('default', batch);
    const stats = engine.stats('default')[0]!;
    expect(stats.count).toBe(1024);
    expect(stats.bytes / 1024).toBeLessThanOrEqual(4 * dim + 64);
  });

  it('reports count, capacity, TTL, bytes and oldest and newest ages per namespace', () => {
    const { engine, clock } = makeEngine({ ttlMs: 60_000 });
    engine.insert('default', [1, 0, 0, 0]);
    clock.t += 1500;
    engine.insert('default', [0, 1, 0, 0]);
    clock.t += 500;
    const s = engine.stats('default')[0]!;
    expect(s).toMatchObject({
      namespace: 'default',
      count: 2,
      capacity: 8,
      ttlMs: 60_000,
      oldestAgeMs: 2000,
      newestAgeMs: 500,
    });
    expect(s.bytes).toBeGreaterThan(0);
    expect(engine.stats('missing')).toEqual([]);
  });

  it('gives each namespace its own capacity and TTL', () => {
    const { engine } = makeEngine();
    engine.configureNamespace('short', { capacity: 2, ttlMs: 10 });
    for (let i = 0; i < 3; i++) engine.insert('short', [1, 0, 0, 0]);
    for (let i = 0; i < 3; i++) engine.insert('default', [1, 0, 0, 0]);
    expect(engine.stats('short')[0]).toMatchObject({ count: 2, capacity: 2, ttlMs: 10 });
    expect(engine.stats('default')[0]).toMatchObject({ count: 3, capacity: 8, ttlMs: null });
    expectCode(
      () => engine.configureNamespace('short', { capacity: 5 }),
      'INVALID_ARGUMENT',
      /capacity is fixed at creation/,
    );
  });
});

describe('MemoryEngine centroid', () => {
  it('keeps the running centroid within 1e-6 of the exact mean after 10^7 updates, without re-summing', () => {
    const dim = 8;
    const capacity = 1000;
    const engine = new MemoryEngine({
      dim,
      capacity,
      kernel: naiveKernel,
      resumEvery: Number.POSITIVE_INFINITY,
    });
    const rand = seededRandom(7);
    const batchRows = 10_000;
    const batch = new Float32Array(batchRows * dim);
    // 5·10^6 inserts, each past the first 1000 also evicts: ≈ 10^7 centroid updates in all.
    for (let b = 0; b < 500; b++) {
      // A drifting mean makes sums large and cancellations real.
      for (let i = 0; i < batch.length; i++) batch[i] = rand() - 0.5 + (i % dim === 0 ? b / 50 : 0);
      engine.insert('default', batch);
    }
    const stats = engine.stats('default')[0]!;
    expect(stats.counters.inserted + stats.counters.evicted).toBeGreaterThanOrEqual(9_999_000);
    const running = engine.centroidOf('default')!;
    const exact = new Float64Array(dim);
    // Recompute from the stored rows: the last `capacity` rows of the last batch, normalised.
    for (let r = batchRows - capacity; r < batchRows; r++) {
      let ss = 0;
      for (let i = 0; i < dim; i++) ss += batch[r * dim + i]! ** 2;
      const scale = 1 / Math.sqrt(ss);
      for (let i = 0; i < dim; i++)
        exact[i]! += Math.fround(batch[r * dim + i]! * scale) / capacity;
    }
    let maxErr = 0;
    for (let i = 0; i < dim; i++) maxErr = Math.max(maxErr, Math.abs(running[i]! - exact[i]!));
    expect(maxErr).toBeLessThan(1e-6);
  }, 120_000);

  it('equals the recomputed mean after deletes, expiry and a wrap', () => {
    const { engine, clock } = makeEngine({ capacity: 5, ttlMs: 100 });
    const rows = [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [1, 1, 0, 0],
      [0, 0, 1, 0],
      [1, 0, 1, 0],
      [0, 1, 1, 1],
    ];
    const ids = rows.map((r) => {
      clock.t += 30;
      return engine.insert('default', r).ids[0]!;
    });
    engine.forget([ids[3]!]);
    clock.t += 50; // expires rows 0..3 (ages ≥ 100)
    const live = [rows[4]!, rows[5]!].map((r) => {
      const n = Math.hypot(...r);
      return r.map((x) => Math.fround(x / n));
    });
    const mean = live[0]!.map((_, i) => (live[0]![i]! + live[1]![i]!) / 2);
    const got = engine.centroidOf('default')!;
    for (let i = 0; i < DIM; i++) expect(got[i]).toBeCloseTo(mean[i]!, 6);
  });
});

describe('MemoryEngine anomaly score', () => {
  function fillTopic(engine: MemoryEngine, n: number, rand: () => number): void {
    for (let i = 0; i < n; i++) {
      const v = [1, 0.2 * (rand() - 0.5), 0.2 * (rand() - 0.5), 0.2 * (rand() - 0.5)];
      // Scored, as remember scores: the calibration learns from scored arrivals.
      engine.insert('logs', v, undefined, { score: true });
    }
  }

  it('withholds the verdict while the window is warming up', () => {
    const { engine } = makeEngine({ capacity: 200 });
    const first = engine.insert('logs', [1, 0, 0, 0], undefined, { score: true }).anomalies![0]!;
    expect(first).toMatchObject({
      warmingUp: true,
      isAnomaly: false,
      alarm: false,
      windowSize: 0,
      nearest: null,
    });
    expect(first.centroidSimilarity).toBeNull();
    fillTopic(engine, 5, seededRandom(1));
    const report = engine.anomaly('logs', [0, 0, 0, 1]);
    expect(report.warmingUp).toBe(true);
    expect(report.isAnomaly).toBe(false);
    // 16 entries before arrivals count, then 1/α = 50 arrivals before "1 in 50" can be said.
    fillTopic(engine, 16 + 50 - 7, seededRandom(11));
    expect(engine.anomaly('logs', [0, 0, 0, 1]).warmingUp).toBe(true);
    fillTopic(engine, 1, seededRandom(12));
    expect(engine.anomaly('logs', [0, 0, 0, 1]).warmingUp).toBe(false);
  });

  it('flags a vector far from a single-topic window and not one from the topic', () => {
    const { engine } = makeEngine({ capacity: 200 });
    fillTopic(engine, 120, seededRandom(2));
    const odd = engine.anomaly('logs', [0, 0, 0, 1]);
    expect(odd.warmingUp).toBe(false);
    expect(odd.isAnomaly).toBe(true);
    expect(odd.alarm).toBe(true);
    expect(odd.zScore!).toBeGreaterThan(3);
    expect(odd.percentile).toBe(1);
    const usual = engine.anomaly('logs', [1, 0.05, -0.05, 0]);
    expect(usual.isAnomaly).toBe(false);
    expect(usual.score).toBeLessThan(odd.score);
  });

  it('still flags a rare line seen once before, but not one seen k times', () => {
    const { engine } = makeEngine({ capacity: 200 });
    fillTopic(engine, 120, seededRandom(3));
    engine.insert('logs', [0, 0, 0, 1]);
    const twice = engine.anomaly('logs', [0, 0, 0.01, 1]);
    expect(twice.nearest?.similarity).toBeGreaterThan(0.99);
    expect(twice.isAnomaly).toBe(true);
    for (let i = 0; i < 7; i++) engine.insert('logs', [0, 0, 0.002 * i, 1]);
    const common = engine.anomaly('logs', [0, 0, 0.01, 1]);
    expect(common.kthSimilarity!).toBeGreaterThan(0.99);
    expect(common.denseCount).toBe(8);
    expect(common.isAnomaly).toBe(false);
  });

  it('reports components that match their definitions', () => {
    const { engine } = makeEngine({ capacity: 100 });
    const rand = seededRandom(4);
    const stored: number[][] = [];
    const arrivals: number[] = [];
    for (let i = 0; i < 30; i++) {
      const raw = [rand() + 0.5, rand(), rand(), rand()];
      const n = Math.hypot(...raw);
      const unit = raw.map((x) => Math.fround(x / n));
      if (stored.length > 0) {
        const sum = [0, 0, 0, 0];
        for (const s of stored) for (let d = 0; d < DIM; d++) sum[d]! += s[d]!;
        const dot = unit.reduce((a, x, d) => a + x * sum[d]!, 0);
        arrivals.push(Math.fround(dot / Math.hypot(...sum)));
      }
      stored.push(unit);
      engine.insert('logs', raw);
    }
    const q = [0.1, 1, 0.2, 0.3];
    const qn = Math.hypot(...q);
    const qu = q.map((x) => x / qn);
    const mean = [0, 1, 2, 3].map((d) => stored.reduce((a, s) => a + s[d]!, 0) / stored.length);
    const cos = qu.reduce((a, x, d) => a + x * mean[d]!, 0) / Math.hypot(...mean);
    const mu = arrivals.reduce((a, b) => a + b, 0) / arrivals.length;
    const sigma = Math.sqrt(arrivals.reduce((a, b) => a + b * b, 0) / arrivals.length - mu * mu);
    const sims = stored.map((s) => s.reduce((a, x, d) => a + x * qu[d]!, 0)).sort((a, b) => b - a);
    const report = engine.anomaly('logs', q);
    const A = engine.anomalyConfig;
    expect(report.centroidSimilarity!).toBeCloseTo(cos, 6);
    expect(report.baseline.mean!).toBeCloseTo(mu, 6);
    expect(report.baseline.std!).toBeCloseTo(sigma, 6);
    expect(report.baseline.count).toBe(29);
    const z = (mu - cos) / Math.max(sigma, A.sigmaFloor);
    expect(report.zScore!).toBeCloseTo(z, 4);
    expect(report.nearest!.similarity).toBeCloseTo(sims[0]!, 5);
    expect(report.k).toBe(A.k);
    expect(report.kthSimilarity!).toBeCloseTo(sims[A.k - 1]!, 5);
    const dense = sims.slice(0, A.k).filter((s) => s >= A.denseThreshold).length;
    expect(report.denseCount).toBe(dense);
    const novelty = sims[0]! > A.nearestThreshold ? (1 - sims[0]!) / (1 - A.nearestThreshold) : 1;
    const raw =
      1 -
      sims[A.k - 1]! +
      A.countWeight * (1 - dense / A.k) +
      (A.centroidWeight * novelty) / (1 + Math.exp(-(z - A.zThreshold)));
    expect(report.raw).toBeCloseTo(raw, 4);
    // Unscored inserts leave the calibration empty.
    expect(report.calibrationCount).toBe(0);
    expect(report.percentile).toBeNull();
  });

  it('scores each item of a batch against the window before it joins, folding the repeat of an alarm', () => {
    const { engine } = makeEngine({ capacity: 200 });
    fillTopic(engine, 120, seededRandom(5));
    const res = engine.insert('logs', [0, 0, 0, 1, 0, 0, 0, 1], undefined, { score: true });
    const [first, second] = res.anomalies!;
    expect(first!.isAnomaly).toBe(true);
    expect(first!.alarm).toBe(true);
    expect(first!.repeatOf).toBeNull();
    expect(first!.windowSize).toBe(120);
    // The second copy finds the first one as an exact neighbour and joins its burst.
    expect(second!.windowSize).toBe(121);
    expect(second!.nearest!.id).toBe(res.ids[0]);
    expect(second!.alarm).toBe(false);
    expect(second!.repeatOf).toEqual({ id: res.ids[0], count: 2 });
  });
});

describe('MemoryEngine asynchronous search', () => {
  it('returns the same hits as the synchronous search', async () => {
    const { engine } = makeEngine({ capacity: 50 });
    const rand = seededRandom(9);
    for (let i = 0; i < 40; i++) engine.insert('default', [rand(), rand(), rand(), rand()]);
    const q = [0.3, 0.1, 0.9, 0.2];
    const sync = engine.search('default', q, { k: 7 });
    const viaWorker = await engine.searchAsync('default', q, { k: 7 });
    expect(viaWorker).toEqual(sync);
  });

  it('reflects a write that lands while the scan is in flight instead of returning torn rows', async () => {
    const { engine } = makeEngine({ capacity: 4 });
    for (let i = 0; i < 4; i++) engine.insert('default', [0, 1, i, 0], [{ text: `old${i}` }]);
    const pending = engine.searchAsync('default', [1, 0, 0, 0], { k: 1 });
    engine.insert('default', [1, 0, 0, 0], [{ text: 'fresh' }]);
    const res = await pending;
    expect(res.hits[0]?.text).toBe('fresh');
  });
});
