import { describe, expect, it } from 'vitest';
import { type AnomalyEvent, MemoryEngine } from '../src/engine/index.js';
import { isRingmemError } from '../src/errors.js';
import { JsKernel } from '../src/kernel/index.js';
import { Memory, tagFilter } from '../src/memory.js';
import { HashEmbedder } from './helpers/hash-embedder.js';

const HOUR = 3_600_000;

function build(options: { capacity?: number; ttlMs?: number } = {}) {
  const clock = { t: Date.UTC(2026, 10, 21, 12, 0, 0) };
  const embedder = new HashEmbedder();
  const engine = new MemoryEngine({
    dim: embedder.dim,
    capacity: options.capacity ?? 500,
    ttlMs: options.ttlMs ?? Number.POSITIVE_INFINITY,
    maxNamespaces: 10,
    kernel: new JsKernel(),
    clock: () => clock.t,
  });
  return { memory: new Memory(engine, embedder), engine, embedder, clock };
}

const routine = (i: number) =>
  `worker ${['alpha', 'beta', 'gamma', 'delta'][i % 4]} heartbeat ok queue depth normal`;
const odd = 'kernel panic unable to mount root filesystem on device sda';

async function thrown(run: () => unknown): Promise<Error> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to throw');
}

describe('Memory.forgetExactly', () => {
  it('deletes nothing and names the unknown ids when any id is not a live memory', async () => {
    const { memory } = build();
    const { ids } = await memory.remember(['a note', 'another note'], { namespace: 'n' });
    const error = await thrown(() => memory.forgetExactly([ids[0]!, 999], 'n'));
    expect(isRingmemError(error) && error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/no live memory with id 999 in "n".*nothing was deleted/);
    expect(memory.window('n').count).toBe(2);
  });

  it('forgets every id once when the same id is given twice', async () => {
    const { memory } = build();
    const { ids } = await memory.remember(['a note', 'another note'], { namespace: 'n' });
    expect(await memory.forgetExactly([ids[1]!, ids[1]!], 'n')).toEqual([ids[1]]);
    expect(memory.get('n', ids[1]!)).toBeUndefined();
    expect(memory.get('n', ids[0]!)?.text).toBe('a note');
  });
});

describe('Memory.forgetOlderThan', () => {
  it('cuts at now minus the age and reports the cut-off it applied', async () => {
    const { memory, clock } = build();
    await memory.remember(['old note'], { namespace: 'n' });
    clock.t += 2 * HOUR;
    await memory.remember(['new note'], { namespace: 'n' });
    const res = await memory.forgetOlderThanAsync({ ageMs: HOUR, namespace: 'n' });
    expect(res).toEqual({ forgotten: 1, remaining: 1, cutoff: clock.t - HOUR });
    expect(memory.recent('n', 10).map((e) => e.text)).toEqual(['new note']);
  });

  it('gives the same answer synchronously and by an absolute time', async () => {
    const { memory, clock } = build();
    await memory.remember(['old note'], { namespace: 'n' });
    const cutoff = clock.t + 1;
    clock.t += HOUR;
    expect(memory.forgetOlderThan({ before: cutoff })).toEqual({
      forgotten: 1,
      remaining: 0,
      cutoff,
    });
  });

  it('refuses a request with both or neither of an age and a time, and a negative age', async () => {
    const { memory } = build();
    await memory.remember(['note'], { namespace: 'n' });
    for (const options of [{}, { ageMs: 1, before: 1 }]) {
      expect((await thrown(() => memory.forgetOlderThanAsync(options))).message).toMatch(
        /exactly one of ageMs .* or before/,
      );
    }
    expect((await thrown(() => memory.forgetOlderThan({ ageMs: -5 }))).message).toMatch(
      /invalid ageMs -5/,
    );
    expect(memory.window('n').count).toBe(1);
  });
});

