import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { floatToHalf } from '../src/kernel/compact.js';
import {
  type CompactRequest,
  encodeF16,
  encodeInt8,
  halfToFloat,
  JsKernel,
  KernelError,
  loadKernel,
  type NativeIsa,
  type ScanKernel,
  vectorBytes,
} from '../src/kernel/index.js';
import { seededUnitRows as unitRows } from '../src/seeded-rows.js';
import { naiveKernel } from './helpers/naive-kernel.js';

/** Compact scans (f16, int8 + per-row scale): every backend against the JS twin and the naive one. */

const available = (() => {
  try {
    return new Set<string>(loadKernel({ backend: 'native' }).info.availableIsas);
  } catch {
    return new Set<string>();
  }
})();
const js = new JsKernel();

function encode(precision: 'f16' | 'int8', slab: Float32Array, dim: number) {
  if (precision === 'f16') return { rows: encodeF16(slab), scales: undefined };
  const { codes, scales } = encodeInt8(slab, dim);
  return { rows: codes, scales };
}

function run(kernel: ScanKernel, req: Omit<CompactRequest, 'outIdx' | 'outScores'>) {
  const outIdx = new Int32Array(req.k).fill(-7);
  const outScores = new Float32Array(req.k).fill(-7);
  const n = kernel.topKCompact({ ...req, outIdx, outScores });
  return {
    n,
    idx: Array.from(outIdx.subarray(0, n)),
    scores: Array.from(outScores.subarray(0, n)),
  };
}

const caseArb = fc.record({
  precision: fc.constantFrom('f16' as const, 'int8' as const),
  dim: fc.constantFrom(1, 3, 8, 9, 31, 33, 100, 384, 385),
  rows: fc.integer({ min: 0, max: 50 }),
  k: fc.integer({ min: 1, max: 15 }),
  seed: fc.integer({ min: 1, max: 100_000 }),
  cutFrac: fc.double({ min: 0, max: 1, noNaN: true }),
  masked: fc.boolean(),
});

interface Case {
  precision: 'f16' | 'int8';
  dim: number;
  rows: number;
  k: number;
  seed: number;
  cutFrac: number;
  masked: boolean;
}

function build(c: Case) {
  const slab = unitRows(c.rows, c.dim, c.seed);
  if (c.rows >= 5) slab.copyWithin(4 * c.dim, 1 * c.dim, 2 * c.dim); // an exact duplicate
  const query = unitRows(1, c.dim, c.seed + 1);
  const cut = Math.floor(c.cutFrac * c.rows);
  const segments = Uint32Array.from([cut, c.rows, 0, Math.floor(cut / 2)]);
  let skipMask: Uint8Array | undefined;
  if (c.masked) {
    skipMask = new Uint8Array(c.rows);
    for (let r = 0; r < c.rows; r++) skipMask[r] = r % 4 === 1 ? 1 : 0;
  }
  return {
    ...encode(c.precision, slab, c.dim),
    precision: c.precision,
    dim: c.dim,
    segments,
    query,
    k: c.k,
    skipMask,
  };
}

describe('compact encodings', () => {
  it('rounds floats to the nearest half, ties to even, and decodes halves exactly', () => {
    expect(floatToHalf(1)).toBe(0x3c00);
    expect(floatToHalf(-2)).toBe(0xc000);
    expect(floatToHalf(65504)).toBe(0x7bff);
    expect(floatToHalf(1e6)).toBe(0x7c00);
    expect(floatToHalf(2 ** -24)).toBe(0x0001);
    expect(floatToHalf(2 ** -26)).toBe(0x0000);
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00); // a tie: to even
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02); // a tie: to even (up)
    fc.assert(
      fc.property(fc.float({ min: -1, max: 1, noNaN: true }), (x) => {
        const back = halfToFloat(floatToHalf(x));
        // Nearest: no other half is closer.
        const ulp = Math.max(2 ** -24, 2 ** (Math.floor(Math.log2(Math.abs(x) || 2 ** -24)) - 10));
        expect(Math.abs(back - x)).toBeLessThanOrEqual(ulp / 2 + 1e-12);
      }),
    );
  });

  it('maps each row\u2019s largest magnitude to ±127 with one scale per row', () => {
    const { codes, scales } = encodeInt8(Float32Array.from([0.5, -1, 0.25, 0, 0, 0]), 3);
    expect(Array.from(codes)).toEqual([64, -127, 32, 0, 0, 0]);
    expect(scales[0]).toBe(Math.fround(1 / 127));
    expect(scales[1]).toBe(0);
  });

  it('reports bytes per stored vector for each precision', () => {
    expect([vectorBytes('f32', 384), vectorBytes('f16', 384), vectorBytes('int8', 384)]).toEqual([
      1536, 768, 388,
    ]);
  });
});

