import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Ring } from '../src/engine/ring.js';
import { JsKernel } from '../src/kernel/index.js';
import { INGEST_ADD } from '../src/kernel/ingest.js';

/**
 * Ring's own reads (slots by time, id and liveness; rows by slot; scans; byte arithmetic) against
 * a brute-force model of the same entries kept as plain arrays, under random sequences of
 * appends, evictions from the old end and tombstones, through growth and wrap-around.
 */

interface ModelEntry {
  id: number;
  time: number;
  dead: boolean;
  row: Float32Array;
}

type Op = { kind: 'append'; dt: number } | { kind: 'pop' } | { kind: 'kill'; pick: number };

const DIM = 5;

function rowFor(id: number): Float32Array {
  const row = new Float32Array(DIM);
  for (let i = 0; i < DIM; i++) row[i] = Math.sin(id * 7.1 + i * 1.3);
  return row;
}

/** Appends a row as Namespace does: reserve a slot, write it (no running sum kept here). */
function append(ring: Ring, entry: ModelEntry): void {
  const slot = ring.appendSlot();
  ring.writeRows({
    src: entry.row,
    scales: Float64Array.of(1),
    slots: Uint32Array.of(slot),
    flags: Uint8Array.of(INGEST_ADD),
    sum: new Float64Array(DIM),
    out: new Float64Array(2),
  });
  ring.ids[slot] = entry.id;
  ring.times[slot] = entry.time;
  ring.dead[slot] = 0;
}

function run(capacity: number, ops: Op[]): { ring: Ring; model: ModelEntry[] } {
  const ring = new Ring(DIM, capacity, new JsKernel());
  const model: ModelEntry[] = [];
  let id = 1;
  let time = 1_000;
  for (const op of ops) {
    if (op.kind === 'append') {
      if (ring.isFull) {
        ring.popOldest();
        model.shift();
      }
      time += op.dt;
      const entry = { id, time, dead: false, row: rowFor(id) };
      id += 1 + (op.dt % 3); // ids grow, with gaps
      append(ring, entry);
      model.push(entry);
    } else if (op.kind === 'pop') {
      if (ring.size === 0) continue;
      ring.popOldest();
      model.shift();
    } else if (model.length > 0) {
      const entry = model[op.pick % model.length]!;
      entry.dead = true;
      ring.dead[ring.findSlot(entry.id)] = 1;
    }
  }
  return { ring, model };
}

const ops = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('append' as const), dt: fc.nat(4) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('pop' as const) }) },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('kill' as const), pick: fc.nat(1_000) }),
    },
  ),
  { maxLength: 700 },
);

