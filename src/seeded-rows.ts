/**
 * Reproducible random data for benchmarks and tests: a seeded PRNG and rows of unit vectors (what
 * the engine stores). One implementation, so `ringmem bench`, `npm run bench:scan` and the kernel
 * tests that share a seed scan the same rows.
 */

/** mulberry32: a small, fast 32-bit PRNG; returns a function giving floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `rows` unit vectors of `dim` values, components uniform in [-1, 1) before normalising. */
export function seededUnitRows(rows: number, dim: number, seed: number): Float32Array {
  const next = seededRandom(seed);
  const out = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    let norm = 0;
    for (let i = 0; i < dim; i++) {
      const v = next() * 2 - 1;
      out[r * dim + i] = v;
      norm += v * v;
    }
    const inv = 1 / Math.sqrt(norm || 1);
    for (let i = 0; i < dim; i++) out[r * dim + i] = out[r * dim + i]! * inv;
  }
  return out;
}
