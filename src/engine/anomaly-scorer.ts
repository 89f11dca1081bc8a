import { RingmemError } from '../errors.js';
import { MAX_TOP_K, type ScanKernel } from '../kernel/types.js';
import type { AnomalyConfig, AnomalyReport, NearestEntry } from './anomaly.js';
import { AnomalyFeed } from './anomaly-feed.js';
import { type RarityComponents, rarity } from './anomaly-rule.js';
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
 * Scores items against a namespace's window with one top-k scan each (the single-query kernel
 * for now; a batch kernel can feed `rarity` and `composeReport` the same neighbour lists), and
 * records each stored item's arrival score, burst and alarm.
 */
export class AnomalyScorer {
  readonly feed = new AnomalyFeed();
  private readonly idx: Int32Array;
  private readonly sims: Float32Array;
  private readonly segScratch = new Uint32Array(4);

  constructor(
    private readonly config: AnomalyConfig,
    private readonly kernel: ScanKernel,
  ) {
    assertAnomalyConfig(config);
    this.idx = new Int32Array(config.k);
    this.sims = new Float32Array(config.k);
  }

  /** Scores a unit vector against the window as it is now; `storing` when it is about to join. */
  score(ns: Namespace | undefined, unit: Float32Array, now: number, storing: boolean): ScoredItem {
    const config = this.config;
    const empty = { size: 0, baselineMean: Number.NaN, baselineStd: Number.NaN, baselineCount: 0 };
    if (!ns || ns.liveCount === 0) {
      const comps = rarity(
        { ...empty, windowSize: 0, centroidSimilarity: 0, similarities: this.sims, found: 0 },
        config,
      );
      const count = ns?.anomalyState?.calibration.count ?? 0;
      return {
        report: composeReport(comps, { tail: count, count }, null, empty, undefined, 0, config),
        burst: undefined,
      };
    }
    const ring = ns.ring;
    const nseg = ring.segments(0, ring.size, this.segScratch);
    const found = this.kernel.topK(
      ring.slab,
      ring.dim,
      this.segScratch.subarray(0, nseg * 2),
      unit,
      config.k,
      this.idx,
      this.sims,
      ns.deadCount > 0 ? ring.dead : undefined,
    );
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
        similarities: this.sims,
        found,
      },
      config,
    );
    const nearest =
      found > 0
        ? { id: ring.ids[this.idx[0] as number] as number, similarity: this.sims[0] as number }
        : null;
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
    const slot = ns.ring.slotAt(ns.ring.size - 1);
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
