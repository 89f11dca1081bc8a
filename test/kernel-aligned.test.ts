import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { alignedFloat32Array, KernelError, SLAB_ALIGNMENT } from '../src/kernel/index.js';
import type { NativeAddon } from '../src/kernel/native-kernel.js';

const require = createRequire(import.meta.url);
let addon: NativeAddon | undefined;
try {
  addon = require('../native/build/Release/ringmem_kernel.node') as NativeAddon;
} catch {
  console.warn(
    'kernel-aligned: addon not built; alignment cannot be observed, only lengths checked',
  );
}

describe('alignedFloat32Array', () => {
  it('returns a zero-filled array of the requested length', () => {
    for (const length of [0, 1, 7, 384, 5000 * 384]) {
      const a = alignedFloat32Array(length);
      expect(a).toBeInstanceOf(Float32Array);
      expect(a.length).toBe(length);
      expect(a.every((x) => x === 0)).toBe(true);
    }
  });

  it.skipIf(addon === undefined)('starts the array on a 64-byte boundary', () => {
    for (const length of [1, 10, 384, 1000, 5000 * 384, 20_000 * 384]) {
      const a = alignedFloat32Array(length);
      const address = addon!.addressMod64(a.buffer as ArrayBuffer) + a.byteOffset;
      expect(address % SLAB_ALIGNMENT).toBe(0);
    }
  });

  it('refuses a length that is negative or not an integer', () => {
    expect(() => alignedFloat32Array(-1)).toThrow(KernelError);
    expect(() => alignedFloat32Array(2.5)).toThrow(
      /length must be an integer from 0 to 2\^32, got 2\.5/,
    );
  });

  it.skipIf(addon === undefined)('has the addon refuse anything but an ArrayBuffer', () => {
    expect(() => addon!.addressMod64(new Float32Array(4) as unknown as ArrayBuffer)).toThrow(
      /addressMod64 expects an ArrayBuffer/,
    );
  });
});
