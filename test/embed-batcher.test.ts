import { describe, expect, it } from 'vitest';
import { Batcher, type BatchRow, RowGroup } from '../src/embed/batcher.js';
import { EmbeddingCache } from '../src/embed/cache.js';

/** A batch runner that records the batches it is given and writes each row's length as its value. */
function recordingRunner(delayMs = 0) {
  const batches: number[][] = [];
  const run = async (rows: BatchRow[]) => {
    batches.push(rows.map((r) => r.ids.length));
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    for (const row of rows) row.out[row.outRow] = row.ids.length;
  };
  return { batches, run };
}

function rows(lengths: number[]): { rows: BatchRow[]; group: RowGroup; out: Float32Array } {
  const group = new RowGroup(lengths.length);
  const out = new Float32Array(lengths.length);
  return {
    rows: lengths.map((len, i) => ({ ids: new Int32Array(len), out, outRow: i, group })),
    group,
    out,
  };
}

describe('Batcher', () => {
  it('coalesces rows submitted in the same moment into one batch', async () => {
    const runner = recordingRunner();
    const b = new Batcher({
      maxBatch: 64,
      maxWaitMs: 5,
      concurrency: 1,
      maxBatchTokens: 1e6,
      runBatch: runner.run,
    });
    const calls = [rows([3]), rows([4]), rows([5])];
    for (const c of calls) b.submit(c.rows);
    await Promise.all(calls.map((c) => c.group.done));
    expect(runner.batches).toHaveLength(1);
    expect(calls.map((c) => c.out[0])).toEqual([3, 4, 5]);
  });

  it('gathers rows submitted in the same event-loop turn without a wait timer', async () => {
    const runner = recordingRunner();
    const b = new Batcher({
      maxBatch: 64,
      maxWaitMs: 0,
      concurrency: 1,
      maxBatchTokens: 1e6,
      runBatch: runner.run,
    });
    const calls = [rows([3]), rows([4]), rows([5])];
    for (const c of calls) b.submit(c.rows);
    await Promise.all(calls.map((c) => c.group.done));
    expect(runner.batches).toEqual([[5, 4, 3]]);
  });

  it('batches rows that arrive while a run is busy into the next run', async () => {
    const runner = recordingRunner(20);
    const b = new Batcher({
      maxBatch: 64,
      maxWaitMs: 0,
      concurrency: 1,
      maxBatchTokens: 1e6,
      runBatch: runner.run,
    });
    const first = rows([7]);
    b.submit(first.rows);
    await new Promise((r) => setTimeout(r, 5)); // the first run is now in flight
    const later = [rows([3]), rows([4]), rows([5])];
    for (const c of later) b.submit(c.rows);
    await Promise.all([first, ...later].map((c) => c.group.done));
    expect(runner.batches).toEqual([[7], [5, 4, 3]]);
  });

  it('starts a full batch without waiting and never exceeds maxBatch rows', async () => {
    const runner = recordingRunner();
    const b = new Batcher({
      maxBatch: 4,
      maxWaitMs: 10_000,
      concurrency: 1,
      maxBatchTokens: 1e6,
      runBatch: runner.run,
    });
    const c = rows([5, 5, 5, 5, 5, 5, 5, 5]);
    b.submit(c.rows);
    await c.group.done; // would time out if the 10 s wait applied to full batches
    expect(runner.batches.map((x) => x.length)).toEqual([4, 4]);
  });

  it('runs at most `concurrency` batches at once', async () => {
    let running = 0;
    let peak = 0;
    const b = new Batcher({
      maxBatch: 1,
      maxWaitMs: 0,
      concurrency: 2,
      maxBatchTokens: 1e6,
      runBatch: async (rs) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        for (const r of rs) r.out[r.outRow] = 1;
      },
    });
    const c = rows([1, 1, 1, 1, 1, 1]);
    b.submit(c.rows);
    await c.group.done;
    expect(peak).toBe(2);
  });

  it('splits rows of very different lengths so short rows are not padded to long ones', async () => {
    const runner = recordingRunner();
    const b = new Batcher({
      maxBatch: 64,
      maxWaitMs: 0,
      concurrency: 1,
      maxBatchTokens: 1e6,
      runBatch: runner.run,
    });
    const c = rows([200, 8, 190, 9, 10]);
    b.submit(c.rows);
    await c.group.done;
    expect(runner.batches).toEqual([
      [200, 190],
      [10, 9, 8],
    ]);
    expect(Array.from(c.out)).toEqual([200, 8, 190, 9, 10]);
  });

  it('caps rows × padded length at maxBatchTokens', async () => {
    const runner = recordingRunner();
    const b = new Batcher({
      maxBatch: 64,
      maxWaitMs: 0,
      concurrency: 1,
      maxBatchTokens: 300,
      runBatch: runner.run,
    });
    const c = rows([100, 100, 100, 100, 100]);
    b.submit(c.rows);
    await c.group.done;
    expect(runner.batches.map((x) => x.length)).toEqual([3, 2]);
  });

  it('rejects every row of a failed batch with the runner error', async () => {
    const b = new Batcher({
      maxBatch: 8,
      maxWaitMs: 0,
      concurrency: 1,
      maxBatchTokens: 1e6,
      runBatch: async () => {
        throw new Error('boom');
      },
    });
    const c = rows([1, 2]);
    b.submit(c.rows);
    await expect(c.group.done).rejects.toThrow('boom');
  });

  it('refuses nonsense options with a message naming the option and what is accepted', () => {
    const run = async () => {};
    expect(
      () =>
        new Batcher({
          maxBatch: 0,
          maxWaitMs: 1,
          concurrency: 1,
          maxBatchTokens: 1,
          runBatch: run,
        }),
    ).toThrow(/`maxBatch` to be an integer from 1 and up, got 0/);
    expect(
      () =>
        new Batcher({
          maxBatch: 1,
          maxWaitMs: -1,
          concurrency: 1,
          maxBatchTokens: 1,
          runBatch: run,
        }),
    ).toThrow(/`maxWaitMs`/);
  });
});

describe('EmbeddingCache', () => {
  const entry = (x: number) => ({ vector: Float32Array.of(x), truncated: false, tokenCount: 1 });

  it('evicts the least recently used entry when full', () => {
    const c = new EmbeddingCache(2);
    c.set('a', entry(1));
    c.set('b', entry(2));
    expect(c.get('a')?.vector[0]).toBe(1); // a is now most recent
    c.set('c', entry(3));
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')?.vector[0]).toBe(1);
    expect(c.get('c')?.vector[0]).toBe(3);
    expect(c.size).toBe(2);
  });

  it('keys query and passage apart and skips texts too long to key', () => {
    expect(EmbeddingCache.key('query', 'x', 10)).not.toBe(EmbeddingCache.key('passage', 'x', 10));
    expect(EmbeddingCache.key('query', 'x'.repeat(11), 10)).toBeNull();
  });

  it('stores nothing with capacity 0', () => {
    const c = new EmbeddingCache(0);
    c.set('a', entry(1));
    expect(c.get('a')).toBeUndefined();
  });
});
