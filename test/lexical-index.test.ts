import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryEngine, type MemoryEntry } from '../src/engine/index.js';
import { analyzeText, DEFAULT_BM25 } from '../src/engine/lexical-index.js';
import { textTerms } from '../src/engine/text-tokens.js';
import { naiveKernel } from './helpers/naive-kernel.js';

const DIM = 4;
const TAGS = ['a', 'b', 'c'] as const;
/** A small vocabulary so that terms repeat across entries and document frequencies move. */
const WORDS = [
  'disk',
  'disks',
  'full',
  'timeout',
  'socket',
  'ERR_SOCKET_TIMEOUT',
  'parseHTTPResponse',
  'src/engine/ring.ts',
  'v1.2.3',
  '#1234',
  'the',
  'of',
  'deploy',
  'deployed',
  'café',
  'CAFE',
  '42',
] as const;

const textArb = fc
  .array(fc.constantFrom(...WORDS), { minLength: 0, maxLength: 8 })
  .map((ws) => ws.join(' '));
const vectorArb = fc
  .array(fc.integer({ min: -2, max: 2 }), { minLength: DIM, maxLength: DIM })
  .filter((v) => v.some((x) => x !== 0));

type Op =
  | { kind: 'insert'; rows: { text: string | null; vector: number[]; tags: string[] }[] }
  | { kind: 'advance'; ms: number }
  | { kind: 'forgetOlderThan'; ageMs: number }
  | { kind: 'forgetId'; pick: number }
  | {
      kind: 'query';
      text: string;
      k: number;
      sinceBack?: number;
      untilBack?: number;
      any?: string[];
      all?: string[];
    };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .array(
        fc.record({
          text: fc.option(textArb, { nil: null, freq: 8 }),
          vector: vectorArb,
          tags: fc.subarray([...TAGS]),
        }),
        { minLength: 1, maxLength: 4 },
      )
      .map((rows) => ({ kind: 'insert' as const, rows })),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      ms: fc.constantFrom(0, 1, 5, 10, 25),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('forgetOlderThan' as const),
      ageMs: fc.constantFrom(0, 5, 10, 25, 50, 120),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('forgetId' as const), pick: fc.nat(1000) }),
  },
  {
    weight: 4,
    arbitrary: fc.record(
      {
        kind: fc.constant('query' as const),
        text: textArb.filter((t) => t.length > 0),
        k: fc.integer({ min: 1, max: 12 }),
        sinceBack: fc.integer({ min: 0, max: 100 }),
        untilBack: fc.integer({ min: 0, max: 40 }),
        any: fc.subarray([...TAGS], { minLength: 1 }),
        all: fc.subarray([...TAGS], { minLength: 1 }),
      },
      { requiredKeys: ['kind', 'text', 'k'] },
    ),
  },
);

interface Scored {
  id: number;
  score: number;
}

/**
 * BM25 recomputed from scratch from the live entries (as the ring reports them), written for
 * clarity: statistics over every live entry, scores for the entries inside the query's window,
 * best first, ties newer first.
 */
function bruteForceBm25(
  live: MemoryEntry[],
  inWindow: (e: MemoryEntry) => boolean,
  query: string,
): Scored[] {
  const { k1, b } = DEFAULT_BM25;
  const docs = live.map((e) => ({ e, terms: textTerms(e.text ?? '') }));
  const n = docs.length;
  const avg = docs.reduce((s, d) => s + d.terms.length, 0) / n;
  const q = analyzeText(query);
  const out: Scored[] = [];
  for (const d of docs) {
    if (!inWindow(d.e)) continue;
    let score = 0;
    for (let i = 0; i < q.terms.length; i++) {
      const term = q.terms[i] as string;
      const df = docs.filter((x) => x.terms.includes(term)).length;
      if (df === 0) continue;
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      const tf = d.terms.filter((t) => t === term).length;
      if (tf === 0) continue;
      const w = idf * (q.counts[i] as number);
      score += w * ((tf * (k1 + 1)) / (tf + k1 * (1 - b + (b / avg) * d.terms.length)));
    }
    if (score > 0) out.push({ id: d.e.id, score });
  }
  return out.sort((x, y) => y.score - x.score || y.id - x.id);
}

