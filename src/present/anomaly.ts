import type { AnomalyEvent, AnomalyReport, DriftReport, LoopReport } from '../engine/index.js';
import type { AnomalyResult, NamespaceHealth } from '../memory.js';
import { formatDuration } from '../time.js';
import { round, seconds } from './numbers.js';

export type AnomalyVerdict = 'anomaly' | 'repeat' | 'normal' | 'warming_up';

/** The verdict in one word: warming up, a fresh anomaly, a repeat of an open burst, or normal. */
export function anomalyVerdict(a: AnomalyReport): AnomalyVerdict {
  if (a.warmingUp) return 'warming_up';
  if (a.repeatOf) return 'repeat';
  return a.isAnomaly ? 'anomaly' : 'normal';
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

/** Drift and loops of a namespace, each null where the namespace does not exist. */
export function healthFields(h: NamespaceHealth) {
  return {
    drift: h.drift ? driftFields(h.drift) : null,
    loops: h.loops ? loopFields(h.loops) : null,
  };
}

/** One scored line as `ringmem watch --json` prints it and `--exec` receives it. */
export function lineAnomalyFields(id: number, line: string, report: AnomalyReport) {
  return { id, line, ...anomalyFields(report) };
}

/** One alarm of the anomalies resource. */
export function anomalyEventFields(e: AnomalyEvent) {
  return {
    id: e.id,
    text: e.text ?? null,
    timestamp: new Date(e.timestamp).toISOString(),
    ...anomalyFields(e.report),
    burst_count: e.burstCount,
  };
}

/** The anomaly_score tool's reply: the shared fields, the nearest memory and the baseline. */
export function anomalyScoreFields(r: AnomalyResult) {
  return {
    namespace: r.namespace,
    ...anomalyFields(r),
    nearest:
      r.nearest && r.nearestEntry
        ? {
            id: r.nearest.id,
            text: r.nearestEntry.text ?? null,
            similarity: round(r.nearest.similarity) as number,
            age_seconds: seconds(r.nearestEntry.ageMs) as number,
          }
        : null,
    baseline: {
      mean: round(r.baseline.mean),
      std: round(r.baseline.std),
      count: r.baseline.count,
    },
    remembered_id: r.rememberedId ?? null,
  };
}

/** `anomalyScoreFields` in words. */
export function anomalyScoreText(v: ReturnType<typeof anomalyScoreFields>): string {
  const b = v.baseline;
  const baseline =
    b.mean === null
      ? `no baseline yet (${b.count} arrivals)`
      : `baseline mean ${b.mean} ± ${b.std ?? 0} over ${b.count} arrivals`;
  const lines = [`in "${v.namespace}": ${anomalyText(v)}; ${baseline}`];
  if (v.nearest) {
    lines.push(
      `nearest memory: id ${v.nearest.id}, similarity ${v.nearest.similarity}, ${formatDuration(v.nearest.age_seconds * 1000)} ago: ${v.nearest.text ?? '(no text)'}`,
    );
  }
  if (v.remembered_id !== null) lines.push(`remembered as id ${v.remembered_id}`);
  return lines.join('\n');
}
