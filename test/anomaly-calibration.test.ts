import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArrivalCalibration, calibratedScore } from '../src/engine/calibration.js';
import { type AnomalyEvent, MemoryEngine } from '../src/engine/index.js';
import { seededRandom } from '../src/seeded-rows.js';
import { naiveKernel } from './helpers/naive-kernel.js';

const DIM = 4;

describe('ArrivalCalibration', () => {
  it('ranks a score among the live arrivals exactly as a recount of their bins does', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({
              op: fc.constant('add' as const),
              raw: fc.double({ min: 0, max: 2.5, noNaN: true }),
            }),
            fc.record({ op: fc.constant('remove' as const), at: fc.nat() }),
          ),
          { maxLength: 200 },
        ),
        fc.double({ min: 0, max: 2.5, noNaN: true }),
        (ops, query) => {
          const cal = new ArrivalCalibration(2.3, 256);
          const live: number[] = [];
          for (const o of ops) {
            if (o.op === 'add') live.push(cal.add(o.raw));
            else if (live.length > 0) cal.remove(live.splice(o.at % live.length, 1)[0]!);
          }
          const qb = cal.binOf(query);
          const above = live.filter((b) => b > qb).length;
          const same = live.filter((b) => b === qb).length;
          expect(cal.count).toBe(live.length);
          expect(cal.tailCount(query)).toBe(above + same / 2);
        },
      ),
    );
  });

  it('orders bins like the raw scores, finer near zero', () => {
    const cal = new ArrivalCalibration(2);
    expect(cal.binOf(0.001)).toBeLessThan(cal.binOf(0.002));
    expect(cal.binOf(1.9)).toBeLessThanOrEqual(cal.binOf(2));
    expect(cal.binOf(5)).toBe(cal.bins - 1);
    expect(cal.binOf(Number.NaN)).toBe(0);
  });

  it('maps the tail probability α to 0.5 and α² to 1, whatever the window size', () => {
    for (const n of [99, 999, 9999]) {
      const alpha = 0.02;
      // p = (tail + 1) / (n + 1) = α
      expect(calibratedScore(alpha * (n + 1) - 1, n, alpha)).toBeCloseTo(0.5, 12);
    }
    expect(calibratedScore(0, 10_000 * 10_000, 0.01)).toBe(1);
    expect(calibratedScore(100, 100, 0.01)).toBe(0);
  });
});

function makeEngine(overrides: Partial<ConstructorParameters<typeof MemoryEngine>[0]> = {}) {
  const clock = { t: 1_700_000_000_000 };
  const engine = new MemoryEngine({
    dim: DIM,
    capacity: 300,
    kernel: naiveKernel,
    clock: () => clock.t,
    ...overrides,
  });
  return { engine, clock };
}

function topic(rand: () => number): number[] {
  return [1, 0.2 * (rand() - 0.5), 0.2 * (rand() - 0.5), 0.2 * (rand() - 0.5)];
}

