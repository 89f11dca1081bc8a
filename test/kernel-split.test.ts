import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ASYNC_MIN_VALUES, asyncParts, splitSegments } from '../src/kernel/native-kernel.js';

/** Rows of a segment list in scan order. */
function expand(segments: Uint32Array): number[] {
  const out: number[] = [];
  for (let s = 0; s < segments.length; s += 2) {
    for (let r = segments[s]!; r < segments[s + 1]!; r++) out.push(r);
  }
  return out;
}

describe('splitSegments', () => {
  it('cuts a scan into the asked number of consecutive parts whose sizes differ by at most one row', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(500), fc.nat(500)), { maxLength: 6 }),
        fc.integer({ min: 1, max: 8 }),
        (pairs, parts) => {
          const segments = Uint32Array.from(
            pairs.flatMap(([a, b]) => [Math.min(a, b), Math.max(a, b)]),
          );
          const whole = expand(segments);
          const pieces = splitSegments(segments, whole.length, parts);
          expect(pieces).toHaveLength(parts);
          expect(pieces.flatMap((p) => expand(p))).toEqual(whole);
          const sizes = pieces.map((p) => expand(p).length);
          expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
          for (const p of pieces) {
            for (let s = 0; s < p.length; s += 2) expect(p[s]!).toBeLessThan(p[s + 1]!);
          }
        },
      ),
      { numRuns: 500, seed: 7 },
    );
  });
});

describe('asyncParts', () => {
  it('never splits a scan into parts below half the async threshold, nor into more parts than cores', () => {
    expect(asyncParts(ASYNC_MIN_VALUES - 1)).toBe(1);
    for (const values of [ASYNC_MIN_VALUES, 3 * ASYNC_MIN_VALUES, 100 * ASYNC_MIN_VALUES]) {
      const parts = asyncParts(values);
      expect(parts).toBeGreaterThanOrEqual(1);
      expect(values / parts).toBeGreaterThanOrEqual(ASYNC_MIN_VALUES / 2);
      expect(parts).toBeLessThanOrEqual(4);
    }
  });
});
