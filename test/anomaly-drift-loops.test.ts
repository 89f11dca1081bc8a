import { describe, expect, it } from 'vitest';
import { MemoryEngine } from '../src/engine/index.js';
import { seededRandom } from '../src/seeded-rows.js';
import { naiveKernel } from './helpers/naive-kernel.js';

const DIM = 4;

function makeEngine(capacity = 1000) {
  const clock = { t: 1_700_000_000_000 };
  const engine = new MemoryEngine({
    dim: DIM,
    capacity,
    kernel: naiveKernel,
    clock: () => clock.t,
  });
  return { engine, clock };
}

function around(axis: number, rand: () => number): number[] {
  const v = [
    0.1 * (rand() - 0.5),
    0.1 * (rand() - 0.5),
    0.1 * (rand() - 0.5),
    0.1 * (rand() - 0.5),
  ];
  v[axis] = 1;
  return v;
}

function cos(a: number[], b: number[]): number {
  const dot = a.reduce((s, x, i) => s + x * b[i]!, 0);
  return dot / Math.hypot(...a) / Math.hypot(...b);
}

describe('topic drift', () => {
  it('measures the cosine between the recent part and the rest as a recomputation does', () => {
    const { engine } = makeEngine();
    const rand = seededRandom(31);
    const units: number[][] = [];
    for (let i = 0; i < 300; i++) {
      const v = around(i < 250 ? 0 : 1, rand);
      const n = Math.hypot(...v);
      units.push(v.map((x) => Math.fround(x / n)));
      engine.insert('d', v);
    }
    const sum = (rows: number[][]) => [0, 1, 2, 3].map((d) => rows.reduce((s, r) => s + r[d]!, 0));
    const report = engine.drift('d', { entries: 40 })!;
    expect(report.recentCount).toBe(40);
    expect(report.restCount).toBe(260);
    expect(report.similarity!).toBeCloseTo(cos(sum(units.slice(260)), sum(units.slice(0, 260))), 5);
    expect(report.zScore).toBeNull(); // only the default recent part has a history
  });

  it('has a high z-score when the topic changes and a small one while it stays', () => {
    const { engine } = makeEngine();
    const rand = seededRandom(32);
    for (let i = 0; i < 600; i++) engine.insert('d', around(0, rand));
    const steady = engine.drift('d')!;
    expect(steady.samples).toBeGreaterThan(3);
    expect(Math.abs(steady.zScore!)).toBeLessThan(3);
    for (let i = 0; i < 100; i++) engine.insert('d', around(2, rand));
    const moved = engine.drift('d')!;
    expect(moved.similarity!).toBeLessThan(0.5);
    expect(moved.zScore!).toBeGreaterThan(10);
  });

  it('takes the recent part by time when asked for the last T ms', () => {
    const { engine, clock } = makeEngine();
    const rand = seededRandom(33);
    for (let i = 0; i < 50; i++) engine.insert('d', around(0, rand));
    clock.t += 60_000;
    for (let i = 0; i < 7; i++) engine.insert('d', around(1, rand));
    const r = engine.drift('d', { withinMs: 30_000 })!;
    expect(r.recentCount).toBe(7);
    expect(r.restCount).toBe(50);
    expect(engine.drift('nope')).toBeUndefined();
  });
});

describe('loop detection', () => {
  it('finds the repeated text among recent memories with its count and share', () => {
    const { engine } = makeEngine();
    const rand = seededRandom(34);
    for (let i = 0; i < 30; i++) {
      const texts = [`distinct ${i}`];
      // Spread over all directions: no two are near-duplicates.
      engine.insert(
        'l',
        [rand() - 0.5, rand() - 0.5, rand() - 0.5, rand() - 0.5],
        [{ text: texts[0] }],
      );
    }
    const before = engine.loops('l', 50)!;
    for (let i = 0; i < 6; i++) {
      engine.insert('l', [0, 0, 0.001 * i, 1], [{ text: `retrying request (attempt ${i + 1})` }]);
    }
    const r = engine.loops('l', 20)!;
    expect(r.recent).toBe(20);
    expect(r.groups[0]).toMatchObject({ count: 6, text: 'retrying request (attempt 6)' });
    expect(r.repeated).toBeGreaterThanOrEqual(6);
    expect(r.share).toBeCloseTo(r.repeated / 20, 12);
    expect(r.share).toBeGreaterThan(before.share);
  });

  it('ignores forgotten entries', () => {
    const { engine } = makeEngine();
    const a = engine.insert('l', [1, 0, 0, 0], [{ text: 'a' }]).ids[0]!;
    engine.insert('l', [1, 0, 0, 0], [{ text: 'a again' }]);
    expect(engine.loops('l')!.groups[0]?.count).toBe(2);
    engine.forget([a], 'l');
    expect(engine.loops('l')!).toMatchObject({ recent: 1, repeated: 0, share: 0, groups: [] });
  });
});
