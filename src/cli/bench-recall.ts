import { MemoryEngine } from '../engine/index.js';
import type { ScanKernel } from '../kernel/types.js';
import { seededRandom, seededUnitRows } from '../seeded-rows.js';

/**
 * What the lexical side costs a recall: one namespace of `rows` entries, each a synthetic
 * agent-memory line (words drawn from a Zipf-like vocabulary plus host names, error codes and
 * numbers) with a 384-d vector, queried top-10 in semantic, hybrid and lexical mode through the
 * engine's recall path (searchAsync), the modes interleaved query by query.
 */

export interface RecallTiming {
  p50: number;
  p99: number;
}

export interface RecallBench {
  rows: number;
  semantic: RecallTiming;
  hybrid: RecallTiming;
  lexical: RecallTiming;
  /** hybrid p50 − semantic p50, in µs. */
  hybridOverheadP50: number;
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ren', 'ta', 'vo', 'shi', 'den', 'por', 'ux', 'el', 'gra'];

function vocabulary(size: number, next: () => number): string[] {
  const words = new Set<string>();
  while (words.size < size) {
    const n = 2 + Math.floor(next() * 3);
    let w = '';
    for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(next() * SYLLABLES.length)];
    words.add(w);
  }
  return [...words];
}

function zipfPick(words: string[], next: () => number): string {
  // Rank ∝ 1/u²-ish: a few words are everywhere, most are rare, as in real text.
  const u = next();
  return words[Math.min(words.length - 1, Math.floor(words.length * u * u * u))] as string;
}

function memoryLine(words: string[], next: () => number): string {
  const n = 6 + Math.floor(next() * 14);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(zipfPick(words, next));
  parts.push(`host-${Math.floor(next() * 200)}`);
  if (next() < 0.3)
    parts.push(`ERR_${zipfPick(words, next).toUpperCase()}_${Math.floor(next() * 50)}`);
  if (next() < 0.3) parts.push(String(Math.floor(next() * 100_000)));
  return parts.join(' ');
}

function summarize(samples: number[]): RecallTiming {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
  return { p50: at(0.5), p99: at(0.99) };
}

export async function benchRecall(
  kernel: ScanKernel,
  rows: number,
  queries: number,
): Promise<RecallBench> {
  const dim = 384;
  const next = seededRandom(12);
  const words = vocabulary(5_000, next);
  const engine = new MemoryEngine({ dim, capacity: rows, kernel, maxBytes: 4 * 1024 ** 3 });
  const vectors = seededUnitRows(rows, dim, 5);
  const texts = Array.from({ length: rows }, () => ({ text: memoryLine(words, next) }));
  for (let i = 0; i < rows; i += 1_000) {
    engine.insert('bench', vectors.subarray(i * dim, (i + 1_000) * dim), texts.slice(i, i + 1_000));
  }
  const qs = seededUnitRows(32, dim, 9);
  const queryTexts = Array.from({ length: 32 }, () => {
    const n = 2 + Math.floor(next() * 4);
    return Array.from({ length: n }, () => zipfPick(words, next)).join(' ');
  });
  const times = { semantic: [] as number[], hybrid: [] as number[], lexical: [] as number[] };
  const modes = ['semantic', 'hybrid', 'lexical'] as const;
  for (let i = -10; i < queries; i++) {
    const q = qs.subarray((((i % 32) + 32) % 32) * dim, ((((i % 32) + 32) % 32) + 1) * dim);
    const text = queryTexts[((i % 32) + 32) % 32] as string;
    for (const mode of modes) {
      const t0 = performance.now();
      await engine.searchAsync('bench', mode === 'lexical' ? undefined : q, {
        k: 10,
        mode,
        text,
      });
      if (i >= 0) times[mode].push((performance.now() - t0) * 1000);
    }
  }
  const semantic = summarize(times.semantic);
  const hybrid = summarize(times.hybrid);
  return {
    rows,
    semantic,
    hybrid,
    lexical: summarize(times.lexical),
    hybridOverheadP50: hybrid.p50 - semantic.p50,
  };
}
