import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Document } from '@langchain/core/documents';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RingmemEmbeddings, RingmemVectorStore } from '../src/adapters/langchain.js';
import { MemoryEngine } from '../src/engine/index.js';
import { JsKernel } from '../src/kernel/index.js';
import { Memory } from '../src/memory.js';
import { cliEnv, type HttpChild, REPO_ROOT, startHttpCli } from './helpers/cli.js';
import { HashEmbedder } from './helpers/hash-embedder.js';

const HOUR = 3_600_000;

function setup(dim = 64) {
  const clock = { t: Date.UTC(2026, 10, 21, 12, 0, 0) };
  const embedder = new HashEmbedder(dim);
  const memory = new Memory(
    new MemoryEngine({ dim: embedder.dim, kernel: new JsKernel(), clock: () => clock.t }),
    embedder,
  );
  return { memory, clock };
}

const texts = (docs: Document[]) => docs.map((d) => d.pageContent);

describe('RingmemVectorStore in-process', () => {
  it('adds documents, returns ringmem ids, and finds them by meaning with metadata and tags intact', async () => {
    const { memory } = setup();
    const store = new RingmemVectorStore({ source: { memory }, namespace: 'kb' });
    const ids = await store.addDocuments([
      new Document({
        pageContent: 'the invoice service times out on large PDFs',
        metadata: { ticket: 'B-12', tags: ['billing'] },
      }),
      new Document({ pageContent: 'lunch is at noon on Fridays', metadata: { source: 'chat' } }),
    ]);
    expect(ids).toEqual(['1', '2']);
    const [[doc, score]] = (await store.similaritySearchWithScore('invoice PDFs time out', 1)) as [
      [Document, number],
    ];
    expect(doc.pageContent).toBe('the invoice service times out on large PDFs');
    expect(doc.id).toBe('1');
    expect(doc.metadata).toEqual({ ticket: 'B-12', tags: ['billing'] });
    expect(score).toBeGreaterThan(0.3);
    expect(texts(await store.similaritySearch('lunch Fridays', 1))).toEqual([
      'lunch is at noon on Fridays',
    ]);
    // The namespace is the store's: nothing leaked into "default".
    expect(memory.stats().map((s) => s.namespace)).toEqual(['kb']);
  });

  it('keeps the ids a caller gives, replaces a document added again under the same id, and deletes by them', async () => {
    const { memory } = setup();
    const store = new RingmemVectorStore({ source: { memory } });
    const ids = await store.addDocuments(
      [
        new Document({ pageContent: 'the deploy of alpha failed' }),
        new Document({ pageContent: 'the deploy of beta passed' }),
      ],
      { ids: ['a', 'b'] },
    );
    expect(ids).toEqual(['a', 'b']);
    await store.addDocuments([new Document({ pageContent: 'the deploy of alpha was retried' })], {
      ids: ['a'],
    });
    const found = await store.similaritySearch('deploy alpha', 10);
    expect(found.map((d) => [d.id, d.pageContent]).sort()).toEqual([
      ['a', 'the deploy of alpha was retried'],
      ['b', 'the deploy of beta passed'],
    ]);
    await store.delete({ ids: ['a', 'never-stored'] });
    expect((await store.similaritySearch('deploy', 10)).map((d) => d.id)).toEqual(['b']);
    // "2" is the ringmem id of document "b", which has a caller id: only "b" deletes it.
    await store.addDocuments([new Document({ pageContent: 'x y z' })], { ids: ['7'] });
    await store.delete({ ids: ['2'] });
    const allIds = async () =>
      (await store.similaritySearch('deploy x', 10)).map((d) => d.id).sort();
    expect(await allIds()).toEqual(['7', 'b']);
    await store.delete({ ids: ['7'] });
    expect(await allIds()).toEqual(['b']);
  });

  it('deletes ringmem-assigned ids, by filter, and everything', async () => {
    const { memory } = setup();
    const store = new RingmemVectorStore({ source: { memory } });
    const ids = await store.addDocuments([
      new Document({ pageContent: 'one red apple', metadata: { color: 'red' } }),
      new Document({ pageContent: 'one green apple', metadata: { color: 'green' } }),
      new Document({ pageContent: 'one red cherry', metadata: { color: 'red' } }),
      new Document({ pageContent: 'one yellow banana', metadata: { color: 'yellow' } }),
    ]);
    await store.delete({ ids: [ids[1] as string] });
    await store.delete({ filter: { metadata: { color: 'red' } } });
    expect(texts(await store.similaritySearch('one', 10))).toEqual(['one yellow banana']);
    await store.delete({ deleteAll: true });
    expect(await store.similaritySearch('one', 10)).toEqual([]);
    await expect(store.delete()).rejects.toThrow(/ids.*filter.*deleteAll/);
  });

  it('filters searches by tags, time window and metadata before ranking', async () => {
    const { memory, clock } = setup();
    const store = new RingmemVectorStore({ source: { memory } });
    await store.addDocuments([
      new Document({ pageContent: 'disk alert on node one', metadata: { tags: ['disk'], sev: 2 } }),
    ]);
    const early = clock.t;
    clock.t += 2 * HOUR;
    await store.addDocuments([
      new Document({
        pageContent: 'disk replaced on node one',
        metadata: { tags: ['hw'], sev: 1 },
      }),
      new Document({
        pageContent: 'disk alert on node two',
        metadata: { tags: ['disk', 'hw'], sev: 2 },
      }),
    ]);
    const q = 'disk node';
    expect(
      texts(await store.similaritySearch(q, 10, { tags: ['hw'], tagMode: 'all' })).sort(),
    ).toEqual(['disk alert on node two', 'disk replaced on node one']);
    expect(
      texts(await store.similaritySearch(q, 10, { tags: ['disk', 'hw'], tagMode: 'all' })),
    ).toEqual(['disk alert on node two']);
    expect(
      texts(await store.similaritySearch(q, 10, { within: '1h', metadata: { sev: 2 } })),
    ).toEqual(['disk alert on node two']);
    expect(texts(await store.similaritySearch(q, 10, { until: new Date(early) }))).toEqual([
      'disk alert on node one',
    ]);
    expect(
      texts(
        await store.similaritySearch(q, 10, {
          since: new Date(early + HOUR).toISOString(),
          metadata: { sev: 1 },
        }),
      ),
    ).toEqual(['disk replaced on node one']);
    expect(await store.similaritySearch(q, 10, { metadata: { sev: '2' } })).toEqual([]);
    await expect(store.similaritySearch(q, 10, { within: 'soon' })).rejects.toThrow(/duration/);
  });

  it('searches by a vector made with its own embeddings, and stores vectors a caller made', async () => {
    const { memory } = setup();
    const store = new RingmemVectorStore({ source: { memory } });
    await store.addDocuments([
      new Document({ pageContent: 'the cache hit rate dropped' }),
      new Document({ pageContent: 'the queue is backed up' }),
    ]);
    const vector = await store.embeddings.embedQuery('cache hit rate');
    expect(vector).toHaveLength(64);
    const byVector = await store.similaritySearchVectorWithScore(vector, 2);
    const byText = await store.similaritySearchWithScore('cache hit rate', 2);
    expect(byVector.map(([d, s]) => [d.pageContent, s])).toEqual(
      byText.map(([d, s]) => [d.pageContent, s]),
    );

    const axis = (i: number) => Array.from({ length: 64 }, (_, j) => (j === i ? 3 : 0));
    const ids = await store.addVectors(
      [axis(0), axis(1)],
      [new Document({ pageContent: 'on axis 0' }), new Document({ pageContent: 'on axis 1' })],
      { ids: ['x0', 'x1'] },
    );
    expect(ids).toEqual(['x0', 'x1']);
    const [[top, score]] = (await store.similaritySearchVectorWithScore(axis(1), 1)) as [
      [Document, number],
    ];
    expect([top.id, top.pageContent]).toEqual(['x1', 'on axis 1']);
    expect(score).toBeCloseTo(1, 5);
    await expect(
      store.addVectors([[1, 2]], [new Document({ pageContent: 'short' })]),
    ).rejects.toThrow(/64 values/);
  });

  it('picks diverse documents with maxMarginalRelevanceSearch where plain similarity returns near-duplicates', async () => {
    const { memory } = setup();
    const store = new RingmemVectorStore({ source: { memory } });
    await store.addDocuments(
      [
        'database connection pool exhausted on primary',
        'database connection pool exhausted on primary again',
        'database connection pool exhausted on primary once more',
        'database replica lag is growing',
      ].map((pageContent) => new Document({ pageContent })),
    );
    const query = 'database connection pool';
    expect(texts(await store.similaritySearch(query, 2))).toEqual([
      'database connection pool exhausted on primary',
      'database connection pool exhausted on primary again',
    ]);
    const diverse = texts(
      await store.maxMarginalRelevanceSearch(query, { k: 2, fetchK: 4, lambda: 0.3 }),
    );
    expect(diverse[0]).toBe('database connection pool exhausted on primary');
    expect(diverse[1]).toBe('database replica lag is growing');
    // lambda = 1 is relevance only: the same as similarity.
    expect(
      texts(await store.maxMarginalRelevanceSearch(query, { k: 2, fetchK: 4, lambda: 1 })),
    ).toEqual(texts(await store.similaritySearch(query, 2)));
  });

  it('asRetriever does similarity and MMR search with k and a filter', async () => {
    const { memory } = setup();
    const store = await RingmemVectorStore.fromTexts(
      [
        'alpha deploy failed at step one',
        'alpha deploy failed at step one again',
        'alpha rollback finished',
        'beta deploy passed',
      ],
      [{ svc: 'alpha' }, { svc: 'alpha' }, { svc: 'alpha' }, { svc: 'beta' }],
      null,
      { source: { memory } },
    );
    const similar = store.asRetriever({ k: 2, filter: { metadata: { svc: 'alpha' } } });
    expect(texts(await similar.invoke('alpha deploy failed at step one'))).toEqual([
      'alpha deploy failed at step one',
      'alpha deploy failed at step one again',
    ]);
    const mmr = store.asRetriever({
      k: 2,
      searchType: 'mmr',
      searchKwargs: { fetchK: 3, lambda: 0.3 },
      filter: { metadata: { svc: 'alpha' } },
    });
    expect(texts(await mmr.invoke('alpha deploy failed at step one'))).toEqual([
      'alpha deploy failed at step one',
      'alpha rollback finished',
    ]);
  });

  it("fromDocuments builds a store and refuses embeddings other than ringmem's", async () => {
    const { memory } = setup();
    const store = await RingmemVectorStore.fromDocuments(
      [new Document({ pageContent: 'the build is green', metadata: { tags: ['ci'] } })],
      null,
      { source: { memory }, namespace: 'ci' },
    );
    expect((await store.similaritySearch('build', 1))[0]?.metadata).toEqual({ tags: ['ci'] });
    const foreign = { embedQuery: async () => [1], embedDocuments: async () => [[1]] };
    await expect(
      RingmemVectorStore.fromDocuments([], foreign as never, { source: { memory } }),
    ).rejects.toThrow(/ringmem's own model/);
    expect(new RingmemEmbeddings(memory)).toBeInstanceOf(RingmemEmbeddings);
  });

  it('timeWeighted ranks a recent, fairly relevant memory above an old, slightly more relevant one', async () => {
    const { memory, clock } = setup();
    const plain = new RingmemVectorStore({ source: { memory } });
    const recent = new RingmemVectorStore({ source: { memory }, timeWeighted: { decayRate: 0.1 } });
    await plain.addDocuments([new Document({ pageContent: 'server cpu load high alert' })]);
    clock.t += 48 * HOUR;
    await plain.addDocuments([
      new Document({ pageContent: 'server cpu load high now on host nine' }),
    ]);
    const query = 'server cpu load high alert';
    expect(texts(await plain.similaritySearch(query, 2))[0]).toBe('server cpu load high alert');
    const ranked = await recent.similaritySearchWithScore(query, 2);
    expect(ranked.map(([d]) => d.pageContent)[0]).toBe('server cpu load high now on host nine');
    // The score is relevance + (1 − decayRate) ^ hours since stored.
    const relevance = new Map(
      (await plain.similaritySearchWithScore(query, 2)).map(([d, s]) => [d.pageContent, s]),
    );
    for (const [doc, score] of ranked) {
      const hours = doc.pageContent.endsWith('alert') ? 48 : 0;
      expect(score).toBeCloseTo((relevance.get(doc.pageContent) as number) + 0.9 ** hours, 5);
    }
    expect(
      () => new RingmemVectorStore({ source: { memory }, timeWeighted: { decayRate: 2 } }),
    ).toThrow(/decayRate/);
  });
});

/**
 * Greedy MMR over plain arrays in float64: the reference the engine's version must agree with.
 * Also returns the smallest margin by which any step's choice won (float32 may break near-ties
 * either way).
 */
function referenceMmr(
  rows: number[][],
  query: number[],
  fetchK: number,
  k: number,
  lambda: number,
) {
  const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * (b[i] as number), 0);
  const unit = (v: number[]) => {
    const n = Math.sqrt(dot(v, v));
    return v.map((x) => x / n);
  };
  const q = unit(query);
  const units = rows.map(unit);
  const ranked = units.map((v, i) => ({ i, rel: dot(v, q) })).sort((a, b) => b.rel - a.rel);
  let margin = fetchK < ranked.length ? ranked[fetchK - 1]!.rel - ranked[fetchK]!.rel : Infinity;
  const candidates = ranked.slice(0, fetchK);
  const picked: number[] = [];
  while (picked.length < Math.min(k, candidates.length)) {
    const scored = candidates
      .filter((c) => !picked.includes(c.i))
      .map((c) => {
        const red =
          picked.length === 0 ? 0 : Math.max(...picked.map((p) => dot(units[p]!, units[c.i]!)));
        return { i: c.i, s: lambda * c.rel - (1 - lambda) * red };
      })
      .sort((a, b) => b.s - a.s);
    if (scored.length > 1) margin = Math.min(margin, scored[0]!.s - scored[1]!.s);
    picked.push(scored[0]!.i);
  }
  return { ids: picked.map((i) => i + 1), margin };
}

