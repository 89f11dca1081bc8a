import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { HUGE_PAGE_ADVICE_MIN_BYTES } from '../src/kernel/aligned.js';
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

  it.skipIf(addon === undefined)(
    'has the addon refuse a huge-page range outside the buffer and report a range too small',
    () => {
      const buffer = new ArrayBuffer(4096);
      expect(() => addon!.adviseHugePages!(buffer, 0, 8192)).toThrow(/range must lie inside/);
      expect(() => addon!.adviseHugePages!(buffer, -1, 10)).toThrow(/range must lie inside/);
      // No whole 2 MiB page fits in 4 KiB: nothing to advise, and no error.
      expect(addon!.adviseHugePages!(buffer, 0, 4096)).toBe(false);
    },
  );

  it.skipIf(addon === undefined || !transparentHugePagesAvailable())(
    'asks Linux for transparent huge pages on a large slab (its mapping is marked hg)',
    () => {
      // Whether the kernel then grants huge pages depends on free memory and fragmentation; what
      // ringmem controls, and what this checks, is the advice: madvise(MADV_HUGEPAGE) marks the
      // mapping "hg" in /proc/self/smaps (splitting it off as a mapping of its own).
      // Other test files may share this process and free their slabs meanwhile, so look for a
      // new advised range rather than comparing counts.
      const before = advisedMappings();
      const slab = alignedFloat32Array((4 * HUGE_PAGE_ADVICE_MIN_BYTES) / 4);
      const added = [...advisedMappings()].filter((range) => !before.has(range));
      expect(added.length).toBeGreaterThan(0);
      slab.fill(1);
      expect(slab[slab.length - 1]).toBe(1);
    },
  );
});

/** Linux with THP set to `always` or `madvise` (not `never`, and not another OS). */
function transparentHugePagesAvailable(): boolean {
  try {
    const mode = readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8');
    const available = /\[(always|madvise)\]/.test(mode);
    if (!available)
      console.warn(`kernel-aligned: THP is off here (${mode.trim()}); huge-page test skipped`);
    return available;
  } catch {
    console.warn('kernel-aligned: no /sys/kernel/mm/transparent_hugepage; huge-page test skipped');
    return false;
  }
}

/** Address ranges of this process's mappings that carry the huge-page advice (VmFlags "hg"). */
function advisedMappings(): Set<string> {
  const ranges = new Set<string>();
  let range = '';
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const header = /^([0-9a-f]+-[0-9a-f]+) /.exec(line);
    if (header) range = header[1]!;
    else if (line.startsWith('VmFlags:') && /\bhg\b/.test(line)) ranges.add(range);
  }
  return ranges;
}
