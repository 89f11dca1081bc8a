import { RingmemError } from '../errors.js';
import type { MonotonicClock } from './clock.js';
import { analyzeText } from './lexical-index.js';
import type { Namespace } from './namespace.js';
import type { NamespaceRegistry } from './registry.js';
import { payloadBytes } from './sizing.js';
import type { StoredSlot } from './types.js';
import { assertNamespace } from './validate.js';

/**
 * Restoring namespaces slot by slot, exactly as a storage back end (src/persist) or a fleet peer
 * recorded them: through the same append path as an insert, so every index kept beside the ring
 * stays in step, then `finish` makes the running sums exact and the counters start from zero.
 */
export class SlotRestorer {
  private zeroRow: Float32Array | undefined;
  /** Tombstones `restore` placed per namespace (`finish` tells them from real deletes). */
  private readonly placedDead = new Map<Namespace, number>();

  constructor(
    private readonly registry: NamespaceRegistry,
    private readonly clock: MonotonicClock,
    private readonly dim: number,
  ) {}

  /**
   * Appends one stored slot exactly as it was — id, time, the unit row bit for bit, its arrival
   * similarity — or a tombstone holding a slot. Slots come oldest first per namespace; a full
   * ring evicts as an insert would.
   */
  restore(namespace: string, stored: StoredSlot): void {
    assertNamespace(namespace);
    const ns = this.registry.writable(namespace);
    const ring = ns.ring;
    if (ring.size > 0) {
      const newest = ring.newestSlot;
      if (
        !(stored.id > (ring.ids[newest] as number) && stored.time >= (ring.times[newest] as number))
      ) {
        throw new RingmemError(
          'INVALID_ARGUMENT',
          `restored entry ${stored.id} is not newer than entry ${ring.ids[newest]} of namespace "${namespace}"`,
        );
      }
    }
    if (stored.dead && !this.zeroRow) this.zeroRow = new Float32Array(this.dim);
    const row = stored.dead ? this.zeroRow : stored.row;
    if (!row || row.length !== this.dim) {
      throw new RingmemError(
        'DIMENSION_MISMATCH',
        `restored entry ${stored.id} has no ${this.dim}-value row`,
      );
    }
    // A live entry is analysed again for the lexical index (the index is derived state, not
    // stored), and its index cost counts in the cap exactly as at insert.
    const doc = stored.dead ? undefined : analyzeText(stored.text);
    const payloadSizes = Uint32Array.of(stored.dead ? 0 : payloadBytes(stored) + doc!.bytes);
    this.registry.assertRoomFor(ns, 1, payloadSizes);
    this.clock.advanceTo(stored.time);
    if (stored.id >= this.registry.nextId) this.registry.nextId = stored.id + 1;
    ns.appendRows({
      source: row,
      scales: Float64Array.of(1),
      firstId: stored.id,
      time: stored.time,
      entries: stored.dead ? undefined : [stored],
      payloadSizes,
      docs: doc ? [doc] : undefined,
    });
    ns.setNewestArrival(stored.arrival);
    if (stored.dead) {
      ns.tombstone(stored.id);
      this.placedDead.set(ns, (this.placedDead.get(ns) ?? 0) + 1);
    }
  }

  /** Before restoring `count` more slots into a namespace: allocate the ring once, not by doubling. */
  reserve(namespace: string, count: number): void {
    assertNamespace(namespace);
    const ring = this.registry.writable(namespace).ring;
    if (this.registry.hasRoomFor(ring.growthBytesFor(count))) ring.reserve(ring.size + count);
  }

  /**
   * Ends a restore: ids continue from `nextId`, entries past the TTL go, centroids and baselines
   * are recomputed exactly from the restored rows, and counters start from zero.
   */
  finish(nextId: number): void {
    if (nextId > this.registry.nextId) this.registry.nextId = nextId;
    const now = this.clock.now();
    for (const ns of this.registry.targets(undefined)) {
      ns.expire(now);
      ns.settleAfterRestore(this.placedDead.get(ns) ?? 0);
    }
    this.placedDead.clear();
  }
}
