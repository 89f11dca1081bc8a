import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  JsKernel,
  KernelError,
  loadKernel,
  MAX_TOP_K,
  type NativeKernel,
  type ScanKernel,
  type ScanRequest,
} from '../src/kernel/index.js';
import type { AddonScanArgs, NativeAddon } from '../src/kernel/native-addon.js';
import { nativeUnavailable } from './helpers/native-required.js';

/**
 * Bad arguments must fail with a KernelError (code ERR_KERNEL_ARGUMENT) whose message names the
 * argument, the value and what is accepted — in every backend, sync and async. The addon's own
 * checks (the second line, for callers that bypass the TS wrapper) are tested directly.
 */

/** topK's request in the order the addon takes its arguments, so one list serves both. */
type Args = AddonScanArgs;

function request([slab, dim, segments, query, k, outIdx, outScores, skipMask]: Args): ScanRequest {
  return { slab, dim, segments, query, k, outIdx, outScores, skipMask };
}

const dim = 8;
const rows = 5;
function goodArgs(): Args {
  const slab = new Float32Array(rows * dim).fill(0.25);
  return [
    slab,
    dim,
    Uint32Array.of(0, rows),
    new Float32Array(dim).fill(0.5),
    3,
    new Int32Array(3),
    new Float32Array(3),
    new Uint8Array(rows),
  ];
}

function withArg(i: number, value: unknown): Args {
  const args = goodArgs();
  (args as unknown[])[i] = value;
  return args;
}

/** [what is wrong, arguments, what the message must say] */
const BAD: [string, Args, RegExp][] = [
  ['dim is 0', withArg(1, 0), /dim must be an integer from 1/],
  ['dim is fractional', withArg(1, 2.5), /dim must be an integer from 1 .* got 2\.5/],
  [
    'a segment ends past the slab',
    withArg(2, Uint32Array.of(0, rows + 1)),
    /segment 0 is \[0, 6\).*start <= end <= rows.*5 rows/,
  ],
  ['a segment starts after its end', withArg(2, Uint32Array.of(3, 2)), /segment 0 is \[3, 2\)/],
  ['segments have odd length', withArg(2, Uint32Array.of(0, 1, 2)), /even length/],
  [
    'segments are not a Uint32Array',
    withArg(2, [0, 5]),
    /segments must be a Uint32Array, got Array/,
  ],
  ['k is 0', withArg(4, 0), /k must be an integer from 1 to 10000, got 0/],
  ['k is negative', withArg(4, -2), /k must be an integer from 1 to 10000, got -2/],
  [
    'k exceeds MAX_TOP_K',
    withArg(4, MAX_TOP_K + 1),
    /k must be an integer from 1 to 10000, got 10001/,
  ],
  ['k is NaN', withArg(4, Number.NaN), /k must be an integer .* got NaN/],
  [
    'outIdx is shorter than k',
    withArg(5, new Int32Array(2)),
    /outIdx \(length 2\).*at least k = 3/,
  ],
  [
    'outScores is shorter than k',
    withArg(6, new Float32Array(1)),
    /outScores \(length 1\).*at least k = 3/,
  ],
  [
    'the skip mask is shorter than the slab',
    withArg(7, new Uint8Array(rows - 1)),
    /skipMask length 4 must be at least the slab's row count 5/,
  ],
  [
    'query length differs from dim',
    withArg(3, new Float32Array(dim + 1)),
    /query length 9 must equal dim 8/,
  ],
  [
    'the query holds NaN',
    withArg(3, new Float32Array(dim).fill(Number.NaN)),
    /query\[0\] is NaN; every query value must be finite/,
  ],
  [
    'the slab is a Float64Array',
    withArg(0, new Float64Array(rows * dim)),
    /slab must be a Float32Array, got Float64Array/,
  ],
  ['outIdx is a Uint32Array', withArg(5, new Uint32Array(3)), /outIdx must be an Int32Array/],
];

function kernels(): [string, ScanKernel][] {
  const list: [string, ScanKernel][] = [['js', new JsKernel()]];
  try {
    const native = loadKernel({ backend: 'native' }) as NativeKernel;
    for (const isa of native.info.availableIsas) {
      list.push([`native ${isa}`, loadKernel({ isa: isa as 'scalar' })]);
    }
  } catch (error) {
    nativeUnavailable('kernel-validation', 'the native argument checks', error);
  }
  return list;
}