describe('topKCompact in the JS kernel', () => {
  it('agrees with the naive reference on the decoded rows', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const req = build(c);
        const got = run(js, req);
        const want = run(naiveKernel, req);
        expect(got.n).toBe(want.n);
        for (let i = 0; i < got.n; i++)
          expect(Math.abs(got.scores[i]! - want.scores[i]!)).toBeLessThan(1e-5);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects a request whose rows do not match the precision, naming what is accepted', () => {
    const req = build({
      precision: 'int8',
      dim: 4,
      rows: 3,
      k: 2,
      seed: 1,
      cutFrac: 0,
      masked: false,
    });
    for (const kernel of [js, ...(available.size > 0 ? [loadKernel({ backend: 'native' })] : [])]) {
      expect(() => run(kernel, { ...req, scales: undefined })).toThrow(KernelError);
      expect(() => run(kernel, { ...req, precision: 'f16' })).toThrow(/Uint16Array/);
    }
  });
});

for (const isa of ['scalar', 'avx2-fma', 'avx512f', 'neon'] as NativeIsa[]) {
  if (!available.has(isa)) {
    it.skip(`topKCompact on ${isa} — skipped: this machine cannot run ${isa}`, () => {});
    continue;
  }
  it(`topKCompact on the native ${isa} kernel matches the JS twin${isa === 'scalar' ? ' bit for bit' : ' within rounding'}`, () => {
    const kernel = loadKernel({ isa });
    fc.assert(
      fc.property(caseArb, (c) => {
        const req = build(c);
        const got = run(kernel, req);
        const want = run(js, req);
        if (isa === 'scalar') {
          expect(got).toEqual(want);
          return;
        }
        expect(got.n).toBe(want.n);
        const tol = 1e-6 * Math.max(8, c.dim);
        for (let i = 0; i < got.n; i++) {
          expect(Math.abs(got.scores[i]! - want.scores[i]!)).toBeLessThanOrEqual(tol);
          if (got.idx[i] !== want.idx[i]) {
            // Only a near tie may swap: the two rows' JS scores must be within rounding.
            const a = want.scores[want.idx.indexOf(got.idx[i]!)] ?? got.scores[i]!;
            expect(Math.abs(a - want.scores[i]!)).toBeLessThanOrEqual(2 * tol);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
}

describe('decodeF16', () => {
  const allHalves = Uint16Array.from({ length: 65_536 }, (_, h) => h);
  const bitsOf = (f: Float32Array) => new Uint32Array(f.buffer, f.byteOffset, f.length);

  it('decodes every half exactly in the JS kernel', () => {
    const out = new Float32Array(allHalves.length);
    js.decodeF16(allHalves, out);
    for (let h = 0; h < allHalves.length; h++) {
      const want = halfToFloat(h);
      if (Number.isNaN(want)) expect(out[h]).toBeNaN();
      else expect(out[h]).toBe(want);
    }
  });

  if (!available.has('scalar')) {
    it.skip('decodeF16 in the native kernel — skipped: the native addon is not built', () => {});
  } else {
    it('gives the JS result bit for bit in the native kernel for every half but NaN, from an unaligned view, over a length that is no multiple of 8', () => {
      const native = loadKernel({ backend: 'native' });
      // An odd offset and a length of 65,531: the SIMD body, then a scalar tail.
      const src = allHalves.subarray(3, 65_534);
      const want = new Float32Array(src.length + 2);
      const got = new Float32Array(src.length + 2).fill(-7);
      js.decodeF16(src, want);
      native.decodeF16(src, got.subarray(1));
      const wantBits = bitsOf(want);
      const gotBits = bitsOf(got.subarray(1));
      for (let i = 0; i < src.length; i++) {
        if (Number.isNaN(want[i])) expect(got[i + 1]).toBeNaN();
        else if (gotBits[i] !== wantBits[i])
          expect.fail(`half ${src[i]}: ${got[i + 1]} vs ${want[i]}`);
      }
      expect(got[0]).toBe(-7); // nothing written before the view
      expect(got[src.length + 1]).toBe(-7); // nor past src.length
    });

    it('refuses an output shorter than its input, saying what it needs', () => {
      const native = loadKernel({ backend: 'native' });
      expect(() => native.decodeF16(new Uint16Array(9), new Float32Array(8))).toThrow(
        /out needs one element per half/,
      );
      expect(() => js.decodeF16(new Uint16Array(9), new Float32Array(8))).toThrow(
        /out holds 8 values, src 9/,
      );
    });
  }
});
