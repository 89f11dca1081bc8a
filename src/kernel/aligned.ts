import { argumentError } from './errors.js';
import { optionalAddon } from './loader.js';

/** Cache-line size the SIMD kernels want rows aligned to. */
export const SLAB_ALIGNMENT = 64;

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
  if (addon === undefined || typeof addon.addressMod64 !== 'function') {
    return new Float32Array(length);
  }
  const buffer = new ArrayBuffer(length * 4 + SLAB_ALIGNMENT);
  const misalignment = addon.addressMod64(buffer);
  // Allocators align to at least 8 bytes; should one not, a float view can only start at a
  // multiple of 4, so keep the buffer's start (correct, merely unaligned).
  const offset = misalignment % 4 === 0 ? (SLAB_ALIGNMENT - misalignment) % SLAB_ALIGNMENT : 0;
  return new Float32Array(buffer, offset, length);
}