for (const [name, kernel] of kernels()) {
  describe(`${name} kernel argument checks`, () => {
    it('accepts the well-formed baseline call', () => {
      expect(kernel.topK(request(goodArgs()))).toBe(3);
    });

    for (const [what, args, message] of BAD) {
      it(`throws a typed argument error when ${what}`, async () => {
        let thrown: unknown;
        try {
          kernel.topK(request(args));
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(KernelError);
        expect((thrown as KernelError).code).toBe('ERR_KERNEL_ARGUMENT');
        expect((thrown as KernelError).message).toMatch(message);
        await expect(kernel.topKAsync(request(args))).rejects.toMatchObject({
          code: 'ERR_KERNEL_ARGUMENT',
          message: expect.stringMatching(message),
        });
      });
    }
  });
}

describe('native addon second-line checks', () => {
  const require = createRequire(import.meta.url);
  let addon: NativeAddon | undefined;
  try {
    addon = require('../native/build/Release/ringmem_kernel.node') as NativeAddon;
  } catch (error) {
    nativeUnavailable('kernel-validation', 'the addon second-line checks', error);
  }
  const scalar = 0;

  it.skipIf(addon === undefined)(
    'refuses out-of-range segments and short outputs without the TS wrapper',
    () => {
      const a = addon!;
      const [slab, d, , query, k, idx, scores] = goodArgs();
      const call = (over: Partial<Record<number, unknown>>) => () => {
        const args: unknown[] = [scalar, slab, d, Uint32Array.of(0, rows), query, k, idx, scores];
        for (const [i, v] of Object.entries(over)) args[Number(i)] = v;
        return (a.topK as (...x: unknown[]) => number)(...args);
      };
      expect(call({})()).toBe(3);
      expect(call({ 3: Uint32Array.of(0, rows + 1) })).toThrow(
        /segment 0 \[0, 6\) must satisfy start <= end <= rows \(5\)/,
      );
      expect(call({ 3: Uint32Array.of(4, 1) })).toThrow(/start <= end/);
      expect(call({ 6: new Int32Array(1) })).toThrow(/at least k = 3/);
      expect(call({ 5: 0 })).toThrow(/k must be an integer from 1 to 10000/);
      expect(call({ 5: MAX_TOP_K + 1 })).toThrow(/k must be an integer from 1 to 10000/);
      expect(call({ 2: 0 })).toThrow(/dim must be an integer from 1/);
      expect(call({ 4: new Float32Array(3) })).toThrow(/query length 3 must equal dim 8/);
      expect(call({ 1: new Float64Array(40) })).toThrow(/slab must be a Float32Array/);
      expect(call({ 8: new Uint8Array(2) })).toThrow(/skipMask length 2 must be at least/);
      expect(call({ 0: 99 })).toThrow(/isa must be an integer/);
      try {
        call({ 5: 0 })();
      } catch (error) {
        expect((error as { code?: string }).code).toBe('ERR_KERNEL_ARGUMENT');
      }
    },
  );

  it.skipIf(addon === undefined)(
    'refuses a shared scan without an Int32Array counter or with no chunk rows, and runs a well-formed one',
    async () => {
      const a = addon!;
      const [slab, d, seg, query, k, idx, scores] = goodArgs();
      const shared = a.topKAsyncShared as (...x: unknown[]) => Promise<number>;
      const call =
        (counter: unknown, chunkRows: unknown, segments: Uint32Array = seg) =>
        () =>
          shared(scalar, slab, d, segments, query, k, idx, scores, undefined, counter, chunkRows);
      expect(call(new Float32Array(1), 4)).toThrow(/counter must be a Int32Array/);
      expect(call(new Int32Array(0), 4)).toThrow(/counter must hold at least one element/);
      expect(call(new Int32Array(1), 0)).toThrow(/chunkRows must be an integer from 1/);
      await expect(call(new Int32Array(1), 2)()).resolves.toBe(3);
      await expect(call(new Int32Array(1), 1, Uint32Array.of(0, rows - 1))()).resolves.toBe(3);
    },
  );

  it.skipIf(addon === undefined)('rejects an ISA the CPU cannot run with its own code', () => {
    const a = addon!;
    const missing = a.isaNames.findIndex((n) => !a.availableIsas().includes(n));
    if (missing < 0) return; // every ISA available: nothing to refuse on this machine
    const [slab, d, seg, query, k, idx, scores] = goodArgs();
    expect(() => a.topK(missing, slab, d, seg, query, k, idx, scores)).toThrow(
      expect.objectContaining({ code: 'ERR_KERNEL_ISA_UNAVAILABLE' }),
    );
  });
});
