import { describe, expect, it } from 'vitest';
import { ASYNC_MIN_VALUES, asyncParts } from '../src/kernel/native-kernel.js';

describe('asyncParts', () => {
  it('never shares a scan among threads below half the async threshold each, nor among more threads than cores', () => {
    expect(asyncParts(ASYNC_MIN_VALUES - 1)).toBe(1);
    for (const values of [ASYNC_MIN_VALUES, 3 * ASYNC_MIN_VALUES, 100 * ASYNC_MIN_VALUES]) {
      const parts = asyncParts(values);
      expect(parts).toBeGreaterThanOrEqual(1);
      expect(values / parts).toBeGreaterThanOrEqual(ASYNC_MIN_VALUES / 2);
      expect(parts).toBeLessThanOrEqual(4);
    }
  });
});