describe('Memory reads for front ends', () => {
  it('shows the defaults a namespace would get before it exists, and its live window after', async () => {
    const { memory, clock } = build({ capacity: 300, ttlMs: 2 * HOUR });
    expect(memory.window('fresh')).toEqual({
      count: 0,
      capacity: 300,
      ttlMs: 2 * HOUR,
      oldestAgeMs: null,
    });
    await memory.remember(['one', 'two'], { namespace: 'fresh' });
    clock.t += 5000;
    expect(memory.window('fresh')).toEqual({
      count: 2,
      capacity: 300,
      ttlMs: 2 * HOUR,
      oldestAgeMs: 5000,
    });
    expect(build().memory.window('x').ttlMs).toBeNull();
  });

  it('lists namespaces, and creates one ahead of its first write so a bad name fails early', async () => {
    const { memory } = build();
    memory.configureNamespace('logs');
    expect(memory.namespaces()).toEqual(['logs']);
    expect((await thrown(() => memory.configureNamespace('has space'))).message).toMatch(
      /invalid namespace/,
    );
  });

  it('reports no health for a namespace that does not exist, and loops for repeated texts', async () => {
    const { memory } = build();
    expect(memory.health('none')).toEqual({ drift: undefined, loops: undefined });
    await memory.remember(
      Array.from({ length: 30 }, () => 'retrying the same failing call again'),
      { namespace: 'agent' },
    );
    const { loops } = memory.health('agent');
    expect(loops?.repeated).toBeGreaterThan(0);
  });

  it('tells listeners of each new alarm, lists it, and marks it on the timeline', async () => {
    const { memory } = build();
    const heard: AnomalyEvent[] = [];
    const stop = memory.onAnomaly((e) => heard.push(e));
    const texts = Array.from({ length: 120 }, (_, i) => routine(i));
    for (let i = 0; i < texts.length; i += 40) {
      await memory.remember(texts.slice(i, i + 40), { namespace: 'ops' });
    }
    expect(heard).toEqual([]);
    const res = await memory.anomaly(odd, { namespace: 'ops', remember: true });
    expect(res.alarm).toBe(true);
    expect(res.rememberedId).toBeDefined();
    expect(memory.get('ops', res.rememberedId!)?.text).toBe(odd);
    expect(heard.map((e) => e.id)).toEqual([res.rememberedId]);
    expect(memory.latestAnomalies('ops', 5).map((e) => e.id)).toEqual([res.rememberedId]);

    const t = memory.timeline('ops', 1000);
    expect(t.ids).toHaveLength(121);
    const marked = t.ids.filter((_, i) => t.alarmScore[i] !== null);
    expect(marked).toEqual([res.rememberedId]);
    expect(t.alarmScore[t.ids.indexOf(res.rememberedId!)]).toBeCloseTo(res.score, 10);
    // The odd line arrived furthest from the centroid: the largest z of the timeline.
    const z = t.zScore.map((v) => v ?? Number.NEGATIVE_INFINITY);
    expect(z.indexOf(Math.max(...z))).toBe(t.ids.length - 1);

    stop();
    await memory.anomaly(`${odd} again elsewhere with a disk fault`, {
      namespace: 'ops',
      remember: true,
    });
    expect(heard).toHaveLength(1);
  });

  it('describes its model and embeds with it without storing anything', async () => {
    const { memory, embedder } = build();
    await memory.ready;
    expect(memory.model).toEqual({ id: 'test-hash', dim: embedder.dim, maxTokens: 64 });
    expect(memory.dim).toBe(embedder.dim);
    const rows = await memory.embed(['a', 'b'], 'passage');
    expect(rows).toHaveLength(2 * embedder.dim);
    expect(memory.namespaces()).toEqual([]);
  });

  it('withholds verdicts for exactly the warm-up it reports', async () => {
    const { memory } = build();
    const n = memory.anomalyWarmUp();
    const texts = Array.from({ length: n + 5 }, (_, i) => `${routine(i)} item ${i % 7}`);
    const res = await memory.remember(texts, { namespace: 'w' });
    const warming = res.anomalies!.map((a) => a.warmingUp);
    expect(warming.lastIndexOf(true)).toBe(n - 1);
    expect(warming.indexOf(false)).toBe(n);
  });

  it('reports no storage, no fleet and no bytes for a fresh RAM-only memory', () => {
    const { memory } = build();
    expect(memory.storageStatus()).toBeUndefined();
    expect(memory.fleet()).toBeUndefined();
    expect(memory.totalBytes()).toBe(0);
  });
});

describe('tagFilter', () => {
  it('filters by any tag by default, by every tag in "all" mode, and not at all without tags', async () => {
    expect(tagFilter(['a', 'b'], undefined)).toEqual({ any: ['a', 'b'] });
    expect(tagFilter(['a', 'b'], 'all')).toEqual({ all: ['a', 'b'] });
    expect(tagFilter([], 'all')).toBeUndefined();
    expect(tagFilter(undefined, 'any')).toBeUndefined();
    const { memory } = build();
    await memory.remember(['one'], { namespace: 'n', tags: ['a'] });
    await memory.remember(['two'], { namespace: 'n', tags: ['a', 'b'] });
    const texts = async (mode: 'any' | 'all') =>
      (
        await memory.recall('one two', {
          namespace: 'n',
          k: 5,
          mode: 'lexical',
          tags: tagFilter(['a', 'b'], mode),
        })
      ).hits
        .map((h) => h.text)
        .sort();
    expect(await texts('any')).toEqual(['one', 'two']);
    expect(await texts('all')).toEqual(['two']);
  });
});