describe('anomaly calibration in the engine', () => {
  it('holds exactly the arrival scores of live scored entries through evictions, deletes and expiry', () => {
    const { engine, clock } = makeEngine({ capacity: 40, ttlMs: 30_000 });
    engine.configureNamespace('n', {});
    const rand = seededRandom(21);
    // What each live id arrived with (raw), for entries the window was warm enough to record.
    const raws = new Map<number, number>();
    for (let step = 0; step < 400; step++) {
      clock.t += 1000;
      const r = rand();
      if (r < 0.1 && raws.size > 0) {
        const ids = [...raws.keys()];
        engine.forget([ids[Math.floor(rand() * ids.length)]!], 'n');
      } else {
        const res = engine.insert('n', [rand(), rand(), rand(), rand()], undefined, {
          score: true,
        });
        const a = res.anomalies![0]!;
        if (a.windowSize >= engine.anomalyConfig.minWindow) raws.set(res.ids[0]!, a.raw);
      }
      const live = new Set(engine.recent('n', 1000).map((e) => e.id));
      for (const id of [...raws.keys()]) if (!live.has(id)) raws.delete(id);
      const probe = engine.anomaly('n', [rand(), rand(), rand(), rand()]);
      expect(probe.calibrationCount).toBe(raws.size);
    }
  });

  it('gives the same verdicts to a stream whatever the batch size', () => {
    const rows: number[] = [];
    const rand = seededRandom(22);
    for (let i = 0; i < 200; i++) rows.push(...(i % 37 === 36 ? [0, rand(), 0, 1] : topic(rand)));
    const one = makeEngine().engine;
    const batched = makeEngine().engine;
    const single = [];
    for (let i = 0; i < 200; i++) {
      single.push(
        ...one.insert('s', rows.slice(i * DIM, (i + 1) * DIM), undefined, { score: true })
          .anomalies!,
      );
    }
    const many = [];
    for (let i = 0; i < 200; i += 64) {
      many.push(
        ...batched.insert('s', rows.slice(i * DIM, Math.min(200, i + 64) * DIM), undefined, {
          score: true,
        }).anomalies!,
      );
    }
    expect(many).toEqual(single);
  });
});

describe('anomaly bursts and the alarm feed', () => {
  it('raises one alarm for a burst, counts its repeats, and a fresh alarm once the burst has gone quiet', () => {
    const { engine, clock } = makeEngine({ anomaly: { burstGapEntries: 30 } });
    const events: AnomalyEvent[] = [];
    const unsubscribe = engine.anomalyFeed.subscribe((e) => events.push(e));
    const rand = seededRandom(23);
    for (let i = 0; i < 120; i++) engine.insert('b', topic(rand), undefined, { score: true });
    const odd = [0, 0.1, 0, 1];
    const burst = engine.insert('b', [...odd, ...odd, ...odd], [{ text: 'disk on fire' }, {}, {}], {
      score: true,
    });
    const [a, b, c] = burst.anomalies!;
    expect(a!.alarm).toBe(true);
    expect(b!.repeatOf).toEqual({ id: burst.ids[0], count: 2 });
    expect(c!.repeatOf).toEqual({ id: burst.ids[0], count: 3 });
    expect(b!.alarm || c!.alarm).toBe(false);
    expect(events.map((e) => [e.id, e.text])).toEqual([[burst.ids[0], 'disk on fire']]);
    const listed = engine.latestAnomalies('b', 10);
    expect(listed[0]!.burstCount).toBe(3);
    // A quiet stretch longer than the gap closes the burst: the same line alarms again, if still rare.
    clock.t += 1;
    for (let i = 0; i < 31; i++) engine.insert('b', topic(rand), undefined, { score: true });
    const again = engine.insert('b', odd, [{ text: 'disk on fire again' }], { score: true })
      .anomalies![0]!;
    expect(again.repeatOf).toBeNull();
    expect(again.isAnomaly).toBe(again.alarm);
    unsubscribe();
    engine.insert('b', [0, 1, 0, 0], undefined, { score: true });
    expect(events.length).toBeLessThanOrEqual(2);
  });

  it('asks without storing: a query reports the burst it would repeat but changes nothing', () => {
    const { engine } = makeEngine();
    const rand = seededRandom(24);
    for (let i = 0; i < 120; i++) engine.insert('q', topic(rand), undefined, { score: true });
    const first = engine.insert('q', [0, 0, 1, 0], undefined, { score: true });
    const q1 = engine.anomaly('q', [0, 0, 1, 0]);
    const q2 = engine.anomaly('q', [0, 0, 1, 0]);
    expect(q1.repeatOf).toEqual({ id: first.ids[0], count: 1 });
    expect(q2).toEqual(q1);
    expect(engine.latestAnomalies('q', 10)).toHaveLength(1);
    // A forgotten memory leaves the list of anomalies too.
    engine.forget([first.ids[0]!], 'q');
    expect(engine.latestAnomalies('q', 10)).toEqual([]);
  });
});
