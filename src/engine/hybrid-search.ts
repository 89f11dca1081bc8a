import { RingmemError } from '../errors.js';
import {
  type Candidates,
  DEFAULT_FUSION,
  type FusionConfig,
  fuseScores,
  makeCandidates,
  type RecallMode,
} from './fusion.js';
import type { LexicalWindow } from './lexical-index.js';
import type { ScanPlan } from './search-plan.js';
import type { SearchOptions } from './types.js';

/**
 * The lexical and hybrid ranking of one recall, given the plan the engine built (namespace, time
 * window as positions and slot segments, skip mask of tombstones and tag filters) and, for
 * hybrid, the semantic scan's top `pool` over that same plan. Both sides therefore see exactly
 * the same candidate window.
 */

export interface RankedHit {
  slot: number;
  score: number;
  semantic: number | null;
  lexical: number | null;
}

function fusionConfig(override: Partial<FusionConfig> | undefined): FusionConfig {
  const config = { ...DEFAULT_FUSION, ...override };
  if (!(config.weight >= 0 && config.weight <= 1)) {
    throw new RingmemError(
      'INVALID_ARGUMENT',
      `fusion weight must be a number from 0 to 1, got ${config.weight}`,
    );
  }
  if (!Number.isInteger(config.pool) || config.pool < 1 || config.pool > 10_000) {
    throw new RingmemError(
      'INVALID_ARGUMENT',
      `fusion pool must be an integer from 1 to 10000, got ${config.pool}`,
    );
  }
  return config;
}

/** How many entries the semantic scan should nominate for this mode (0 for lexical). */
export function semanticPoolSize(
  mode: RecallMode,
  k: number,
  override: Partial<FusionConfig> | undefined,
): number {
  if (mode === 'lexical') return 0;
  return Math.max(k, fusionConfig(override).pool);
}

export function rankTextModes(
  plan: ScanPlan,
  q: Float32Array | undefined,
  mode: RecallMode,
  k: number,
  options: SearchOptions,
  semSlots: Int32Array,
  semScores: Float32Array,
  semFound: number,
): RankedHit[] {
  const config = fusionConfig(options.fusion);
  const ns = plan.ns;
  const ring = ns.ring;
  const index = ns.lexical;
  const query = index.prepareQuery(options.text as string);
  const window: LexicalWindow = {
    from: plan.from,
    to: plan.to,
    head: ring.head,
    rows: ring.rows,
    skip: plan.mask,
  };
  const pool = mode === 'lexical' ? k : Math.max(k, config.pool);
  const lexSlots = new Int32Array(pool);
  const lexScores = new Float64Array(pool);
  const lexFound = index.search(query, window, pool, lexSlots, lexScores);
  const minScore = options.minScore;

  if (mode === 'lexical') {
    // Score = BM25 as a share of the reference (an average-length entry holding every query
    // term once scores 1), so that min_score means the same across queries and windows.
    const out: RankedHit[] = [];
    for (let i = 0; i < lexFound; i++) {
      const raw = lexScores[i] as number;
      const score = raw / query.reference;
      if (minScore !== undefined && score < minScore) break;
      out.push({ slot: lexSlots[i] as number, score, semantic: null, lexical: raw });
    }
    return out;
  }

  // Hybrid: the union of both nominations, each with both scores.
  const c: Candidates = makeCandidates(semFound + lexFound);
  for (let i = 0; i < semFound; i++) {
    const slot = semSlots[i] as number;
    c.slots[c.n] = slot;
    c.semantic[c.n] = semScores[i] as number;
    c.lexical[c.n] = lexFound > 0 ? index.scoreAt(query, ring.positionOf(slot)) : 0;
    c.n++;
  }
  for (let i = 0; i < lexFound; i++) {
    const slot = lexSlots[i] as number;
    // Both pools are small (tens): a linear look-up beats building a map per query.
    let at = -1;
    for (let j = 0; j < semFound; j++) {
      if (c.slots[j] === slot) {
        at = j;
        break;
      }
    }
    if (at >= 0) {
      c.lexical[at] = lexScores[i] as number;
      continue;
    }
    c.slots[c.n] = slot;
    c.semantic[c.n] = ring.dotRow(slot, q as Float32Array);
    c.lexical[c.n] = lexScores[i] as number;
    c.n++;
  }
  fuseScores(c, query.reference, config);
  const positions = new Int32Array(c.n);
  for (let i = 0; i < c.n; i++) positions[i] = ring.positionOf(c.slots[i] as number);
  // Best fused first; ties: higher cosine, then newer.
  const order = Array.from({ length: c.n }, (_, i) => i).sort(
    (a, b) =>
      (c.fused[b] as number) - (c.fused[a] as number) ||
      (c.semantic[b] as number) - (c.semantic[a] as number) ||
      (positions[b] as number) - (positions[a] as number),
  );
  const out: RankedHit[] = [];
  for (const i of order) {
    if (out.length === k) break;
    const score = c.fused[i] as number;
    if (minScore !== undefined && score < minScore) break;
    const lex = c.lexical[i] as number;
    out.push({
      slot: c.slots[i] as number,
      score,
      semantic: c.semantic[i] as number,
      lexical: lex > 0 ? lex : null,
    });
  }
  return out;
}