function runModel(ops: Op[], capacity: number, ttlMs: number): void {
  let t = 1_000_000;
  const engine = new MemoryEngine({
    dim: DIM,
    capacity,
    ttlMs,
    kernel: naiveKernel,
    clock: () => t,
  });
  const seen: number[] = [];
  for (const op of ops) {
    switch (op.kind) {
      case 'insert': {
        const res = engine.insert(
          'ns',
          op.rows.flatMap((r) => r.vector),
          op.rows.map((r) => ({ text: r.text ?? undefined, tags: r.tags })),
        );
        seen.push(...res.ids);
        break;
      }
      case 'advance':
        t += op.ms;
        break;
      case 'forgetOlderThan':
        engine.forgetOlderThan({ ageMs: op.ageMs, namespace: 'ns' });
        break;
      case 'forgetId':
        if (seen.length > 0) engine.forget([seen[op.pick % seen.length] as number], 'ns');
        break;
      case 'query': {
        const now = engine.now();
        const since = op.sinceBack === undefined ? undefined : now - op.sinceBack;
        const until = op.untilBack === undefined ? undefined : now - op.untilBack;
        const tags = op.any || op.all ? { any: op.any, all: op.all } : undefined;
        const got = engine.search('ns', undefined, {
          k: op.k,
          mode: 'lexical',
          text: op.text,
          since,
          until,
          tags,
        });
        const live = engine.recent('ns', 100_000);
        if (live.length === 0) {
          expect(got.hits).toEqual([]);
          break;
        }
        const inWindow = (e: MemoryEntry) =>
          (since === undefined || e.timestamp >= since) &&
          (until === undefined || e.timestamp <= until) &&
          (!op.any || e.tags.some((x) => op.any!.includes(x))) &&
          (!op.all || op.all.every((x) => e.tags.includes(x)));
        const want = bruteForceBm25(live, inWindow, op.text).slice(0, op.k);
        expect(got.hits.map((h) => h.id)).toEqual(want.map((w) => w.id));
        got.hits.forEach((h, i) => {
          expect(Math.abs((h.lexicalScore as number) - want[i]!.score)).toBeLessThan(1e-9);
        });
        // Hybrid sees the same window and reports the same BM25 for what it returns.
        const hybrid = engine.search('ns', [1, 0, 0, 0], {
          k: op.k,
          text: op.text,
          since,
          until,
          tags,
        });
        const all = new Map(bruteForceBm25(live, inWindow, op.text).map((s) => [s.id, s.score]));
        const windowIds = new Set(live.filter(inWindow).map((e) => e.id));
        for (const h of hybrid.hits) {
          expect(windowIds.has(h.id)).toBe(true);
          const bm25 = all.get(h.id);
          if (bm25 === undefined) expect(h.lexicalScore).toBeNull();
          else expect(Math.abs((h.lexicalScore as number) - bm25)).toBeLessThan(1e-9);
        }
        break;
      }
    }
  }
}

describe('LexicalIndex against a brute-force BM25', () => {
  it('gives the same scores (within 1e-9) and order as BM25 recomputed from the live entries under random insert, evict, expire and forget sequences', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom(20, 50, Number.POSITIVE_INFINITY),
        (ops, capacity, ttlMs) => runModel(ops, capacity, ttlMs),
      ),
      { numRuns: 300 },
    );
  });

  it('agrees when the ring grows past its initial allocation and wraps many times', () => {
    fc.assert(
      // About 500 rows into a 300-row ring: past the 256 rows first allocated, then wrapping.
      fc.property(fc.array(opArb, { minLength: 500, maxLength: 700 }), (ops) =>
        runModel(ops, 300, Number.POSITIVE_INFINITY),
      ),
      { numRuns: 4 },
    );
  });

  it('releases every posting and term once all entries have left the window', () => {
    let t = 0;
    const engine = new MemoryEngine({
      dim: DIM,
      capacity: 16,
      kernel: naiveKernel,
      clock: () => t,
    });
    for (let i = 0; i < 100; i++) {
      engine.insert('ns', [1, 0, 0, i], [{ text: `entry ${i} mentions disk full ERR_${i}` }]);
      t += 1;
    }
    engine.forget([90, 91], 'ns');
    engine.forgetOlderThan({ ageMs: 0, namespace: 'ns' });
    expect(engine.stats('ns')[0]?.count).toBe(0);
    const res = engine.search('ns', undefined, { k: 5, mode: 'lexical', text: 'disk' });
    expect(res.hits).toEqual([]);
  });
});

