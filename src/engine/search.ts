import { MAX_TOP_K } from '../kernel/types.js';
import type { MonotonicClock } from './clock.js';
import type { RecallMode } from './fusion.js';
import { type RankedHit, rankTextModes, semanticPoolSize } from './hybrid-search.js';
import type { NamespaceRegistry } from './registry.js';
import { assertRerank, type Rerank, selectMmr, selectTimeWeighted } from './rerank.js';
import { checkSearchOptions, planScan, type ScanPlan } from './search-plan.js';
import type { Hit, SearchOptions, SearchResult } from './types.js';
import { assertK, assertNamespace, normalizeQuery } from './validate.js';

/**
 * Search: a recall's options checked and its namespace planned (search-plan.ts), then the
 * semantic scan, the lexical and hybrid rankings (hybrid-search.ts), re-ranking (rerank.ts), and
 * the ranked slots turned into hits.
 */
export class Searcher {
  constructor(
    private readonly registry: NamespaceRegistry,
    private readonly clock: MonotonicClock,
    private readonly dim: number,
  ) {}

  search(
    namespace: string,
    query: ArrayLike<number> | undefined,
    options: SearchOptions,
  ): SearchResult {
    const { q, mode, plan } = this.prepare(namespace, query, options);
    if (!plan) return emptyResult(namespace);
    return runSearch(plan, q, options.k, mode, options, this.clock.now());
  }

  async searchAsync(
    namespace: string,
    query: ArrayLike<number> | undefined,
    options: SearchOptions,
  ): Promise<SearchResult> {
    const { q, mode, plan } = this.prepare(namespace, query, options);
    if (!plan) return emptyResult(namespace);
    // Lexical mode scans no vectors: nothing to take off the main thread.
    if (mode === 'lexical') return this.search(namespace, q, options);
    const result = await runSearchAsync(
      plan,
      q!,
      options.k,
      mode,
      options,
      () => this.clock.now(),
      () => this.registry.get(namespace) === plan.ns,
    );
    return result ?? this.search(namespace, q, options);
  }

  searchReranked(
    namespace: string,
    query: ArrayLike<number>,
    options: SearchOptions & { rerank: Rerank },
  ): SearchResult {
    assertRerank(options.rerank);
    // Re-ranking works on vectors: the plan is a semantic one whatever mode the options name.
    const { q, plan } = this.prepare(namespace, query, { ...options, mode: 'semantic' });
    if (!plan || !q) return emptyResult(namespace);
    return runReranked(plan, q, options.k, options.rerank, options.minScore, this.clock.now());
  }

  /** The plan of the filters alone (forgetMatching), checked as a search checks them. */
  planFilter(
    namespace: string,
    filter: Omit<SearchOptions, 'k' | 'minScore'>,
  ): ScanPlan | undefined {
    const probe = new Float32Array(this.dim);
    probe[0] = 1;
    return this.prepare(namespace, probe, { ...filter, k: 1 }).plan;
  }

  private prepare(
    namespace: string,
    query: ArrayLike<number> | undefined,
    options: SearchOptions,
  ): { q: Float32Array | undefined; mode: RecallMode; plan: ScanPlan | undefined } {
    assertNamespace(namespace);
    assertK(options.k);
    const mode = checkSearchOptions(options, query !== undefined);
    const q = query === undefined ? undefined : normalizeQuery(query, this.dim);
    const now = this.clock.now();
    const ns = this.registry.get(namespace);
    if (!ns) return { q, mode, plan: undefined };
    ns.expire(now);
    return { q, mode, plan: planScan(ns, options, now) };
  }
}

/** Most candidates a time-weighted search scores (the kernel's largest k). */
const MAX_CANDIDATES = MAX_TOP_K;

/** The result of a search that found no namespace. */
function emptyResult(namespace: string): SearchResult {
  return { namespace, hits: [], searched: 0, windowSize: 0 };
}

/** Top-k of a plan in any mode, synchronously. `q` may be undefined in lexical mode only. */
function runSearch(
  plan: ScanPlan,
  q: Float32Array | undefined,
  k: number,
  mode: RecallMode,
  options: SearchOptions,
  now: number,
): SearchResult {
  const ring = plan.ns.ring;
  const n = mode === 'semantic' ? k : semanticPoolSize(mode, k, options.fusion);
  const outIdx = new Int32Array(n);
  const outScores = new Float32Array(n);
  const found =
    n === 0
      ? 0
      : ring.scan({
          segments: plan.segments,
          query: q!,
          k: n,
          outIdx,
          outScores,
          skipMask: plan.mask,
        });
  if (mode === 'semantic') return collect(plan, outIdx, outScores, found, options.minScore, now);
  return collectRanked(
    plan,
    rankTextModes(plan, q, mode, k, options, outIdx, outScores, found),
    now,
  );
}

