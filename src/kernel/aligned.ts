import { argumentError } from './errors.js';
import { optionalAddon } from './loader.js';

/** Cache-line size the SIMD kernels want rows aligned to. */
export const SLAB_ALIGNMENT = 64;

/**
 * Slabs of at least this many bytes ask the OS for transparent huge pages (Linux `madvise`,
 * through the addon; a no-op elsewhere). Why: a scan streams the whole slab, and a 7.7 MB slab in
 * 4 KiB pages spans ~1,900 pages, more than the L2 TLB covers. Measured on the shared 2-core EPYC
 * dev VM (THP in `madvise` mode), topK p50 through the addon, same process, interleaved: 5k × 384
 * 155–162 µs with the advice vs 162–167 µs without; 20k × 384 1.97 vs 2.10 ms. Small, but free:
 * untouched pages of the slab are never faulted in, so resident memory does not change.
 */
export const HUGE_PAGE_ADVICE_MIN_BYTES = 4 * 1024 * 1024;

/**
 * A zero-filled Float32Array of `length` whose first element sits on a 64-byte boundary, for
 * slabs the native kernel scans. Why: Node's large ArrayBuffers come from malloc, typically 16
 * bytes past a boundary, so every other 32-byte AVX2 load straddles two cache lines. Measured with
 * native/test/microbench.cc on the shared dev box (5k × 384, L3-resident): min 131-136 µs aligned vs
 * 155-174 µs at +16 bytes, p50 183-186 vs 194-206 µs. With rows of dim × 4 bytes a multiple of 64
 * (dim % 16 == 0, e.g. 384), every row is then aligned.
 *
 * The view's `.buffer` is up to 64 bytes longer than needed and its `byteOffset` may be non-zero:
 * pass the view itself around, never `.buffer`. Without the native addon this is a plain
 * `new Float32Array(length)` (alignment does not matter to the JS kernel).
 */
export function alignedFloat32Array(length: number): Float32Array {
  if (!Number.isInteger(length) || length < 0 || length > 2 ** 32) {
    throw argumentError(`length must be an integer from 0 to 2^32, got ${String(length)}`);
  }
  const addon = optionalAddon();
  if (addon === undefined) return new Float32Array(length);
  const buffer = new ArrayBuffer(length * 4 + SLAB_ALIGNMENT);
  const misalignment = addon.addressMod64(buffer);
  // Allocators align to at least 8 bytes; should one not, a float view can only start at a
  // multiple of 4, so keep the buffer's start (correct, merely unaligned).
  const offset = misalignment % 4 === 0 ? (SLAB_ALIGNMENT - misalignment) % SLAB_ALIGNMENT : 0;
  const view = new Float32Array(buffer, offset, length);
  // Before anything writes to it: pages faulted in after the advice come as huge pages at once.
  if (view.byteLength >= HUGE_PAGE_ADVICE_MIN_BYTES) {
    addon.adviseHugePages(buffer, view.byteOffset, view.byteLength);
  }
  return view;
}
