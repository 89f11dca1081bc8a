import { INGEST_ADD, INGEST_REPLACE, INGEST_RESET, type IngestFlag } from '../kernel/ingest.js';
import type { Ring } from './ring.js';

/**
 * The running centroid of a window of unit vectors and the window's baseline of arrival
 * similarities, both maintained in O(dim) (resp. O(1)) per insert, eviction, expiry or delete —
 * independent of how many entries the window holds.
 *
 * Sums are float64 so that adding and subtracting float32 rows loses almost nothing; a drift
 * guard recomputes them exactly from the live rows every `exactSumEvery` updates anyway, so the
 * error can never accumulate without bound (a test runs 10^7 updates against a recomputed mean).
 *
 * The centroid owns its accounting (count, updates since the last exact sum, the baseline); the
 * ring does the arithmetic on rows, since only it knows how they are stored.
 */
export class RunningCentroid {
  readonly dim: number;
  /** Sum of the live rows; the ring's row writes add to it in the same pass (Ring.writeRows). */
  readonly sum: Float64Array;
  count = 0;
  /** Baseline: sum and sum of squares of arrival similarities over live entries that have one. */
  private arrivalSum = 0;
  private arrivalSumSq = 0;
  arrivalCount = 0;
  /** Updates (adds and removals) since the sums were last recomputed exactly. */
  updatesSinceExact = 0;

  constructor(dim: number) {
    this.dim = dim;
    this.sum = new Float64Array(dim);
  }

  /**
   * Accounts for one row joining the window — overwriting a live row (`replacing`) or not — and
   * returns what the row write must do to the sum: add, replace (subtract the old row in the same
   * pass), or reset (the window empties before the row joins, so the sum restarts from zero).
   * Call before the write; read the arrival with `arrivalOf` after it.
   */
  join(replacing: boolean): IngestFlag {
    // An eviction plus an add is two updates, whether fused into one pass or not.
    this.updatesSinceExact += replacing ? 2 : 1;
    if (replacing && this.count === 1) {
      this.resetForEmptyWindow();
      this.count = 1;
      return INGEST_RESET;
    }
    if (replacing) return INGEST_REPLACE;
    this.count++;
    return INGEST_ADD;
  }

  /**
   * The cosine similarity a row had with the centroid before it joined, from the write's dot
   * product and squared sum norm; NaN when the window was empty. Valid right after `join`.
   */
  arrivalOf(dot: number, sumSq: number, windowWasEmpty: boolean): number {
    if (windowWasEmpty) return Number.NaN;
    return sumSq > 0 ? dot / Math.sqrt(sumSq) : 0;
  }

  /** The live row in `slot` leaves the window. */
  remove(ring: Ring, slot: number): void {
    ring.subtractRowFrom(slot, this.sum);
    this.count--;
    this.updatesSinceExact++;
    if (this.count === 0) {
      // An empty window has an exactly-zero sum; don't carry rounding residue into the next one.
      this.sum.fill(0);
      this.resetForEmptyWindow();
    }
  }

  addArrival(similarity: number): void {
    if (Number.isNaN(similarity)) return;
    this.arrivalSum += similarity;
    this.arrivalSumSq += similarity * similarity;
    this.arrivalCount++;
  }

  removeArrival(similarity: number): void {
    if (Number.isNaN(similarity) || this.arrivalCount === 0) return;
    this.arrivalSum -= similarity;
    this.arrivalSumSq -= similarity * similarity;
    this.arrivalCount--;
    if (this.arrivalCount === 0) {
      this.arrivalSum = 0;
      this.arrivalSumSq = 0;
    }
  }

  /** Cosine similarity between a unit vector and the centroid; 0 when the sum has no direction. */
  similarity(vector: Float32Array): number {
    const sum = this.sum;
    let dot = 0;
    let sumSq = 0;
    for (let i = 0; i < this.dim; i++) {
      const s = sum[i] as number;
      dot += s * (vector[i] as number);
      sumSq += s * s;
    }
    return sumSq > 0 ? dot / Math.sqrt(sumSq) : 0;
  }

  /**
   * Cosine between `part` (the sum of some live rows) and the sum of the other live rows
   * (the centroid's sum minus it); 0 when either has no direction.
   */
  splitSimilarity(part: Float64Array): number {
    const sum = this.sum;
    let dot = 0;
    let np = 0;
    let no = 0;
    for (let i = 0; i < this.dim; i++) {
      const r = part[i] as number;
      const o = (sum[i] as number) - r;
      dot += r * o;
      np += r * r;
      no += o * o;
    }
    return np > 0 && no > 0 ? dot / Math.sqrt(np * no) : 0;
  }

  /** The mean vector (sum / count) into `out`; zeros for an empty window. */
  meanInto(out: Float64Array | Float32Array): void {
    const n = this.count;
    for (let i = 0; i < this.dim; i++) out[i] = n > 0 ? (this.sum[i] as number) / n : 0;
  }

  get baselineMean(): number {
    return this.arrivalCount > 0 ? this.arrivalSum / this.arrivalCount : Number.NaN;
  }

  get baselineStd(): number {
    if (this.arrivalCount === 0) return Number.NaN;
    const mean = this.arrivalSum / this.arrivalCount;
    const variance = this.arrivalSumSq / this.arrivalCount - mean * mean;
    return variance > 0 ? Math.sqrt(variance) : 0;
  }

  /** Recomputes the sum, the count and the baseline exactly from the ring's live rows. */
  recompute(ring: Ring): void {
    this.sum.fill(0);
    this.resetForEmptyWindow();
    for (let p = 0; p < ring.size; p++) {
      const slot = ring.slotAt(p);
      if (ring.dead[slot] !== 0) continue;
      ring.addRowInto(slot, this.sum);
      this.count++;
      this.addArrival(ring.arrival[slot] as number);
    }
    this.updatesSinceExact = 0;
  }

  /** Recomputes the baseline alone (O(n)) from the ring's live arrivals. */
  recomputeBaseline(ring: Ring): void {
    this.arrivalSum = 0;
    this.arrivalSumSq = 0;
    this.arrivalCount = 0;
    for (let p = 0; p < ring.size; p++) {
      const slot = ring.slotAt(p);
      if (ring.dead[slot] === 0) this.addArrival(ring.arrival[slot] as number);
    }
  }

  /** The baseline and count as the window empties (the sum itself is reset by the caller). */
  private resetForEmptyWindow(): void {
    this.count = 0;
    this.arrivalSum = 0;
    this.arrivalSumSq = 0;
    this.arrivalCount = 0;
  }
}
