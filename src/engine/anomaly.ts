/**
 * The anomaly score of a vector against a window (DESIGN.md, "Anomaly score").
 *
 * Components:
 * - centroid similarity c = cos(v, mean of the window);
 * - baseline μ, σ = mean and spread of the centroid similarities live entries had on arrival;
 * - z = (μ − c) / max(σ, sigmaFloor): how far below normal v sits;
 * - nearest similarity = best dot product with a live entry (local novelty, which one centroid of
 *   a multi-topic stream cannot see).
 *
 * Rule: score = logistic(z − zThreshold) × damping, where damping = 1 while the nearest entry is
 * less similar than `nearestThreshold`, and falls linearly to 0 as it approaches an exact
 * duplicate (a recurring rare line is not new). `is_anomaly` = score ≥ 0.5 and not warming up,
 * i.e. z ≥ zThreshold with no near-duplicate in the window. Defaults are measured on labelled
 * log data (see README, "Anomaly scores"); they are configuration, not constants of nature.
 */

export interface AnomalyConfig {
  /** Below this many live entries the verdict is withheld (`warming_up`). */
  minWindow: number;
  zThreshold: number;
  /** σ floor so a very uniform window does not turn tiny deviations into huge z-scores. */
  sigmaFloor: number;
  /** A nearest entry at least this similar damps the score towards 0 (seen before). */
  nearestThreshold: number;
}

/**
 * Defaults measured with `npm run eval:anomaly` on labelled HDFS logs (110 blocks, 10 anomalous;
 * bench-results/anomaly-hdfs.md): with lines masked as `ringmem watch` masks them, z ≥ 1–1.5 with
 * damping above 0.85–0.95 gave the best block-level F1 (precision 0.80, recall 0.40), while no
 * damping flagged hundreds of routine lines. A small labelled sample: a starting point, not a law.
 */
export const DEFAULT_ANOMALY_CONFIG: AnomalyConfig = {
  minWindow: 16,
  zThreshold: 1.5,
  sigmaFloor: 0.02,
  nearestThreshold: 0.9,
};

export interface NearestEntry {
  id: number;
  similarity: number;
}

export interface AnomalyReport {
  /** 0 (ordinary) to 1 (unlike anything in the window). */
  score: number;
  isAnomaly: boolean;
  warmingUp: boolean;
  /** Null when the window is empty. */
  centroidSimilarity: number | null;
  /** Null while the window has no baseline yet (fewer than two entries). */
  zScore: number | null;
  nearest: NearestEntry | null;
  baseline: { mean: number | null; std: number | null; count: number };
  windowSize: number;
}

export interface AnomalyInputs {
  windowSize: number;
  centroidSimilarity: number;
  baselineMean: number;
  baselineStd: number;
  baselineCount: number;
  nearest: NearestEntry | null;
}

function logistic(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export function scoreAnomaly(input: AnomalyInputs, config: AnomalyConfig): AnomalyReport {
  const { windowSize, nearest } = input;
  const warmingUp = windowSize < config.minWindow;
  const hasCentroid = windowSize > 0;
  const hasBaseline = input.baselineCount > 0 && Number.isFinite(input.baselineMean);
  const zScore =
    hasCentroid && hasBaseline
      ? (input.baselineMean - input.centroidSimilarity) /
        Math.max(input.baselineStd, config.sigmaFloor)
      : null;
  let score = 0;
  if (zScore !== null) {
    let damping = 1;
    if (nearest && nearest.similarity > config.nearestThreshold) {
      damping = Math.max(0, (1 - nearest.similarity) / (1 - config.nearestThreshold));
    }
    score = logistic(zScore - config.zThreshold) * damping;
  } else if (hasCentroid && nearest) {
    // One entry, no baseline yet: all we know is how close the only neighbour is.
    score = Math.min(1, Math.max(0, (1 - nearest.similarity) / 2));
  }
  return {
    score,
    isAnomaly: !warmingUp && score >= 0.5,
    warmingUp,
    centroidSimilarity: hasCentroid ? input.centroidSimilarity : null,
    zScore,
    nearest,
    baseline: {
      mean: hasBaseline ? input.baselineMean : null,
      std: hasBaseline ? input.baselineStd : null,
      count: input.baselineCount,
    },
    windowSize,
  };
}
