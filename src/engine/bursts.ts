/**
 * Folds bursts of one anomaly: after an alarm, lines that repeat it (cosine ≥ `threshold` with
 * the line that raised it) while the burst is still going are its repeats, not fresh alarms.
 * A burst stays open while its last line is at most `gapEntries` arrivals *and* `gapMs`
 * milliseconds old — a replayed file is bounded by arrivals, a slow live stream by time — and
 * every repeat extends it, so a sustained storm stays one alarm with a growing count.
 *
 * The test is against each open burst's first vector rather than against neighbour ids, so it
 * does not depend on which of many exact duplicates a top-k scan happens to return. Open bursts
 * are few (alarms are rare by construction) and capped, so this is O(open × dim) per item.
 */
export interface Burst {
  /** Id of the entry that raised the alarm. */
  rootId: number;
  /** Lines in the burst so far, the first included. */
  count: number;
  lastSeq: number;
  lastTime: number;
  readonly vector: Float32Array;
}

export interface BurstSettings {
  threshold: number;
  gapEntries: number;
  gapMs: number;
}

const MAX_OPEN = 64;

export class BurstFolder {
  private readonly bursts: Burst[] = [];

  constructor(private readonly settings: BurstSettings) {}

  /** The open burst this vector repeats (most similar one), or undefined. Prunes closed bursts. */
  match(unit: Float32Array, seq: number, now: number): Burst | undefined {
    const { gapEntries, gapMs, threshold } = this.settings;
    if (this.bursts.length === 0) return undefined;
    // Prune closed bursts in place: this runs for every scored item.
    let open = 0;
    for (const b of this.bursts) {
      if (seq - b.lastSeq <= gapEntries && now - b.lastTime <= gapMs) this.bursts[open++] = b;
    }
    this.bursts.length = open;
    let best: Burst | undefined;
    let bestSim = threshold;
    for (const b of this.bursts) {
      const v = b.vector;
      let dot = 0;
      for (let i = 0; i < v.length; i++) dot += (v[i] as number) * (unit[i] as number);
      if (dot >= bestSim) {
        bestSim = dot;
        best = b;
      }
    }
    return best;
  }

  /** Counts a stored line into a burst and keeps the burst open from here. */
  extend(burst: Burst, seq: number, now: number): void {
    burst.count++;
    burst.lastSeq = seq;
    burst.lastTime = now;
  }

  /** Opens a burst at a stored line that raised an alarm. */
  open(unit: Float32Array, rootId: number, seq: number, now: number): void {
    if (this.bursts.length >= MAX_OPEN) this.bursts.shift();
    this.bursts.push({ rootId, count: 1, lastSeq: seq, lastTime: now, vector: unit.slice() });
  }

  clear(): void {
    this.bursts.length = 0;
  }
}
