import { RingmemError } from '../errors.js';
import { MAX_TOP_K } from '../kernel/types.js';
import type { AnomalyConfig, AnomalyReport, NearestEntry } from './anomaly.js';
import { AnomalyFeed } from './anomaly-feed.js';
import { type RarityComponents, rarity } from './anomaly-rule.js';
import type { BatchNeighbours } from './batch-neighbours.js';
import type { Burst } from './bursts.js';
import { calibratedScore } from './calibration.js';
import type { Namespace } from './namespace.js';

/** Settings that would make scores meaningless are refused at construction, naming the range. */
function assertAnomalyConfig(c: AnomalyConfig): void {
  const bad = (what: string) => {
    throw new RingmemError('INVALID_ARGUMENT', `anomaly setting ${what}`);
  };
  if (!Number.isInteger(c.k) || c.k < 1 || c.k > MAX_TOP_K)
    bad(`k must be an integer from 1 to ${MAX_TOP_K}, got ${c.k}`);
  if (!(c.alpha > 0 && c.alpha < 0.5))
    bad(`alpha must be a tail probability in (0, 0.5), got ${c.alpha}`);
  for (const key of [
    'countWeight',
    'centroidWeight',
    'sigmaFloor',
    'burstGapEntries',
    'burstGapMs',
    'minWindow',
  ] as const) {
    if (!(c[key] >= 0) || !Number.isFinite(c[key]))
      bad(`${key} must be a finite number ≥ 0, got ${c[key]}`);
  }
  for (const key of ['denseThreshold', 'nearestThreshold'] as const) {
    if (!(c[key] > -1 && c[key] < 1)) bad(`${key} must be a similarity in (−1, 1), got ${c[key]}`);
  }
}

/** The similarities of an item that has no neighbours (an empty window). */
const NO_SIMILARITIES = new Float32Array(0);

/** What scoring an item leaves for `commit` once the item has joined the window. */
export interface ScoredItem {
  report: AnomalyReport;
  burst: Burst | undefined;
}

export interface CalibrationView {
  tail: number;
  count: number;
}

/**
 * The verdict from the rarity components, the calibration's answer and the burst check: a pure
 * function, shared by every path that scores (one query, one insert, a batch).
 */
export function composeReport(
  comps: RarityComponents,
  calibration: CalibrationView,
  nearest: NearestEntry | null,
  window: { size: number; baselineMean: number; baselineStd: number; baselineCount: number },
  burst: Burst | undefined,
  burstCountIfStored: number,
  config: AnomalyConfig,
): AnomalyReport {
  const { tail, count } = calibration;
  const score = calibratedScore(tail, count, config.alpha);
  // Below 1/α arrivals nothing can be rarer than all but α of them: say so rather than never flag.
  const warmingUp =
    window.size < config.minWindow ||
    count < Math.max(config.minWindow, Math.ceil(1 / config.alpha));
  const isAnomaly = !warmingUp && score >= 0.5;
  const repeatOf = burst ? { id: burst.rootId, count: burstCountIfStored } : null;
  const hasBaseline = comps.zScore !== null;
  return {
    score,
    isAnomaly,
    alarm: isAnomaly && repeatOf === null,
    repeatOf,
    warmingUp,
    raw: comps.raw,
    percentile: count > 0 ? 1 - tail / count : null,
    centroidSimilarity: comps.centroidSimilarity,
    zScore: comps.zScore,
    nearest,
    kthSimilarity: comps.kthSimilarity,
    k: config.k,
    denseCount: comps.denseCount,
    baseline: {
      mean: hasBaseline ? window.baselineMean : null,
      std: hasBaseline ? window.baselineStd : null,
      count: window.baselineCount,
    },
    calibrationCount: count,
    windowSize: window.size,
  };
}

/**
 * Scores items against a namespace's window from their neighbour lists — the top-k of one scan
 * (`batchNeighbours`, which serves a probe, one insert or a whole batch in one pass) — and
 * records each stored item's arrival score, burst and alarm.
 */
export class AnomalyScorer {
  readonly feed = new AnomalyFeed();

  constructor(private readonly config: AnomalyConfig) {
    assertAnomalyConfig(config);
  }

  /**
   * Scores a unit vector against the window as it is now; `storing` when it is about to join.
   * `neighbours` (item `i` of it) are the vector's top-k in that window, k = config.k; they may be
   * omitted only when the window is empty.
   */
  score(
    ns: Namespace | undefined,
    unit: Float32Array,
    now: number,
    storing: boolean,
    neighbours?: BatchNeighbours,
    i = 0,
  ): ScoredItem {
    const config = this.config;
    const empty = { size: 0, baselineMean: Number.NaN, baselineStd: Number.NaN, baselineCount: 0 };
    if (!ns || ns.liveCount === 0) {
      const comps = rarity(
        { ...empty, windowSize: 0, centroidSimilarity: 0, similarities: NO_SIMILARITIES, found: 0 },
        config,
      );
      const count = ns?.anomalyState?.calibration.count ?? 0;
      return {
        report: composeReport(comps, { tail: count, count }, null, empty, undefined, 0, config),
        burst: undefined,
      };
    }
    if (!neighbours || neighbours.k !== config.k) {
      throw new RingmemError(
        'INVALID_ARGUMENT',
        `scoring needs the item's ${config.k} nearest neighbours in the window`,
      );
    }
    const found = neighbours.hits[i] as number;
    const at = i * neighbours.k;
    const sims = neighbours.similarities.subarray(at, at + neighbours.k);
    const c = ns.centroid;
    const window = {
      size: ns.liveCount,
      baselineMean: c.baselineMean,
      baselineStd: c.baselineStd,
      baselineCount: c.arrivalCount,
    };
    const comps = rarity(
      {
        windowSize: window.size,
        centroidSimilarity: c.similarity(unit),
        baselineMean: window.baselineMean,
        baselineStd: window.baselineStd,
        baselineCount: window.baselineCount,
        similarities: sims,
        found,
      },
      config,
    );
    const nearest =
      found > 0 ? { id: neighbours.ids[at] as number, similarity: sims[0] as number } : null;
    const state = ns.anomalyState;
    const calibration = state
      ? { tail: state.calibration.tailCount(comps.raw), count: state.calibration.count }
      : { tail: 0, count: 0 };
    const burst = state?.bursts.match(unit, ns.counters.inserted, now);
    const burstCount = burst ? burst.count + (storing ? 1 : 0) : 0;
    return {
      report: composeReport(comps, calibration, nearest, window, burst, burstCount, config),
      burst,
    };
  }

  /**
   * The scored item has just been appended as the newest entry (`id`): its arrival score joins the
   * calibration (unless the window was still warming up), its burst grows or its alarm opens one.
   */
  commit(
    ns: Namespace,
    id: number,
    unit: Float32Array,
    item: ScoredItem,
    now: number,
    text: string | undefined,
  ): void {
    const state = ns.anomalyState;
    if (!state) return;
    const slot = ns.ring.newestSlot;
    const { report, burst } = item;
    // Arrivals scored against a window too small to judge would crowd the top of the calibration.
    if (report.windowSize >= this.config.minWindow) state.record(slot, report.raw);
    const seq = ns.counters.inserted;
    if (burst) {
      state.bursts.extend(burst, seq, now);
      this.feed.repeat(ns.name, burst.rootId, burst.count);
    } else if (report.alarm) {
      state.bursts.open(unit, id, seq, now);
      this.feed.publish({ namespace: ns.name, id, text, timestamp: now, report });
    }
  }
}
