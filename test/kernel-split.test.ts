import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';

/**
 * asyncParts reads UV_THREADPOOL_SIZE once, when native-kernel.ts loads (libuv reads it once too),
 * so each case sets the variable and loads a fresh copy of the module: the assertions then hold
 * whatever the machine's pool size and core count are.
 */
async function partsWithPool(pool: string | undefined) {
  vi.resetModules();
  if (pool === undefined) vi.stubEnv('UV_THREADPOOL_SIZE', undefined as unknown as string);
  else vi.stubEnv('UV_THREADPOOL_SIZE', pool);
  const { ASYNC_MIN_VALUES, asyncParts } = await import('../src/kernel/native-kernel.js');
  return { min: ASYNC_MIN_VALUES, asyncParts };
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

const cores = availableParallelism();

describe('asyncParts', () => {
  it('never shares a scan below the async threshold', async () => {
    const { min, asyncParts } = await partsWithPool('64');
    expect(asyncParts(min - 1)).toBe(1);
    expect(asyncParts(1)).toBe(1);
  });

  it('gives every thread at least half the async threshold of values', async () => {
    const { min, asyncParts } = await partsWithPool('64');
    for (const values of [min, 1.5 * min, 3 * min, 100 * min]) {
      const parts = asyncParts(values);
      expect(parts).toBeGreaterThanOrEqual(1);
      expect(values / parts).toBeGreaterThanOrEqual(min / 2);
    }
  });

  it('uses one thread per core for a large scan when the pool has room for them', async () => {
    const { min, asyncParts } = await partsWithPool('64');
    expect(asyncParts(1000 * min)).toBe(Math.min(cores, 64));
  });

  it('never uses more threads than UV_THREADPOOL_SIZE', async () => {
    for (const pool of [1, 2, 3]) {
      const { min, asyncParts } = await partsWithPool(String(pool));
      expect(asyncParts(1000 * min)).toBe(Math.min(cores, pool));
    }
  });

  it("assumes libuv's default pool of 4 threads when UV_THREADPOOL_SIZE is unset or not a number", async () => {
    for (const pool of [undefined, '', 'many', '0']) {
      const { min, asyncParts } = await partsWithPool(pool);
      expect(asyncParts(1000 * min), String(pool)).toBe(Math.min(cores, 4));
    }
  });
});
