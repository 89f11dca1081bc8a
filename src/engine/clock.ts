/** Milliseconds since the epoch; injectable so tests can drive time. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

/**
 * A clock that never goes backwards. Slot order must equal time order (the ring relies on it for
 * binary search and tail cuts), so a wall clock stepping back (NTP) is clamped to the last reading.
 */
export class MonotonicClock {
  private last = Number.NEGATIVE_INFINITY;

  constructor(private readonly source: Clock) {}

  now(): number {
    const t = this.source();
    if (!Number.isFinite(t)) {
      throw new TypeError(`clock returned ${t}: expected a finite number of milliseconds`);
    }
    if (t > this.last) this.last = t;
    return this.last;
  }

  /** Never read earlier than `t` from now on (a restore brings back entries stamped up to `t`). */
  advanceTo(t: number): void {
    if (t > this.last) this.last = t;
  }
}
