import type { RowIngest } from '../kernel/types.js';

/**
 * The running centroid of a window of unit vectors and the window's baseline of arrival
 * similarities, both maintained in O(dim) (resp. O(1)) per insert, eviction, expiry or delete —
 * independent of how many entries the window holds.
 *
 * Sums are float64 so that adding and subtracting float32 rows loses almost nothing; a drift
 * guard re-sums exactly from the live rows every `resumEvery` updates anyway, so the error can
 * never accumulate without bound (a test runs 10^7 updates against a recomputed mean).
 */
export class RunningCentroid {
  readonly dim: number;
  readonly sum: Float64Array;
  count = 0;
  /** Baseline: sum and sum of squares of arrival similarities over live entries that have one. */
  arrivalSum = 0;
  arrivalSumSq = 0;
  arrivalCount = 0;
  updatesSinceResum = 0;

  private readonly ingest: RowIngest | undefined;
  private readonly ingestOut = new Float64Array(2);

  constructor(dim: number, ingest?: RowIngest) {
    this.dim = dim;
    this.sum = new Float64Array(dim);
    this.ingest = ingest;
  }

  /**
   * Writes `source[srcOffset..] × scale` into row `offset` of `slab` and adds it to the sum, in
   * one pass; returns the cosine similarity the row had with the centroid *before* it joined
   * (NaN when the window was empty).
   *
   * With `replacing`, the row currently in that slot is a live entry being overwritten (a full
   * ring): it is subtracted in the same pass. Per element the arithmetic is exactly that of a
   * separate subtract followed by an add, so results do not depend on which path ran; fusing the
   * three passes (write, evict, add) into one is what makes raw inserts cheap.
   */
  writeRowReturningArrival(
    slab: Float32Array,
    offset: number,
    source: ArrayLike<number>,
    srcOffset: number,
    scale: number,
    replacing: boolean,
  ): number {
    if (replacing && this.count === 1) {
      // The window empties before the new row joins: reset exactly, then add as into a new window.
      this.subtract(slab, offset);
      replacing = false;
    }
    const sum = this.sum;
    const dim = this.dim;
    let dot = 0;
    let sumSq = 0;
    if (this.ingest && source instanceof Float32Array) {
      // The native pass: same per-element arithmetic, SIMD lanes (see RowIngest).
      this.ingest(slab, offset, source, srcOffset, scale, sum, replacing, this.ingestOut);
      dot = this.ingestOut[0] as number;
      sumSq = this.ingestOut[1] as number;
      if (replacing) this.updatesSinceResum += 2;
      else {
        this.count++;
        this.updatesSinceResum++;
      }
    } else if (replacing) {
      for (let i = 0; i < dim; i++) {
        const v = Math.fround((source[srcOffset + i] as number) * scale);
        const s = (sum[i] as number) - (slab[offset + i] as number);
        dot += s * v;
        sumSq += s * s;
        sum[i] = s + v;
        slab[offset + i] = v;
      }
      this.updatesSinceResum += 2;
    } else {
      for (let i = 0; i < dim; i++) {
        const v = Math.fround((source[srcOffset + i] as number) * scale);
        const s = sum[i] as number;
        dot += s * v;
        sumSq += s * s;
        sum[i] = s + v;
        slab[offset + i] = v;
      }
      this.count++;
      this.updatesSinceResum++;
    }
    // Either way the window without the new row held count − 1 entries.
    if (this.count - 1 === 0) return Number.NaN;
    return sumSq > 0 ? dot / Math.sqrt(sumSq) : 0;
  }

  subtract(slab: Float32Array, offset: number): void {
    const sum = this.sum;
    const dim = this.dim;
    for (let i = 0; i < dim; i++) sum[i] = (sum[i] as number) - (slab[offset + i] as number);
    this.count--;
    this.updatesSinceResum++;
    if (this.count === 0) {
      // An empty window has an exactly-zero sum; don't carry rounding residue into the next one.
      sum.fill(0);
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

  /** The baseline and count as the window empties (the sum itself is reset by the caller). */
  resetForEmptyWindow(): void {
    this.count = 0;
    this.arrivalSum = 0;
    this.arrivalSumSq = 0;
    this.arrivalCount = 0;
  }

  /** Starts an exact re-sum; the caller feeds every live row and arrival, then calls `endResum`. */
  beginResum(): void {
    this.sum.fill(0);
    this.resetForEmptyWindow();
  }

  resumRow(slab: Float32Array, offset: number, arrival: number): void {
    const sum = this.sum;
    for (let i = 0; i < this.dim; i++) sum[i] = (sum[i] as number) + (slab[offset + i] as number);
    this.count++;
    this.addArrival(arrival);
  }

  endResum(): void {
    this.updatesSinceResum = 0;
  }
}
