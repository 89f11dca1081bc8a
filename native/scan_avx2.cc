// AVX2 + FMA kernel (8 floats per register).
//
// Compiled with baseline flags; only these functions carry target("avx2,fma"), and addon.cc calls
// them only after cpu_features.cc has seen AVX2 and FMA in CPUID and YMM state enabled in XGETBV.
//
// Per row: accumulator A takes the even 8-float chunks of each 16-float step (and a lone trailing
// 8-float chunk), B takes the odd ones and the masked tail (dim % 8 floats, loaded with
// vmaskmovps so nothing past the row — or past the slab's end — is read). Four rows at a time give
// eight independent FMA chains, enough to cover FMA latency, and each query load feeds four rows.
#if defined(__x86_64__) || defined(_M_X64)

#include <immintrin.h>

#if defined(_MSC_VER) && !defined(__clang__)
#define RINGMEM_BLOCK_ATTR
#else
#define RINGMEM_BLOCK_ATTR __attribute__((target("avx2,fma")))
#endif

#include "scan_block.h"

namespace ringmem {

namespace {

// tail_mask(rem) = kMaskTable + 8 - rem: the first `rem` lanes all-ones.
alignas(32) const int32_t kMaskTable[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

// Integer address arithmetic: the target may lie past the slab, which a pointer may not.
// RINGMEM_NO_PREFETCH exists only so native/test/microbench.cc can measure what prefetching buys.
RINGMEM_BLOCK_ATTR inline void prefetch(const float* p, uintptr_t ahead) {
#ifndef RINGMEM_NO_PREFETCH
  _mm_prefetch(reinterpret_cast<const char*>(reinterpret_cast<uintptr_t>(p) + ahead), _MM_HINT_T0);
#else
  (void)p;
  (void)ahead;
#endif
}

struct Avx2Dot4 {
  size_t dim;
  const float* q;
  __m256i tail;        // lanes of the final partial chunk to load
  uintptr_t ahead;     // bytes from a row to the same row of the next four-row block

  RINGMEM_BLOCK_ATTR inline void operator()(const float* const rows[4], float out[4]) const {
    const float* r0 = rows[0];
    const float* r1 = rows[1];
    const float* r2 = rows[2];
    const float* r3 = rows[3];
    __m256 a0 = _mm256_setzero_ps(), b0 = _mm256_setzero_ps();
    __m256 a1 = _mm256_setzero_ps(), b1 = _mm256_setzero_ps();
    __m256 a2 = _mm256_setzero_ps(), b2 = _mm256_setzero_ps();
    __m256 a3 = _mm256_setzero_ps(), b3 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= dim; i += 16) {
      const __m256 q0 = _mm256_loadu_ps(q + i);
      const __m256 q1 = _mm256_loadu_ps(q + i + 8);
      // Fetch the next block's rows at this offset while this block is scored: the hardware
      // prefetcher tracks four interleaved row streams less well. native/test/microbench.cc on the
      // shared dev box (5k x 384, L3-resident, load ~5): min 131-136 us with vs 143-146 us without,
      // p50 183-186 vs 186-195 us. Further ahead (2-8 blocks) measured no better. A prefetch never
      // faults, even past the slab's end.
      prefetch(r0 + i, ahead);
      prefetch(r1 + i, ahead);
      prefetch(r2 + i, ahead);
      prefetch(r3 + i, ahead);
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(r0 + i), q0, a0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(r1 + i), q0, a1);
      a2 = _mm256_fmadd_ps(_mm256_loadu_ps(r2 + i), q0, a2);
      a3 = _mm256_fmadd_ps(_mm256_loadu_ps(r3 + i), q0, a3);
      b0 = _mm256_fmadd_ps(_mm256_loadu_ps(r0 + i + 8), q1, b0);
      b1 = _mm256_fmadd_ps(_mm256_loadu_ps(r1 + i + 8), q1, b1);
      b2 = _mm256_fmadd_ps(_mm256_loadu_ps(r2 + i + 8), q1, b2);
      b3 = _mm256_fmadd_ps(_mm256_loadu_ps(r3 + i + 8), q1, b3);
    }
    if (i + 8 <= dim) {
      const __m256 q0 = _mm256_loadu_ps(q + i);
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(r0 + i), q0, a0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(r1 + i), q0, a1);
      a2 = _mm256_fmadd_ps(_mm256_loadu_ps(r2 + i), q0, a2);
      a3 = _mm256_fmadd_ps(_mm256_loadu_ps(r3 + i), q0, a3);
      i += 8;
    }
    if (i < dim) {
      const __m256 q0 = _mm256_maskload_ps(q + i, tail);
      b0 = _mm256_fmadd_ps(_mm256_maskload_ps(r0 + i, tail), q0, b0);
      b1 = _mm256_fmadd_ps(_mm256_maskload_ps(r1 + i, tail), q0, b1);
      b2 = _mm256_fmadd_ps(_mm256_maskload_ps(r2 + i, tail), q0, b2);
      b3 = _mm256_fmadd_ps(_mm256_maskload_ps(r3 + i, tail), q0, b3);
    }
    // Transpose-reduce: every row goes through the same adds whichever slot it sits in.
    const __m256 h01 = _mm256_hadd_ps(_mm256_add_ps(a0, b0), _mm256_add_ps(a1, b1));
    const __m256 h23 = _mm256_hadd_ps(_mm256_add_ps(a2, b2), _mm256_add_ps(a3, b3));
    const __m256 h = _mm256_hadd_ps(h01, h23);
    const __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    _mm_storeu_ps(out, s);
  }
};

}  // namespace

RINGMEM_BLOCK_ATTR void scan_avx2_fma(const ScanArgs& a, TopK& heap) {
  const size_t rem = a.dim % 8;
  Avx2Dot4 dot{a.dim, a.query,
               _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMaskTable + 8 - rem)),
               4 * a.dim * sizeof(float)};
  scan_blocks(a, heap, dot);
}

}  // namespace ringmem

#endif