describe('Ring reads', () => {
  it('agree with a brute-force model under random appends, evictions and tombstones', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 600 }), ops, fc.nat(1_000), (capacity, list, probe) => {
        const { ring, model } = run(capacity, list);
        expect(ring.size).toBe(model.length);
        const live = model.filter((e) => !e.dead);

        // Positions and slots.
        for (let p = 0; p < model.length; p++) {
          const slot = ring.slotAt(p);
          expect(ring.positionOf(slot)).toBe(p);
          expect(ring.ids[slot]).toBe(model[p]!.id);
          expect(Array.from(ring.row(slot))).toEqual(Array.from(model[p]!.row));
        }
        if (model.length > 0) expect(ring.ids[ring.newestSlot]).toBe(model.at(-1)!.id);

        // Live entries by recency and time.
        const newest = live
          .slice()
          .reverse()
          .map((e) => e.id);
        const limit = 1 + (probe % 40);
        expect(ring.newestLiveSlots(limit).map((s) => ring.ids[s])).toEqual(newest.slice(0, limit));
        const since = model.length > 0 ? model[probe % model.length]!.time : 0;
        const recentSince: number[] = [];
        for (let p = model.length - 1; p >= 0 && model[p]!.time >= since; p--) {
          if (!model[p]!.dead) recentSince.push(model[p]!.id);
        }
        expect(
          ring.newestLiveSlots(Number.POSITIVE_INFINITY, since).map((s) => ring.ids[s]),
        ).toEqual(recentSince);
        expect(ring.oldestLiveTime()).toBe(live[0]?.time);
        expect(ring.newestLiveTime()).toBe(live.at(-1)?.time);

        // Ids: lower bound and exact look-up, present or not.
        const target = probe % (model.length > 0 ? model.at(-1)!.id + 2 : 3);
        const lower = model.findIndex((e) => e.id >= target);
        expect(ring.lowerBoundId(target)).toBe(lower < 0 ? model.length : lower);
        const exact = model.findIndex((e) => e.id === target);
        expect(ring.findSlot(target)).toBe(exact < 0 ? -1 : ring.slotAt(exact));

        // Segments of a time window cover exactly its slots, oldest first.
        const from = ring.lowerBoundTime(since);
        const to = ring.upperBoundTime(since + 3);
        const segs = ring.segmentsOf(from, to);
        const covered: number[] = [];
        for (let s = 0; s < segs.length; s += 2) {
          for (let slot = segs[s]!; slot < segs[s + 1]!; slot++) covered.push(ring.ids[slot]!);
        }
        expect(covered).toEqual(
          model.filter((e) => e.time >= since && e.time <= since + 3).map((e) => e.id),
        );
      }),
      { numRuns: 60 },
    );
  });

  it('computes dot products and sums of stored rows as float64 over the float32 values', () => {
    const { ring, model } = run(
      300,
      Array.from({ length: 500 }, (_, i) => ({ kind: 'append' as const, dt: i % 3 })),
    );
    const q = Float32Array.from({ length: DIM }, (_, i) => 0.25 - i / 7);
    const a = ring.slotAt(17);
    const b = ring.slotAt(250);
    const ra = model[17]!.row;
    const rb = model[250]!.row;
    let dq = 0;
    let dab = 0;
    for (let i = 0; i < DIM; i++) {
      dq += ra[i]! * q[i]!;
      dab += ra[i]! * rb[i]!;
    }
    expect(ring.dotRow(a, q)).toBe(dq);
    expect(ring.dotRows(a, b)).toBe(dab);
    const acc = new Float64Array(DIM).fill(0.5);
    ring.addRowInto(a, acc);
    ring.subtractRowFrom(b, acc);
    expect(Array.from(acc)).toEqual(Array.from(ra, (v, i) => 0.5 + v - rb[i]!));
  });

  it('scans its rows as the kernel scans a copied slab of the same rows', () => {
    const { ring, model } = run(
      200,
      Array.from({ length: 333 }, () => ({ kind: 'append' as const, dt: 1 })),
    );
    const q = Float32Array.from({ length: DIM }, (_, i) => (i % 2 === 0 ? 0.6 : -0.2));
    const segments = ring.segmentsOf(0, ring.size);
    const outIdx = new Int32Array(10);
    const outScores = new Float32Array(10);
    const found = ring.scan({ segments, query: q, k: 10, outIdx, outScores });
    const brute = model
      .map((e) => {
        let s = 0;
        for (let i = 0; i < DIM; i++) s += e.row[i]! * q[i]!;
        return { id: e.id, score: Math.fround(s) };
      })
      .sort((x, y) => y.score - x.score);
    expect(found).toBe(10);
    expect(Array.from(outIdx.subarray(0, found), (slot) => ring.ids[slot])).toEqual(
      brute.slice(0, 10).map((h) => h.id),
    );
  });

  it('predicts the bytes a reservation adds before making it', () => {
    const ring = new Ring(DIM, 5_000, new JsKernel());
    for (const more of [0, 1, 255, 256, 257, 1_000, 4_999, 5_000, 9_999]) {
      const predicted = ring.growthBytesFor(more);
      const probe = new Ring(DIM, 5_000, new JsKernel());
      probe.reserve(probe.size + more);
      expect(predicted).toBe(probe.allocatedBytes - ring.allocatedBytes);
    }
  });
});
