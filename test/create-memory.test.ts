import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { createMemory } from '../src/create-memory.js';
import { DEFAULTS } from '../src/defaults.js';
import { MemoryEngine } from '../src/engine/index.js';
import { JsKernel } from '../src/kernel/index.js';
import { HashEmbedder } from './helpers/hash-embedder.js';

describe('createMemory', () => {
  it('takes typed options as they are: a TTL in ms, a capacity and a byte cap as numbers', async () => {
    const memory = await createMemory({
      embedder: new HashEmbedder(),
      ttl: 90_000,
      capacity: 7,
      maxBytes: 2 * 1024 ** 2,
      kernel: 'js',
    });
    expect(memory.window('n')).toMatchObject({ capacity: 7, ttlMs: 90_000 });
    await memory.remember(['one', 'two'], { namespace: 'n' });
    expect(memory.window('n').count).toBe(2);
    await memory.close();
  });

  it('reads durations and sizes written as text, and Infinity or "none" as no TTL', async () => {
    const embedder = new HashEmbedder();
    for (const ttl of ['2h', 'none', Number.POSITIVE_INFINITY] as const) {
      const memory = await createMemory({ embedder, ttl, maxBytes: '512MB', kernel: 'js' });
      expect(memory.window('n').ttlMs).toBe(ttl === '2h' ? 7_200_000 : null);
    }
  });

  it('names the option and what it accepts when a typed value is out of range', async () => {
    const embedder = new HashEmbedder();
    const cases: [Parameters<typeof createMemory>[0], RegExp][] = [
      [{ capacity: 0 }, /^capacity=0 is invalid: expected an integer from 1 to 10000000/],
      [{ ttl: 0 }, /^ttl=0 is invalid: expected a duration/],
      [{ ttl: Number.NaN }, /^ttl=NaN is invalid: expected a duration/],
      [{ maxBytes: 1.5 }, /^maxBytes=1.5 is invalid: expected a size from 1MB to 64GB/],
      [{ maxBytes: '3 parsecs' }, /^maxBytes="3 parsecs" is invalid/],
    ];
    for (const [options, message] of cases) {
      const error = await createMemory({ embedder, ...options }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(message);
    }
  });
});

describe('defaults', () => {
  it('come from one source for the server settings and a bare engine, which only drops the TTL', () => {
    const config = loadConfig({}, {});
    expect(config).toMatchObject({
      capacity: DEFAULTS.capacity,
      ttlMs: DEFAULTS.ttlMs,
      maxNamespaces: DEFAULTS.maxNamespaces,
      maxBytes: DEFAULTS.maxBytes,
    });
    const engine = new MemoryEngine({ dim: 4, kernel: new JsKernel() });
    expect(engine.defaults).toEqual({ capacity: config.capacity, ttlMs: Number.POSITIVE_INFINITY });
    expect(engine.maxNamespaces).toBe(config.maxNamespaces);
    expect(engine.maxBytes).toBe(config.maxBytes);
  });
});