describe('MMR in the engine', () => {
  it('agrees with a brute-force reference on random vectors', () => {
    const dim = 8;
    // Vectors from a seeded generator: fast-check's own doubles favour edge values (0, ±1),
    // whose exact ties would leave most runs without a unique answer to compare.
    const randomRows = (seed: number, n: number) => {
      let x = seed >>> 0 || 1;
      const next = () => {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        return ((x >>> 0) / 2 ** 32) * 2 - 1;
      };
      return Array.from({ length: n }, () => Array.from({ length: dim }, next));
    };
    let compared = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 25 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 30 }),
        fc.constantFrom(0.25, 0.5, 0.75, 1),
        (seed, n, k, fetchK, lambda) => {
          const [query, ...rows] = randomRows(seed, n + 1) as [number[], ...number[][]];
          const engine = new MemoryEngine({ dim, kernel: new JsKernel() });
          engine.insert('ns', rows.flat());
          const fk = Math.max(k, fetchK);
          const res = engine.searchReranked('ns', query, {
            k,
            rerank: { kind: 'mmr', fetchK: fk, lambda },
          });
          const want = referenceMmr(rows, query, fk, k, lambda);
          const got = res.hits.map((h) => h.id);
          expect(got).toHaveLength(want.ids.length);
          if (want.margin > 1e-4) {
            compared++;
            expect(got).toEqual(want.ids);
          }
        },
      ),
      { numRuns: 300 },
    );
    // The comparison must actually have happened on most runs.
    expect(compared).toBeGreaterThan(200);
  });
});

