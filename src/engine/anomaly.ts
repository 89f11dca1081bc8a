/**
 * The anomaly score of a vector against a window (DESIGN.md, "Anomaly score"), in three steps:
 *
 * 1. Raw rarity (anomaly-rule.ts): the k-th nearest neighbour's similarity, how many of the k
 *    nearest are near-duplicates, and the centroid z-score, all from one top-k scan plus the O(1)
 *    running centroid.
 * 2. Calibration (calibration.ts): where that raw score falls among the raw scores the window's
 *    own live entries had on arrival, as a tail probability p, mapped to a score with
 *    0.5 ⇔ p = α. So `is_anomaly` (score ≥ 0.5) means "rarer than all but α of what this window
 *    saw arrive" for chat memories and kernel logs alike, whatever the embedding model.
 * 3. Burst folding (bursts.ts): a line that repeats a recent alarm while its burst goes on is
 *    reported as a repeat of it (`repeatOf`), not as a fresh alarm (`alarm` false), though its
 *    score still says how rare it is.
 * Defaults were chosen by measurement (README, "Anomaly scores"; `npm run eval:anomaly`).
 */

export interface AnomalyConfig {
  /** Below this many live entries — or calibrating arrivals — the verdict is withheld (`warming_up`). */
  minWindow: number;
  /** Centre of the centroid term: logistic(z − zThreshold). */
  zThreshold: number;
  /** σ floor so a very uniform window does not turn tiny deviations into huge z-scores. */
  sigmaFloor: number;
  /** Neighbours read per item; the k-th one's similarity measures density. */
  k: number;
  /** A neighbour at least this similar counts as a near-duplicate (dense count, bursts). */
  denseThreshold: number;
  /** Weight of the share of the k nearest that are not near-duplicates. */
  countWeight: number;
  /** Weight of the centroid term. */
  centroidWeight: number;
  /** A nearest entry more similar than this damps the centroid term towards 0 (seen before). */
  nearestThreshold: number;
  /** Tail probability at which the calibrated score is 0.5. */
  alpha: number;
  /** A burst stays open while its last line is at most this many arrivals old… */
  burstGapEntries: number;
  /** …and at most this many milliseconds old. */
  burstGapMs: number;
}

/**
 * Measured on the foreign-line injection benchmark and HDFS (README, "Anomaly scores"):
 * k = 8 and the two small weights gave the best mean AUROC over the 15 Loghub hosts for first
 * occurrences and recurrences alike; α = 0.01 keeps false alarms near 1% of ordinary lines.
 */
export const DEFAULT_ANOMALY_CONFIG: AnomalyConfig = {
  minWindow: 16,
  zThreshold: 1.5,
  sigmaFloor: 0.02,
  k: 8,
  denseThreshold: 0.95,
  countWeight: 0.1,
  centroidWeight: 0.2,
  nearestThreshold: 0.9,
  alpha: 0.02,
  burstGapEntries: 256,
  burstGapMs: 60_000,
};

export interface NearestEntry {
  id: number;
  similarity: number;
}

export interface AnomalyReport {
  /** Calibrated: 0 (ordinary) to 1; 0.5 = rarer than all but α of the window's arrivals. */
  score: number;
  /** score ≥ 0.5 once the window is warm. */
  isAnomaly: boolean;
  /** An anomaly that is not a repeat of an open burst: what deserves a notification. */
  alarm: boolean;
  /** The burst this item repeats: its first line's id and its length counting this item. */
  repeatOf: { id: number; count: number } | null;
  warmingUp: boolean;
  /** Uncalibrated rarity (anomaly-rule.ts). */
  raw: number;
  /** Share of the window's arrival raw scores below this one (ties half); null with none. */
  percentile: number | null;
  /** Null when the window is empty. */
  centroidSimilarity: number | null;
  /** Null while the window has no baseline yet (fewer than two entries). */
  zScore: number | null;
  nearest: NearestEntry | null;
  /** Similarity of the k-th nearest entry; null when the window holds fewer than k. */
  kthSimilarity: number | null;
  k: number;
  /** Near-duplicates among the k nearest. */
  denseCount: number;
  baseline: { mean: number | null; std: number | null; count: number };
  /** Arrival scores the calibration holds. */
  calibrationCount: number;
  windowSize: number;
}