describe('text analysis for the lexical index', () => {
  it('splits identifiers into parts and keeps them whole', () => {
    expect(textTerms('parseHTTPResponse')).toEqual([
      'pars',
      'http',
      'respons',
      'parsehttpresponse',
    ]);
    expect(textTerms('ERR_SOCKET_TIMEOUT')).toEqual([
      'err',
      'socket',
      'timeout',
      'err_socket_timeout',
    ]);
    expect(textTerms('src/engine/ring.ts')).toEqual([
      'src',
      'engin',
      'ring',
      'ts',
      'src/engine/ring.ts',
    ]);
    expect(textTerms('v1.2.3')).toContain('v1.2.3');
    expect(textTerms('v1.2.3')).toContain('2');
    expect(textTerms('issue #1234')).toEqual(['issu', '1234', '#1234']);
    expect(textTerms('snake_case_name')).toEqual(['snake', 'case', 'name', 'snake_case_name']);
  });

  it('folds case and accents, keeps numbers, and stems English words', () => {
    expect(textTerms('Café CAFE cafe')).toEqual(['cafe', 'cafe', 'cafe']);
    expect(textTerms('Ünïcödé Straße')).toEqual(['unicod', 'strass']);
    expect(textTerms('failed failing fails')).toEqual(['fail', 'fail', 'fail']);
    expect(textTerms('port 8080 and 42')).toEqual(['port', '8080', '42']);
  });

  it('drops stop words and possessives', () => {
    expect(textTerms('The who and what of it')).toEqual([]);
    expect(textTerms("Caroline's dog")).toEqual(['carolin', 'dog']);
  });
});

describe('recall modes on edge cases', () => {
  function engineWith(texts: string[]) {
    const engine = new MemoryEngine({ dim: DIM, capacity: 16, kernel: naiveKernel });
    texts.forEach((text, i) => {
      engine.insert('ns', [1, i, 0, 1], [{ text }]);
    });
    return engine;
  }

  it('ranks a one-entry window sensibly in every mode', () => {
    const engine = engineWith(['the disk on node 7 is full']);
    const hybrid = engine.search('ns', [1, 0, 0, 1], { k: 3, text: 'disk full' });
    expect(hybrid.hits).toHaveLength(1);
    expect(Number.isFinite(hybrid.hits[0]!.score)).toBe(true);
    expect(hybrid.hits[0]!.lexicalScore).toBeGreaterThan(0);
    const lexical = engine.search('ns', undefined, { k: 3, mode: 'lexical', text: 'disk full' });
    expect(lexical.hits).toHaveLength(1);
    expect(lexical.hits[0]!.semanticScore).toBeNull();
  });

  it('falls back to the semantic ranking for a query of stop words or unknown words', () => {
    const engine = engineWith(['alpha service deployed', 'beta service crashed', 'gamma idle']);
    for (const text of ['the of and', 'zebra quokka']) {
      const semantic = engine.search('ns', [1, 2, 0, 1], { k: 3, mode: 'semantic' });
      const hybrid = engine.search('ns', [1, 2, 0, 1], { k: 3, text });
      expect(hybrid.hits.map((h) => h.id)).toEqual(semantic.hits.map((h) => h.id));
      expect(hybrid.hits.map((h) => h.score)).toEqual(semantic.hits.map((h) => h.score));
      expect(hybrid.hits.every((h) => h.lexicalScore === null)).toBe(true);
      const lexical = engine.search('ns', undefined, { k: 3, mode: 'lexical', text });
      expect(lexical.hits).toEqual([]);
    }
  });

  it('finds an exact identifier that the vectors cannot tell apart', () => {
    const engine = engineWith([
      'request failed with ERR_SOCKET_TIMEOUT',
      'request failed with ERR_TLS_CERT',
      'request failed with ERR_DNS_LOOKUP',
    ]);
    const res = engine.search('ns', [1, 1, 0, 1], { k: 1, text: 'ERR_TLS_CERT' });
    expect(res.hits[0]?.text).toBe('request failed with ERR_TLS_CERT');
  });

  it('asks for the query text in lexical and hybrid modes', () => {
    const engine = engineWith(['x']);
    expect(() => engine.search('ns', [1, 0, 0, 0], { k: 1, mode: 'hybrid' })).toThrow(
      /needs the query text/,
    );
    expect(() => engine.search('ns', undefined, { k: 1, mode: 'semantic' })).toThrow(
      /needs a query vector/,
    );
  });
});
