import { Ajv } from 'ajv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryEngine } from '../src/engine/index.js';
import { type Harness, startHarness, textOf } from './helpers/mcp-harness.js';
import { naiveKernel } from './helpers/naive-kernel.js';

interface OutHit {
  id: number;
  text: string;
  score: number;
  semantic_score: number | null;
  lexical_score: number | null;
}

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  await h.call('remember', {
    texts: [
      'request to the billing API failed with ERR_SOCKET_TIMEOUT after 30 s',
      'request to the billing API failed with ERR_TLS_CERT_EXPIRED',
      'the user prefers dark mode in the editor',
      'deploy of v1.2.3 finished on host web-7',
    ],
  });
});
afterEach(async () => {
  await h.close();
});

async function recall(args: Record<string, unknown>): Promise<OutHit[]> {
  const res = await h.call('recall', args);
  expect(res.isError, textOf(res)).toBeFalsy();
  return (res.structuredContent as { hits: OutHit[] }).hits;
}

describe('recall modes over MCP', () => {
  it('ranks hybrid by default and reports the fused score with both components, fitting the output schema', async () => {
    const { tools } = await h.client.listTools();
    const schema = tools.find((t) => t.name === 'recall')!.outputSchema!;
    const validate = new Ajv({ strict: false }).compile(schema);
    const res = await h.call('recall', { query: 'ERR_TLS_CERT_EXPIRED', k: 2 });
    expect(validate(res.structuredContent)).toBe(true);
    const hits = (res.structuredContent as { hits: OutHit[] }).hits;
    expect(hits[0]?.text).toContain('ERR_TLS_CERT_EXPIRED');
    expect(hits[0]?.semantic_score).toEqual(expect.any(Number));
    expect(hits[0]?.lexical_score).toBeGreaterThan(0);
  });

  it('finds an exact identifier in lexical mode, without a semantic score', async () => {
    const hits = await recall({ query: 'v1.2.3', mode: 'lexical', k: 5 });
    expect(hits.map((x) => x.text)).toEqual(['deploy of v1.2.3 finished on host web-7']);
    expect(hits[0]?.semantic_score).toBeNull();
    expect(hits[0]?.lexical_score).toBeGreaterThan(0);
  });

  it('ranks by cosine alone in semantic mode, without a lexical score', async () => {
    const hits = await recall({ query: 'billing request failed', mode: 'semantic', k: 4 });
    expect(hits).toHaveLength(4);
    for (const x of hits) {
      expect(x.lexical_score).toBeNull();
      expect(x.score).toBe(x.semantic_score);
    }
  });

  it('applies min_score to the score of the mode', async () => {
    const all = await recall({ query: 'billing API failed', mode: 'lexical', k: 5 });
    expect(all.length).toBeGreaterThanOrEqual(2);
    const cut = (all[0]!.score + all[all.length - 1]!.score) / 2;
    const some = await recall({
      query: 'billing API failed',
      mode: 'lexical',
      k: 5,
      min_score: cut,
    });
    expect(some.length).toBeLessThan(all.length);
    expect(some.every((x) => x.score >= cut)).toBe(true);
  });

  it('returns no lexical hits for a query of stop words, and semantic hits in hybrid mode', async () => {
    expect(await recall({ query: 'the of and', mode: 'lexical' })).toEqual([]);
    const hybrid = await recall({ query: 'the of and', k: 2 });
    expect(hybrid).toHaveLength(2);
    expect(hybrid.every((x) => x.lexical_score === null)).toBe(true);
  });

  it('rejects an unknown mode and says which are accepted', async () => {
    const res = await h.call('recall', { query: 'x', mode: 'fuzzy' });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toMatch(/"hybrid", "semantic" or "lexical"/);
  });
});

describe('lexical index memory', () => {
  it('counts the index of a text against the byte cap and releases it when the entry leaves', () => {
    const engine = new MemoryEngine({ dim: 4, capacity: 4, kernel: naiveKernel });
    const bytes = (ns: string) => engine.stats(ns)[0]!.bytes;
    engine.insert('empty', [1, 0, 0, 0]);
    const ring = bytes('empty'); // same 4-row slab, no payload
    engine.insert('a', [1, 0, 0, 0], [{ text: 'x' }]);
    const perX = bytes('a') - ring;
    const words = Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ');
    engine.insert('a', [1, 0, 0, 0], [{ text: words }]);
    // 2 bytes per character of text, plus the index's share for 200 distinct terms.
    expect(bytes('a') - ring - perX).toBeGreaterThan(2 * words.length + 200 * 32);
    for (let i = 0; i < 4; i++) engine.insert('a', [1, 0, 0, 0], [{ text: 'x' }]);
    // The long text has left the ring: four short entries remain, nothing else.
    expect(bytes('a')).toBe(ring + 4 * perX);
  });
});

describe('ringmem recall --mode', () => {
  it('refuses an unknown mode before connecting, naming the accepted ones', async () => {
    const { runRecall } = await import('../src/cli/client-commands.js');
    let err = '';
    const io = {
      stdout: { write: () => true },
      stderr: {
        write: (s: string) => {
          err += s;
          return true;
        },
      },
      env: {},
    } as unknown as Parameters<typeof runRecall>[1];
    const code = await runRecall(
      ['query', '--mode', 'fuzzy', '--url', 'http://127.0.0.1:9/mcp'],
      io,
    );
    expect(code).toBe(2);
    expect(err).toMatch(/--mode takes hybrid, semantic or lexical/);
  });
});
