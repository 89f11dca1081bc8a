/**
 * Per-namespace calibration of raw anomaly scores: where a raw score falls among the raw scores
 * the window's live entries had on arrival. Kept incrementally — a Fenwick tree of counts over
 * fixed bins of the raw scale — so adding an arrival, removing one (eviction, expiry, delete) and
 * ranking a new score are each O(log bins), never a pass over the window.
 *
 * Bins are finer near 0, where ordinary entries crowd (bin = ⌊B·√(raw / max)⌋); a score ties
 * with the arrivals in its own bin and counts them as half below, half above.
 */
export class ArrivalCalibration {
  readonly bins: number;
  readonly maxRaw: number;
  private readonly tree: Int32Array;
  private total = 0;

  constructor(maxRaw: number, bins = 4096) {
    if (!(maxRaw > 0)) throw new RangeError(`maxRaw must be > 0, got ${maxRaw}`);
    this.bins = bins;
    this.maxRaw = maxRaw;
    this.tree = new Int32Array(bins + 1);
  }

  get count(): number {
    return this.total;
  }

  binOf(raw: number): number {
    if (!(raw > 0)) return 0;
    const b = Math.floor(this.bins * Math.sqrt(raw / this.maxRaw));
    return b >= this.bins ? this.bins - 1 : b;
  }

  /** Adds an arrival; returns its bin (what `remove` takes back). */
  add(raw: number): number {
    const bin = this.binOf(raw);
    this.update(bin, 1);
    this.total++;
    return bin;
  }

  remove(bin: number): void {
    if (bin < 0 || bin >= this.bins || this.total === 0) return;
    this.update(bin, -1);
    this.total--;
  }

  clear(): void {
    this.tree.fill(0);
    this.total = 0;
  }

  /** Arrivals strictly above `raw`'s bin, plus half of those in it. */
  tailCount(raw: number): number {
    const bin = this.binOf(raw);
    const upTo = this.prefix(bin + 1);
    const below = this.prefix(bin);
    return this.total - upTo + 0.5 * (upTo - below);
  }

  /** Number of arrivals in bins [0, end). */
  private prefix(end: number): number {
    let s = 0;
    for (let i = end; i > 0; i -= i & -i) s += this.tree[i] as number;
    return s;
  }

  private update(bin: number, delta: number): void {
    for (let i = bin + 1; i <= this.bins; i += i & -i)
      this.tree[i] = (this.tree[i] as number) + delta;
  }
}

/**
 * The calibrated score of a tail probability p (the share of arrivals at least as unusual, with
 * the item itself counted: (tail + 1) / (n + 1)): log(1/p) / log(1/α²), clipped to [0, 1]. So
 * 0.5 ⇔ p = α ("rarer than all but α of what this window saw arrive") whatever the model or the
 * data, 1 ⇔ p ≤ α², and a window of n arrivals can give at most log(n + 1) / log(1/α²).
 */
export function calibratedScore(tail: number, count: number, alpha: number): number {
  const p = (tail + 1) / (count + 1);
  const s = Math.log(p) / (2 * Math.log(alpha));
  return s <= 0 ? 0 : s >= 1 ? 1 : s;
}
