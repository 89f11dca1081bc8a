import { describe, expect, it } from 'vitest';
import { MemoryEngine } from '../src/engine/index.js';
import { JsKernel, loadKernel, type ScanKernel } from '../src/kernel/index.js';
import {
  INGEST_ADD,
  INGEST_REPLACE,
  INGEST_RESET,
  ingestRowsJs,
  rowSumSquaresJs,
} from '../src/kernel/ingest.js';
import { nativeUnavailable } from './helpers/native-required.js';

/**
 * The ingest half of the kernel contract (ingestRow, ingestRows, rowSumSquares): the JS reference
 * against the native addon, and the one insert path built on it against row-by-row inserts.
 */

function nativeKernel(): ScanKernel | undefined {
  try {
    return loadKernel({ backend: 'native', warn: () => {} });
  } catch (error) {
    nativeUnavailable('kernel-ingest', 'native ingest parity', error);
    return undefined;
  }
}
const native = nativeKernel();

function seeded(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/** A batch of n rows into a slab of `rows` rows, each flag used, slots distinct. */
function batch(dim: number, rows: number, n: number, seed: number) {
  const rand = seeded(seed);
  const slab = new Float32Array(rows * dim).map(() => rand());
  const src = new Float32Array(n * dim).map(() => rand() * 3);
  const scales = Float64Array.from({ length: n }, () => 0.5 + Math.abs(rand()));
  const slots = Uint32Array.from({ length: n }, (_, r) => (r * 7 + seed) % rows);
  const flags = Uint8Array.from({ length: n }, (_, r) =>
    r % 5 === 3 ? INGEST_RESET : r % 2 === 0 ? INGEST_REPLACE : INGEST_ADD,
  );
  const sum = new Float64Array(dim).map(() => rand() * 10);
  return { slab, src, scales, slots, flags, sum, out: new Float64Array(2 * n) };
}

function copy<T extends ReturnType<typeof batch>>(b: T): T {
  return {
    ...b,
    slab: b.slab.slice(),
    sum: b.sum.slice(),
    out: b.out.slice(),
  };
}

function ingest(kernel: Pick<ScanKernel, 'ingestRows'>, b: ReturnType<typeof batch>, dim: number) {
  kernel.ingestRows({ ...b, dim });
}

describe('the JS ingest', () => {
  it('does for a batch in one call exactly what one call per row does', () => {
    const dim = 13;
    const a = batch(dim, 40, 31, 5);
    const b = copy(a);
    ingestRowsJs({ ...a, dim });
    const out = new Float64Array(2);
    for (let r = 0; r < 31; r++) {
      ingestRowsJs({
        slab: b.slab,
        dim,
        src: b.src.subarray(r * dim, (r + 1) * dim),
        scales: b.scales.subarray(r, r + 1),
        slots: b.slots.subarray(r, r + 1),
        flags: b.flags.subarray(r, r + 1),
        sum: b.sum,
        out,
      });
      b.out[2 * r] = out[0]!;
      b.out[2 * r + 1] = out[1]!;
    }
    expect(a.slab).toEqual(b.slab);
    expect(a.sum).toEqual(b.sum);
    expect(a.out).toEqual(b.out);
  });

  it('zeroes the sum before a reset row, so the row starts an empty window', () => {
    const dim = 4;
    const slab = new Float32Array(8);
    const sum = Float64Array.of(5, 5, 5, 5);
    const out = new Float64Array(2);
    const src = Float32Array.of(1, 2, 3, 4);
    ingestRowsJs({
      slab,
      dim,
      src,
      scales: Float64Array.of(1),
      slots: Uint32Array.of(1),
      flags: Uint8Array.of(INGEST_RESET),
      sum,
      out,
    });
    expect(Array.from(sum)).toEqual([1, 2, 3, 4]);
    expect(Array.from(out)).toEqual([0, 0]);
    expect(Array.from(slab.subarray(4))).toEqual([1, 2, 3, 4]);
  });

  it('computes squared row norms in float64, in index order', () => {
    const src = Float32Array.of(3, 4, 0.1, 0.2, 1e20, 1e20);
    const out = new Float64Array(3);
    rowSumSquaresJs(src, 2, out);
    expect(out[0]).toBe(25);
    expect(out[1]).toBe(Math.fround(0.1) ** 2 + Math.fround(0.2) ** 2);
    expect(out[2]).toBe(Math.fround(1e20) ** 2 * 2);
  });

  it('refuses batches that would write outside the slab or the sum, with the addon’s words', () => {
    const rows =
      (slots: number[], scale = 1, dim = 4) =>
      () =>
        ingestRowsJs({
          slab: new Float32Array(8),
          dim,
          src: new Float32Array(4),
          scales: Float64Array.of(scale),
          slots: Uint32Array.from(slots),
          flags: Uint8Array.of(0),
          sum: new Float64Array(4),
          out: new Float64Array(2),
        });
    expect(rows([1])).not.toThrow();
    expect(rows([2])).toThrow(/outside the slab/);
    expect(rows([0], Number.POSITIVE_INFINITY)).toThrow(/finite/);
    expect(rows([0, 1])).toThrow(/cover every row/);
    expect(rows([0], 1, 3)).toThrow(/sum must hold dim values/);
  });
});

describe.skipIf(!native)('native ingest vs the JS reference', () => {
  for (const dim of [1, 3, 8, 9, 16, 33, 384, 385]) {
    it(`writes the same slab and sum bit for bit, and dot and norm within rounding, at dim ${dim}`, () => {
      const js = batch(dim, 64, 50, dim);
      const nat = copy(js);
      ingest(new JsKernel(), js, dim);
      ingest(native!, nat, dim);
      expect(nat.slab).toEqual(js.slab);
      expect(nat.sum).toEqual(js.sum);
      for (let i = 0; i < js.out.length; i++) {
        const scale = Math.max(1, Math.abs(js.out[i]!));
        expect(Math.abs(nat.out[i]! - js.out[i]!) / scale).toBeLessThan(1e-12);
      }
      const squares = { js: new Float64Array(50), nat: new Float64Array(50) };
      rowSumSquaresJs(js.src, dim, squares.js);
      native!.rowSumSquares(js.src, dim, squares.nat);
      for (let r = 0; r < 50; r++) {
        expect(squares.nat[r]! / squares.js[r]!).toBeCloseTo(1, 12);
      }
    });
  }

  it('refuses the same bad batches as the JS reference', () => {
    const slab = new Float32Array(8);
    const call = (k: Pick<ScanKernel, 'ingestRows'>, slot: number) => () =>
      k.ingestRows({
        slab,
        dim: 4,
        src: new Float32Array(4),
        scales: Float64Array.of(1),
        slots: Uint32Array.of(slot),
        flags: Uint8Array.of(0),
        sum: new Float64Array(4),
        out: new Float64Array(2),
      });
    expect(call(native!, 2)).toThrow(/outside the slab/);
    expect(call(new JsKernel(), 2)).toThrow(/outside the slab/);
  });
});

describe('the one insert path', () => {
  const kernels: [string, ScanKernel | undefined][] = [
    ['JS', new JsKernel()],
    ['native', native],
  ];
  for (const [name, kernel] of kernels) {
    it.skipIf(!kernel)(
      `leaves the same window, ids and centroid bits whether rows come in one batch larger than the ring or one by one (${name})`,
      () => {
        const dim = 24;
        const make = () =>
          new MemoryEngine({ dim, capacity: 50, kernel: kernel!, resumEvery: 1e12 });
        const rand = seeded(11);
        const rows = new Float32Array(130 * dim).map(() => rand());
        const whole = make();
        const single = make();
        const plain = make();
        whole.insert('n', rows);
        for (let r = 0; r < 130; r++) single.insert('n', rows.subarray(r * dim, (r + 1) * dim));
        plain.insert('n', Array.from(rows));
        for (const other of [single, plain]) {
          expect(other.centroidOf('n')).toEqual(whole.centroidOf('n'));
          expect(other.recent('n', 100).map((e) => e.id)).toEqual(
            whole.recent('n', 100).map((e) => e.id),
          );
          expect(other.stats('n')[0]!.count).toBe(50);
        }
        const q = rows.subarray(0, dim);
        expect(single.search('n', q, { k: 5 }).hits.map((h) => h.score)).toEqual(
          whole.search('n', q, { k: 5 }).hits.map((h) => h.score),
        );
      },
    );
  }
});
