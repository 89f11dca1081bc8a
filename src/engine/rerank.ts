import { RingmemError } from '../errors.js';
import type { Ring } from './ring.js';
import { assertK } from './validate.js';

/**
 * Re-ranking of a relevance-ordered candidate list inside the engine, where the rows already are:
 * maximal marginal relevance (diverse results) and time weighting (recent results). Front ends
 * never fetch vectors to do this themselves.
 */

/** How search results are re-ranked after the relevance scan. */
export type Rerank =
  | {
      kind: 'mmr';
      /** Candidates fetched by relevance before diversifying (≥ k). */
      fetchK: number;
      /** 1 = relevance only, 0 = diversity only. */
      lambda: number;
    }
  | {
      kind: 'time';
      /** Fraction of the recency bonus lost per hour (LangChain's decayRate), in [0, 1]. */
      decayRate: number;
    };

/** Checks a re-rank request: MMR's fetchK and lambda, or the time decay rate. */
export function assertRerank(rerank: Rerank): void {
  if (rerank.kind === 'mmr') {
    assertK(rerank.fetchK);
    if (!(rerank.lambda >= 0 && rerank.lambda <= 1)) {
      throw new RingmemError(
        'INVALID_ARGUMENT',
        `lambda must be from 0 to 1, got ${rerank.lambda}`,
      );
    }
  } else if (!(rerank.decayRate >= 0 && rerank.decayRate <= 1)) {
    throw new RingmemError(
      'INVALID_ARGUMENT',
      `decayRate must be from 0 to 1, got ${rerank.decayRate}`,
    );
  }
}

/**
 * Greedy MMR: picks, one at a time, the candidate maximising
 * `lambda · sim(query, c) − (1 − lambda) · max sim(c, picked)`. Rows are unit vectors, so
 * similarities are dot products of ring rows. Writes the chosen positions (indices into
 * `slots`) to `out` and returns how many were chosen. O(k · found · dim).
 */
export function selectMmr(
  ring: Ring,
  slots: Int32Array,
  relevance: Float32Array,
  found: number,
  k: number,
  lambda: number,
  out: Int32Array,
): number {
  const take = Math.min(k, found);
  // Largest similarity of each candidate to anything picked so far.
  const redundancy = new Float64Array(found).fill(Number.NEGATIVE_INFINITY);
  const picked = new Uint8Array(found);
  for (let n = 0; n < take; n++) {
    let best = -1;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < found; i++) {
      if (picked[i]) continue;
      const red = n === 0 ? 0 : (redundancy[i] as number);
      const score = lambda * (relevance[i] as number) - (1 - lambda) * red;
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    picked[best] = 1;
    out[n] = best;
    const chosen = slots[best] as number;
    for (let i = 0; i < found; i++) {
      if (picked[i]) continue;
      const dot = ring.dotRows(chosen, slots[i] as number);
      if (dot > (redundancy[i] as number)) redundancy[i] = dot;
    }
  }
  return take;
}

/**
 * Time-weighted order, as LangChain's TimeWeightedVectorStoreRetriever scores documents:
 * `relevance + (1 − decayRate) ^ hoursSinceStored`, from each entry's stored time. Writes the
 * positions of the best `k` candidates to `out` and their combined scores to `combined` (both
 * best first) and returns how many.
 */
export function selectTimeWeighted(
  times: Float64Array,
  slots: Int32Array,
  relevance: Float32Array,
  found: number,
  k: number,
  now: number,
  decayRate: number,
  out: Int32Array,
  combined: Float64Array,
): number {
  const scores = new Float64Array(found);
  const order = new Int32Array(found);
  const keep = 1 - decayRate;
  for (let i = 0; i < found; i++) {
    const hours = Math.max(0, now - (times[slots[i] as number] as number)) / 3_600_000;
    scores[i] = (relevance[i] as number) + keep ** hours;
    order[i] = i;
  }
  // Ties keep relevance order (the candidates arrive best first).
  order.sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
  const take = Math.min(k, found);
  for (let n = 0; n < take; n++) {
    out[n] = order[n] as number;
    combined[n] = scores[order[n] as number] as number;
  }
  return take;
}