/**
 * `runSearch` of a semantic or hybrid plan with the scan off the main thread. Resolves undefined
 * when `stillCurrent` says the namespace changed while the scan ran (rows may have been read
 * torn): the caller then searches again synchronously.
 */
async function runSearchAsync(
  plan: ScanPlan,
  q: Float32Array,
  k: number,
  mode: 'semantic' | 'hybrid',
  options: SearchOptions,
  now: () => number,
  stillCurrent: () => boolean,
): Promise<SearchResult | undefined> {
  const ring = plan.ns.ring;
  const n = mode === 'hybrid' ? semanticPoolSize(mode, k, options.fusion) : k;
  // The plan's scratch mask would be reused by the next query while this one is in flight.
  const mask = plan.mask === ring.filterMask ? plan.mask.slice() : plan.mask;
  const outIdx = new Int32Array(n);
  const outScores = new Float32Array(n);
  const found = await ring.scanAsync({
    segments: plan.segments,
    query: q,
    k: n,
    outIdx,
    outScores,
    skipMask: mask,
  });
  if (ring.version !== plan.version || !stillCurrent()) return undefined;
  if (mode === 'hybrid') {
    // The plan's mask is the scratch one again (or the tombstones) for the lexical side.
    const sync = mask === plan.mask ? plan : { ...plan, mask };
    return collectRanked(
      sync,
      rankTextModes(sync, q, mode, k, options, outIdx, outScores, found),
      now(),
    );
  }
  return collect(plan, outIdx, outScores, found, options.minScore, now());
}

/**
 * Search, then re-rank the relevance-ordered candidates where the rows are (rerank.ts): MMR
 * over `fetchK` candidates, or time weighting over every candidate the filters leave (up to the
 * kernel's largest k). Hits carry their relevance score (MMR) or the blended score (time);
 * the order is the re-ranked one.
 */
function runReranked(
  plan: ScanPlan,
  q: Float32Array,
  k: number,
  rerank: Rerank,
  minScore: number | undefined,
  now: number,
): SearchResult {
  const fetch = Math.max(
    k,
    rerank.kind === 'mmr' ? rerank.fetchK : Math.min(plan.searched, MAX_CANDIDATES),
  );
  const idx = new Int32Array(fetch);
  const rel = new Float32Array(fetch);
  const ring = plan.ns.ring;
  const found = ring.scan({
    segments: plan.segments,
    query: q,
    k: fetch,
    outIdx: idx,
    outScores: rel,
    skipMask: plan.mask,
  });
  const pos = new Int32Array(k);
  const combined = rerank.kind === 'time' ? new Float64Array(k) : undefined;
  const n =
    rerank.kind === 'mmr'
      ? selectMmr(ring, idx, rel, found, k, rerank.lambda, pos)
      : selectTimeWeighted(ring.times, idx, rel, found, k, now, rerank.decayRate, pos, combined!);
  const outIdx = new Int32Array(n);
  const outScores = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    outIdx[i] = idx[pos[i] as number] as number;
    outScores[i] = combined ? (combined[i] as number) : (rel[pos[i] as number] as number);
  }
  // The re-ranked order is not sorted by score, so minScore filters instead of cutting.
  const result = collect(plan, outIdx, outScores, n, undefined, now);
  if (minScore !== undefined) result.hits = result.hits.filter((h) => h.score >= minScore);
  return result;
}

/** Hits of a semantic ranking, best first, cut at the first score below `minScore`. */
function collect(
  plan: ScanPlan,
  outIdx: Int32Array,
  outScores: Float32Array,
  found: number,
  minScore: number | undefined,
  now: number,
): SearchResult {
  const hits: Hit[] = [];
  for (let i = 0; i < found; i++) {
    const score = outScores[i] as number;
    if (minScore !== undefined && score < minScore) break;
    const slot = outIdx[i] as number;
    hits.push({ ...plan.ns.entryAt(slot, now), score, semanticScore: score, lexicalScore: null });
  }
  return { namespace: plan.ns.name, hits, searched: plan.searched, windowSize: plan.ns.liveCount };
}

/** Hits of a lexical or hybrid ranking (already ordered, cut to k and to min_score). */
function collectRanked(plan: ScanPlan, ranked: RankedHit[], now: number): SearchResult {
  return {
    namespace: plan.ns.name,
    hits: ranked.map((r) => ({
      ...plan.ns.entryAt(r.slot, now),
      score: r.score,
      semanticScore: r.semantic,
      lexicalScore: r.lexical,
    })),
    searched: plan.searched,
    windowSize: plan.ns.liveCount,
  };
}
