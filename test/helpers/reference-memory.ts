/**
 * A brute-force model of the engine's semantics, written for clarity, not speed: a plain array of
 * records in arrival order, filtered and sorted on every question. The engine must agree with it.
 */
export interface RefRecord {
  id: number;
  time: number;
  vector: Float32Array;
  tags: readonly string[];
  dead: boolean;
}

export interface RefQuery {
  k: number;
  since?: number;
  until?: number;
  tags?: { any?: readonly string[]; all?: readonly string[] };
}

export class ReferenceMemory {
  records: RefRecord[] = [];
  private lastNow = Number.NEGATIVE_INFINITY;

  constructor(
    readonly dim: number,
    readonly capacity: number,
    readonly ttlMs: number,
  ) {}

  now(t: number): number {
    this.lastNow = Math.max(this.lastNow, t);
    return this.lastNow;
  }

  private expire(now: number): void {
    this.records = this.records.filter((r) => !(r.time <= now - this.ttlMs));
  }

  insert(t: number, id: number, raw: ArrayLike<number>, tags: readonly string[]): void {
    const now = this.now(t);
    this.expire(now);
    // Capacity counts slots: deleted entries keep theirs until they are the oldest.
    if (this.records.length === this.capacity) this.records.shift();
    this.records.push({ id, time: now, vector: unit(raw), tags, dead: false });
  }

  forgetOlderThan(t: number, ageMs: number): number {
    const now = this.now(t);
    this.expire(now);
    const cutoff = now - ageMs;
    const before = this.live().length;
    this.records = this.records.filter((r) => r.time >= cutoff);
    return before - this.live().length;
  }

  forget(t: number, id: number): boolean {
    this.expire(this.now(t));
    const r = this.records.find((x) => x.id === id && !x.dead);
    if (!r) return false;
    r.dead = true;
    return true;
  }

  live(): RefRecord[] {
    return this.records.filter((r) => !r.dead);
  }

  liveAt(t: number): RefRecord[] {
    this.expire(this.now(t));
    return this.live();
  }

  search(t: number, raw: ArrayLike<number>, q: RefQuery): { id: number; score: number }[] {
    const now = this.now(t);
    this.expire(now);
    const query = unit(raw);
    const since = q.since ?? Number.NEGATIVE_INFINITY;
    const until = q.until ?? Number.POSITIVE_INFINITY;
    return this.live()
      .filter((r) => r.time >= since && r.time <= until)
      .filter((r) => {
        if (q.tags?.any?.length && !r.tags.some((x) => q.tags?.any?.includes(x))) return false;
        if (q.tags?.all?.length && !q.tags.all.every((x) => r.tags.includes(x))) return false;
        return true;
      })
      .map((r) => ({ id: r.id, score: dot(r.vector, query) }))
      .sort((a, b) => b.score - a.score || a.id - b.id)
      .slice(0, q.k);
  }

  centroid(t: number): Float64Array {
    const live = this.liveAt(t);
    const mean = new Float64Array(this.dim);
    for (const r of live) for (let i = 0; i < this.dim; i++) mean[i]! += r.vector[i]!;
    if (live.length > 0) for (let i = 0; i < this.dim; i++) mean[i]! /= live.length;
    return mean;
  }
}

/** The engine's definition of "unit": v × (1 / sqrt(Σ v²)) computed in float64, stored as float32. */
export function unit(raw: ArrayLike<number>): Float32Array {
  let sumSq = 0;
  for (let i = 0; i < raw.length; i++) sumSq += raw[i]! * raw[i]!;
  const scale = 1 / Math.sqrt(sumSq);
  const out = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw[i]! * scale;
  return out;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
