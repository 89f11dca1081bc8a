import { describe, expect, it } from 'vitest';
import { MemoryEngine } from '../src/engine/index.js';
import { JsKernel, loadKernel } from '../src/kernel/index.js';
import { optionalAddon } from '../src/kernel/loader.js';
import type { ScanKernel } from '../src/kernel/types.js';
import { nativeUnavailable } from './helpers/native-required.js';

function nativeKernel(): ScanKernel | undefined {
  try {
    const k = loadKernel({ backend: 'native', warn: () => {} });
    return k;
  } catch (error) {
    nativeUnavailable('engine-ingest', 'ingest parity', error);
  }
  return undefined;
}

const native = nativeKernel();
const addon = native === undefined ? undefined : optionalAddon();

function seeded(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

describe.skipIf(!native)('native row ingest vs the JS path', () => {
  for (const dim of [1, 3, 7, 8, 9, 16, 33, 384, 385]) {
    it(`leaves the same slab and centroid, bit for bit, at dim ${dim} through growth and wrap-around`, () => {
      const make = (kernel: ScanKernel) =>
        new MemoryEngine({ dim, capacity: 300, kernel, resumEvery: Number.POSITIVE_INFINITY });
      const js = make(new JsKernel());
      const nat = make(native!);
      const rand = seeded(dim);
      for (let b = 0; b < 7; b++) {
        const rows = 97;
        const batch = new Float32Array(rows * dim);
        for (let i = 0; i < batch.length; i++) batch[i] = rand() * (b + 1);
        js.insert('n', batch);
        nat.insert('n', batch);
      }
      expect(nat.centroidOf('n')).toEqual(js.centroidOf('n'));
      const q = new Float32Array(dim).map(() => rand());
      const a = js.search('n', q, { k: 20 });
      const b = nat.search('n', q, { k: 20 });
      expect(b.hits.map((h) => h.id)).toEqual(a.hits.map((h) => h.id));
      const ra = js.anomaly('n', q);
      const rb = nat.anomaly('n', q);
      expect(rb.baseline.mean!).toBeCloseTo(ra.baseline.mean!, 9);
      expect(rb.baseline.std!).toBeCloseTo(ra.baseline.std!, 9);
      expect(rb.centroidSimilarity!).toBeCloseTo(ra.centroidSimilarity!, 12);
    });
  }

  it('computes the same squared row norms as JS, so validation and normalisation agree', () => {
    const dim = 37;
    const src = new Float32Array(dim * 5).map((_, i) => Math.sin(i) * (i % 7));
    const out = new Float64Array(5);
    native!.rowSumSquares(src, dim, out);
    for (let r = 0; r < 5; r++) {
      let s = 0;
      for (let i = 0; i < dim; i++) s += src[r * dim + i]! ** 2;
      expect(out[r]).toBeCloseTo(s, 10);
    }
    src[dim + 3] = Number.NaN;
    native!.rowSumSquares(src, dim, out);
    expect(Number.isNaN(out[1]!)).toBe(true);
  });

  it('checks bounds in the addon itself', () => {
    const slab = new Float32Array(8);
    const src = new Float32Array(4);
    const sum = new Float64Array(4);
    const out = new Float64Array(2);
    expect(() => addon!.ingestRow(slab, 6, src, 0, 1, sum, false, out)).toThrow(/within the slab/);
    expect(() => addon!.ingestRow(slab, 0, src, 1, 1, sum, false, out)).toThrow(/within src/);
    expect(() => addon!.ingestRow(slab, 0, src, 0, Number.NaN, sum, false, out)).toThrow(/finite/);
  });
});
