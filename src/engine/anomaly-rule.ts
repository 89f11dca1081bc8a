import type { AnomalyConfig } from './anomaly.js';

/**
 * The raw rarity of an item — a pure function of what one top-k scan and the running centroid
 * give, so every path (one query, one insert, a batch scored in one pass) feeds the same numbers
 * in and gets the same numbers out.
 *
 *   raw = (1 − s_k) + countWeight · (1 − dense / k) + centroidWeight · novelty · logistic(z − zThreshold)
 *
 * - s_k: similarity of the k-th nearest live entry (−1 when the window holds fewer than k):
 *   the density of the window around the item. A kind of line seen fewer than k times is still
 *   rare after its first sighting, which the single nearest neighbour cannot tell.
 * - dense: how many of those k neighbours are at least `denseThreshold` similar.
 * - z: the centroid z-score (DESIGN.md, "Anomaly score"), O(dim): how far below the window's
 *   usual similarity to its mean the item sits. Damped by novelty — 1 while the nearest entry is
 *   less similar than `nearestThreshold`, falling linearly to 0 at an exact duplicate — it is
 *   the rule ringmem used alone before: strong at telling a new *kind* of line (another system,
 *   another topic) from a new line of the usual kind, blind to rarity once a line has a twin.
 * Weights and k were chosen by the sweep in README, "Anomaly scores".
 */

export interface RarityInputs {
  windowSize: number;
  /** cos(v, centroid); ignored when the window is empty. */
  centroidSimilarity: number;
  baselineMean: number;
  baselineStd: number;
  baselineCount: number;
  /** Top similarities against the window, best first; only the first `found` are read. */
  similarities: ArrayLike<number>;
  found: number;
}

export interface RarityComponents {
  /** Null when the window is empty. */
  centroidSimilarity: number | null;
  /** Null while the window has no baseline (fewer than two arrivals). */
  zScore: number | null;
  /** Best similarity in the window; null when it is empty. */
  nearestSimilarity: number | null;
  /** Similarity of the k-th nearest entry; null when the window holds fewer than k. */
  kthSimilarity: number | null;
  /** Neighbours among the k nearest at least `denseThreshold` similar. */
  denseCount: number;
  raw: number;
}

/** The largest raw score the rule can give (calibration bins span [0, this]). */
export function maxRaw(config: AnomalyConfig): number {
  return 2 + config.countWeight + config.centroidWeight;
}

/**
 * How far below the window's baseline a centroid similarity sits, in baseline spreads (the spread
 * floored at `sigmaFloor`): the rule's z-score, and the timeline's.
 */
export function centroidZScore(
  baselineMean: number,
  similarity: number,
  baselineStd: number,
  config: Pick<AnomalyConfig, 'sigmaFloor'>,
): number {
  return (baselineMean - similarity) / Math.max(baselineStd, config.sigmaFloor);
}

export function rarity(input: RarityInputs, config: AnomalyConfig): RarityComponents {
  const k = config.k;
  const found = Math.min(input.found, k);
  const hasCentroid = input.windowSize > 0;
  const hasBaseline = input.baselineCount > 0 && Number.isFinite(input.baselineMean);
  const zScore =
    hasCentroid && hasBaseline
      ? centroidZScore(input.baselineMean, input.centroidSimilarity, input.baselineStd, config)
      : null;
  let dense = 0;
  for (let i = 0; i < found; i++) {
    if ((input.similarities[i] as number) >= config.denseThreshold) dense++;
  }
  const kth = found >= k ? (input.similarities[k - 1] as number) : null;
  const distance = 1 - Math.min(1, Math.max(-1, kth ?? -1));
  const nearest = found > 0 ? (input.similarities[0] as number) : -1;
  const novelty =
    nearest > config.nearestThreshold
      ? Math.max(0, (1 - nearest) / (1 - config.nearestThreshold))
      : 1;
  const centroidTerm =
    zScore === null ? 0 : novelty / (1 + Math.exp(-(zScore - config.zThreshold)));
  const raw =
    distance + config.countWeight * (1 - dense / k) + config.centroidWeight * centroidTerm;
  return {
    centroidSimilarity: hasCentroid ? input.centroidSimilarity : null,
    zScore,
    nearestSimilarity: found > 0 ? nearest : null,
    kthSimilarity: kth,
    denseCount: dense,
    raw,
  };
}