describe('RingmemVectorStore over MCP', () => {
  let server: HttpChild;
  beforeAll(async () => {
    server = await startHttpCli();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('adds, searches with tag and time filters, and deletes on a running server', async () => {
    const store = new RingmemVectorStore({ source: { url: server.url }, namespace: 'lc' });
    try {
      const ids = await store.addDocuments([
        new Document({
          pageContent: 'the staging database password was rotated',
          metadata: { tags: ['ops'], by: 'alice' },
        }),
        new Document({ pageContent: 'ship the release on Friday', metadata: { by: 'bob' } }),
      ]);
      expect(ids).toHaveLength(2);
      const [[doc, score]] = (await store.similaritySearchWithScore(
        'staging database password',
        1,
        { tags: ['ops'], within: '1h' },
      )) as [[Document, number]];
      expect(doc.pageContent).toBe('the staging database password was rotated');
      expect(doc.metadata).toEqual({ by: 'alice', tags: ['ops'] });
      expect(doc.id).toBe(ids[0]);
      expect(score).toBeGreaterThan(0.3);
      await store.delete({ ids: [ids[0] as string, '999999'] });
      expect(texts(await store.similaritySearch('staging database password', 5))).toEqual([
        'ship the release on Friday',
      ]);
      await expect(store.maxMarginalRelevanceSearch('release', { k: 1 })).rejects.toThrow(
        /in-process memory/,
      );
      await expect(store.similaritySearch('x', 1, { metadata: { by: 'bob' } })).rejects.toThrow(
        /in-process memory/,
      );
      await expect(
        store.addDocuments([new Document({ pageContent: 'x' })], { ids: ['mine'] }),
      ).rejects.toThrow(/ids you choose/);
    } finally {
      await store.close();
    }
  });
});

/** A ```js block of README.md that follows `<!-- example: name -->`. */
function readmeExample(name: string): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const m = new RegExp(`<!-- example: ${name} -->\\n\`\`\`js\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!m) throw new Error(`README.md has no example "${name}"`);
  return m[1] as string;
}

/** Runs an example as a user would: a module inside the package, importing `ringmem` by name. */
function runExample(name: string, env: Record<string, string>) {
  const dir = mkdtempSync(join(REPO_ROOT, 'test', '.example-'));
  try {
    const file = join(dir, `${name}.mjs`);
    writeFileSync(file, readmeExample(name));
    return spawnSync(process.execPath, [file], {
      env: cliEnv(env),
      encoding: 'utf8',
      timeout: 60_000,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('README LangChain examples', () => {
  it('the in-process example runs and prints the documents it stored', () => {
    const run = runExample('langchain-in-process', {});
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('the invoice service times out on large PDFs');
    expect(run.stdout).toContain("'pref-1'");
  });

  it('the HTTP example runs against a running server', async () => {
    const server = await startHttpCli();
    try {
      const run = runExample('langchain-http', { RINGMEM_URL: server.url });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toContain('the staging database password was rotated');
    } finally {
      await server.stop();
    }
  });
});
