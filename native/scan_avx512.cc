// AVX-512F kernel (16 floats per register).
//
// Same shape as the AVX2 kernel, twice as wide: per row, accumulator A takes the even 16-float
// chunks of each 32-float step (and a lone trailing 16-float chunk), B the odd ones and the
// masked tail (dim % 16 floats, a zero-masked load that reads nothing past the row). Only these
// functions carry target("avx512f"); addon.cc calls them only after CPUID reports AVX-512F and
// XGETBV shows the OS saves opmask/ZMM state.
//
// Note: the development machine has no AVX-512, so this kernel is compiled there but its parity
// tests skip; they run on any AVX-512 machine.
#if defined(__x86_64__) || defined(_M_X64)

#include <immintrin.h>

// GCC 12's AVX-512 headers build some results from _mm*_undefined_* values and then warn that
// they "may be used uninitialized" when inlined; the lanes are fully written. Silence only that.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#if defined(_MSC_VER) && !defined(__clang__)
#define RINGMEM_BLOCK_ATTR
#else
#define RINGMEM_BLOCK_ATTR __attribute__((target("avx512f")))
#endif

#include "scan_block.h"

namespace ringmem {

namespace {

// Integer address arithmetic: the target may lie past the slab, which a pointer may not.
RINGMEM_BLOCK_ATTR inline void prefetch(const float* p, uintptr_t ahead) {
  _mm_prefetch(reinterpret_cast<const char*>(reinterpret_cast<uintptr_t>(p) + ahead), _MM_HINT_T0);
}

// Low 256 bits + high 256 bits, using only AVX-512F (extractf32x8 would need AVX-512DQ).
RINGMEM_BLOCK_ATTR inline __m256 fold(__m512 t) {
  const __m512 swapped = _mm512_shuffle_f32x4(t, t, _MM_SHUFFLE(1, 0, 3, 2));
  return _mm512_castps512_ps256(_mm512_add_ps(t, swapped));
}

struct Avx512Dot4 {
  size_t dim;
  const float* q;
  __mmask16 tail;   // lanes of the final partial chunk to load
  uintptr_t ahead;  // bytes from a row to the same row of the next four-row block

  RINGMEM_BLOCK_ATTR inline void operator()(const float* const rows[4], float out[4]) const {
    const float* r0 = rows[0];
    const float* r1 = rows[1];
    const float* r2 = rows[2];
    const float* r3 = rows[3];
    __m512 a0 = _mm512_setzero_ps(), b0 = _mm512_setzero_ps();
    __m512 a1 = _mm512_setzero_ps(), b1 = _mm512_setzero_ps();
    __m512 a2 = _mm512_setzero_ps(), b2 = _mm512_setzero_ps();
    __m512 a3 = _mm512_setzero_ps(), b3 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 32 <= dim; i += 32) {
      const __m512 q0 = _mm512_loadu_ps(q + i);
      const __m512 q1 = _mm512_loadu_ps(q + i + 16);
      // Next block's rows at this offset, as in the AVX2 kernel (one prefetch per 64-byte line).
      prefetch(r0 + i, ahead);
      prefetch(r0 + i + 16, ahead);
      prefetch(r1 + i, ahead);
      prefetch(r1 + i + 16, ahead);
      prefetch(r2 + i, ahead);
      prefetch(r2 + i + 16, ahead);
      prefetch(r3 + i, ahead);
      prefetch(r3 + i + 16, ahead);
      a0 = _mm512_fmadd_ps(_mm512_loadu_ps(r0 + i), q0, a0);
      a1 = _mm512_fmadd_ps(_mm512_loadu_ps(r1 + i), q0, a1);
      a2 = _mm512_fmadd_ps(_mm512_loadu_ps(r2 + i), q0, a2);
      a3 = _mm512_fmadd_ps(_mm512_loadu_ps(r3 + i), q0, a3);
      b0 = _mm512_fmadd_ps(_mm512_loadu_ps(r0 + i + 16), q1, b0);
      b1 = _mm512_fmadd_ps(_mm512_loadu_ps(r1 + i + 16), q1, b1);
      b2 = _mm512_fmadd_ps(_mm512_loadu_ps(r2 + i + 16), q1, b2);
      b3 = _mm512_fmadd_ps(_mm512_loadu_ps(r3 + i + 16), q1, b3);
    }
    if (i + 16 <= dim) {
      const __m512 q0 = _mm512_loadu_ps(q + i);
      a0 = _mm512_fmadd_ps(_mm512_loadu_ps(r0 + i), q0, a0);
      a1 = _mm512_fmadd_ps(_mm512_loadu_ps(r1 + i), q0, a1);
      a2 = _mm512_fmadd_ps(_mm512_loadu_ps(r2 + i), q0, a2);
      a3 = _mm512_fmadd_ps(_mm512_loadu_ps(r3 + i), q0, a3);
      i += 16;
    }
    if (i < dim) {
      const __m512 q0 = _mm512_maskz_loadu_ps(tail, q + i);
      b0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, r0 + i), q0, b0);
      b1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, r1 + i), q0, b1);
      b2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, r2 + i), q0, b2);
      b3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, r3 + i), q0, b3);
    }
    // Fold 512 -> 256 per row, then the same transpose-reduce as the AVX2 kernel, so each row
    // sees the same adds whichever slot it sits in.
    const __m512 t0 = _mm512_add_ps(a0, b0);
    const __m512 t1 = _mm512_add_ps(a1, b1);
    const __m512 t2 = _mm512_add_ps(a2, b2);
    const __m512 t3 = _mm512_add_ps(a3, b3);
    const __m256 u0 = fold(t0);
    const __m256 u1 = fold(t1);
    const __m256 u2 = fold(t2);
    const __m256 u3 = fold(t3);
    const __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(u0, u1), _mm256_hadd_ps(u2, u3));
    const __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    _mm_storeu_ps(out, s);
  }
};

}  // namespace

RINGMEM_BLOCK_ATTR void scan_avx512f(const ScanArgs& a, TopK& heap) {
  const unsigned rem = static_cast<unsigned>(a.dim % 16);
  Avx512Dot4 dot{a.dim, a.query, static_cast<__mmask16>((1u << rem) - 1u),
                 4 * a.dim * sizeof(float)};
  scan_blocks(a, heap, dot);
}

}  // namespace ringmem

#endif
