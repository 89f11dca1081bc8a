/**
 * How a hybrid recall combines the two rankings of one candidate window. The semantic scan and
 * the lexical index each nominate their top `pool` entries; every nominee then gets *both*
 * scores (its cosine by one dot product, its BM25 by a lookup in its term list), so no entry is
 * penalised merely for sitting just outside one ranker's pool. The two scores are put on one
 * scale and combined convexly; the rule and its constants were chosen by measurement on the dev
 * sets (README, "Hybrid recall"; bench-results/retrieval-*.md).
 */

export type RecallMode = 'hybrid' | 'semantic' | 'lexical';

export const RECALL_MODES: readonly RecallMode[] = ['hybrid', 'semantic', 'lexical'];

export type FusionRule =
  /** w · cosine + (1 − w) · min(1, BM25 / reference): both on absolute scales. */
  | 'absolute'
  /** Min-max normalisation of each side over the candidates, then convex. */
  | 'minmax'
  /** z-scores of each side over the candidates, then convex. */
  | 'zscore'
  /** Reciprocal rank fusion, 1 / (60 + rank) per side. */
  | 'rrf';

export interface FusionConfig {
  rule: FusionRule;
  /** Weight of the semantic side (0–1); the lexical side gets 1 − weight. */
  weight: number;
  /** Entries each ranker nominates (at least k). */
  pool: number;
}

export const DEFAULT_FUSION: Readonly<FusionConfig> = {
  rule: 'minmax',
  weight: 0.2,
  pool: 20,
};

export interface Candidates {
  n: number;
  slots: Int32Array;
  semantic: Float64Array;
  /** Raw BM25 (0 = holds no query term). */
  lexical: Float64Array;
  /** Output: fused score per candidate. */
  fused: Float64Array;
}

export function makeCandidates(capacity: number): Candidates {
  return {
    n: 0,
    slots: new Int32Array(capacity),
    semantic: new Float64Array(capacity),
    lexical: new Float64Array(capacity),
    fused: new Float64Array(capacity),
  };
}

function range(values: Float64Array, n: number): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

function meanStd(values: Float64Array, n: number): { mean: number; std: number } {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i] as number;
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += ((values[i] as number) - mean) ** 2;
  return { mean, std: Math.sqrt(sq / n) };
}

/** Ranks (0 = best) of values, descending; ties share the better rank. */
function ranksOf(values: Float64Array, n: number): Float64Array {
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (values[b] as number) - (values[a] as number),
  );
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const i = order[r] as number;
    const prev = r > 0 ? (order[r - 1] as number) : -1;
    out[i] = prev >= 0 && values[prev] === values[i] ? (out[prev] as number) : r;
  }
  return out;
}

/**
 * Writes the fused score of every candidate into `c.fused`. `reference` is the BM25 an
 * average-length entry holding every query term once would get (LexicalQuery.reference); when
 * no candidate holds a query term the fused score is the semantic one, so a query of stop words
 * or of words the window has never seen ranks exactly as a semantic recall.
 */
export function fuseScores(c: Candidates, reference: number, config: FusionConfig): void {
  const n = c.n;
  const w = config.weight;
  const lexRange = range(c.lexical, n);
  if (!(lexRange.max > 0)) {
    for (let i = 0; i < n; i++) c.fused[i] = c.semantic[i] as number;
    return;
  }
  switch (config.rule) {
    case 'absolute': {
      for (let i = 0; i < n; i++) {
        const lex = Math.min(1, (c.lexical[i] as number) / reference);
        c.fused[i] = w * (c.semantic[i] as number) + (1 - w) * lex;
      }
      return;
    }
    case 'minmax': {
      const sem = range(c.semantic, n);
      const semSpan = sem.max - sem.min;
      // The lexical side is scaled from 0 (holds no query term), not from its minimum, so that a
      // window where every candidate matches equally still says "they all match".
      for (let i = 0; i < n; i++) {
        const s = semSpan > 0 ? ((c.semantic[i] as number) - sem.min) / semSpan : 1;
        const l = (c.lexical[i] as number) / lexRange.max;
        c.fused[i] = w * s + (1 - w) * l;
      }
      return;
    }
    case 'zscore': {
      const sem = meanStd(c.semantic, n);
      const lex = meanStd(c.lexical, n);
      for (let i = 0; i < n; i++) {
        const s = sem.std > 0 ? ((c.semantic[i] as number) - sem.mean) / sem.std : 0;
        const l = lex.std > 0 ? ((c.lexical[i] as number) - lex.mean) / lex.std : 0;
        c.fused[i] = w * s + (1 - w) * l;
      }
      return;
    }
    case 'rrf': {
      const rs = ranksOf(c.semantic, n);
      const rl = ranksOf(c.lexical, n);
      for (let i = 0; i < n; i++) {
        const l = (c.lexical[i] as number) > 0 ? 1 / (61 + (rl[i] as number)) : 0;
        c.fused[i] = w * (1 / (61 + (rs[i] as number))) + (1 - w) * l;
      }
      return;
    }
  }
}
