import type { AnomalyReport, DriftReport, LoopReport } from '../engine/index.js';

export type AnomalyVerdict = 'anomaly' | 'repeat' | 'normal' | 'warming_up';

/** The verdict in one word: warming up, a fresh anomaly, a repeat of an open burst, or normal. */
export function anomalyVerdict(a: AnomalyReport): AnomalyVerdict {
  if (a.warmingUp) return 'warming_up';
  if (a.repeatOf) return 'repeat';
  return a.isAnomaly ? 'anomaly' : 'normal';
}

function round(x: number | null | undefined, digits = 4): number | null {
  if (x === null || x === undefined || !Number.isFinite(x)) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * The one JSON rendering of an anomaly report, shared by every front end (the remember and
 * anomaly_score tools, the anomalies resource, `ringmem watch --json`, the LangChain adapter and
 * library users), so a score means and looks the same wherever it is read. Every raw component
 * is kept beside the calibrated score.
 */
export function anomalyFields(a: AnomalyReport) {
  return {
    score: round(a.score) as number,
    verdict: anomalyVerdict(a),
    is_anomaly: a.isAnomaly,
    alarm: a.alarm,
    warming_up: a.warmingUp,
    repeat_of: a.repeatOf ? { id: a.repeatOf.id, count: a.repeatOf.count } : null,
    raw: round(a.raw) as number,
    percentile: round(a.percentile),
    centroid_similarity: round(a.centroidSimilarity),
    z_score: round(a.zScore),
    nearest_similarity: round(a.nearest?.similarity),
    nearest_id: a.nearest?.id ?? null,
    kth_similarity: round(a.kthSimilarity),
    k: a.k,
    dense_count: a.denseCount,
    calibration_count: a.calibrationCount,
    window_size: a.windowSize,
  };
}

export type AnomalyFields = ReturnType<typeof anomalyFields>;

/** The one JSON rendering of a namespace's drift (memory_stats, the anomalies resource, watch). */
export function driftFields(d: DriftReport) {
  return {
    recent: d.recentCount,
    rest: d.restCount,
    similarity: round(d.similarity),
    z_score: round(d.zScore),
    samples: d.samples,
  };
}

/** The one JSON rendering of loop detection (memory_stats, the anomalies resource, watch). */
export function loopFields(l: LoopReport) {
  return {
    recent: l.recent,
    repeated: l.repeated,
    share: round(l.share) as number,
    groups: l.groups.map((g) => ({
      text: g.text ?? null,
      count: g.count,
      first_id: g.firstId,
      last_id: g.lastId,
    })),
  };
}

/**
 * The one text rendering of `anomalyFields`, for clients that show a model only the text: every
 * value of the structured fields, in words.
 */
export function anomalyText(a: AnomalyFields): string {
  const parts = [`verdict ${a.verdict}`, `score ${a.score}`, `raw ${a.raw}`];
  if (a.alarm) parts.push('alarm raised');
  if (a.repeat_of) {
    parts.push(`repeat of anomaly id ${a.repeat_of.id} (count ${a.repeat_of.count})`);
  }
  if (a.percentile !== null) parts.push(`percentile ${a.percentile}`);
  if (a.centroid_similarity !== null) parts.push(`centroid similarity ${a.centroid_similarity}`);
  if (a.z_score !== null) parts.push(`z ${a.z_score}`);
  if (a.nearest_similarity !== null) {
    parts.push(`nearest similarity ${a.nearest_similarity} (id ${a.nearest_id})`);
  }
  parts.push(
    a.kth_similarity === null ? `k ${a.k}` : `k ${a.k}: k-th similarity ${a.kth_similarity}`,
  );
  parts.push(`${a.dense_count} near neighbours`);
  parts.push(`calibrated on ${a.calibration_count} arrivals`);
  parts.push(`window ${a.window_size} entries`);
  return parts.join(', ');
}
