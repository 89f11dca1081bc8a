// AVX-512F kernel (16 floats per register).
//
// Same shape as the AVX2 kernel (one row at a time, one sequential stream; see scan_avx2.cc for
// why), twice as wide: four accumulators take the 16-float chunks of each 64-float step in turn,
// leftover whole chunks go to A, and the masked tail (dim % 16 floats, a zero-masked load that
// reads nothing past the row) to B. Only these
// functions carry target("avx512f"); dispatch.cc installs them only after CPUID reports AVX-512F and
// XGETBV shows the OS saves opmask/ZMM state.
//
// Note: the development machine has no AVX-512, so there the real instructions never run; the
// parity tests run on any AVX-512 machine. What the dev machine does test is this file's logic
// (loop bounds, tail masks, the reduction) with each AVX-512 intrinsic replaced by a portable
// stand-in: native/test/avx512_emulated.cc, run by test/kernel-cross.test.ts.
#if defined(__x86_64__) || defined(_M_X64)

#include <immintrin.h>

// GCC 12's AVX-512 headers build some results from _mm*_undefined_* values and then warn that
// they "may be used uninitialized" when inlined; the lanes are fully written. Silence only that.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

// native/test/avx512_emulated.cc predefines it to run this file's logic on stand-ins.
#ifndef RINGMEM_BLOCK_ATTR
#if defined(_MSC_VER) && !defined(__clang__)
#define RINGMEM_BLOCK_ATTR
#else
#define RINGMEM_BLOCK_ATTR __attribute__((target("avx512f")))
#endif
#endif

#include "many_block.h"
#include "scan_block.h"

namespace ringmem {

namespace {

// Low 256 bits + high 256 bits, using only AVX-512F (extractf32x8 would need AVX-512DQ).
RINGMEM_BLOCK_ATTR inline __m256 fold(__m512 t) {
  const __m512 swapped = _mm512_shuffle_f32x4(t, t, _MM_SHUFFLE(1, 0, 3, 2));
  return _mm512_castps512_ps256(_mm512_add_ps(t, swapped));
}

struct Avx512Dot1 {
  size_t dim;
  const float* q;
  __mmask16 tail;  // lanes of the final partial chunk to load

  RINGMEM_BLOCK_ATTR inline float operator()(const float* row) const {
    __m512 a = _mm512_setzero_ps(), b = _mm512_setzero_ps();
    __m512 c = _mm512_setzero_ps(), d = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 64 <= dim; i += 64) {
      a = _mm512_fmadd_ps(_mm512_loadu_ps(row + i), _mm512_loadu_ps(q + i), a);
      b = _mm512_fmadd_ps(_mm512_loadu_ps(row + i + 16), _mm512_loadu_ps(q + i + 16), b);
      c = _mm512_fmadd_ps(_mm512_loadu_ps(row + i + 32), _mm512_loadu_ps(q + i + 32), c);
      d = _mm512_fmadd_ps(_mm512_loadu_ps(row + i + 48), _mm512_loadu_ps(q + i + 48), d);
    }
    for (; i + 16 <= dim; i += 16) {
      a = _mm512_fmadd_ps(_mm512_loadu_ps(row + i), _mm512_loadu_ps(q + i), a);
    }
    if (i < dim) {
      b = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, row + i), _mm512_maskz_loadu_ps(tail, q + i),
                          b);
    }
    const __m256 s8 = fold(_mm512_add_ps(_mm512_add_ps(a, b), _mm512_add_ps(c, d)));
    const __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
    const __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
    const __m128 s1 = _mm_add_ss(s2, _mm_movehdup_ps(s2));
    return _mm_cvtss_f32(s1);
  }
};

}  // namespace

RINGMEM_BLOCK_ATTR void scan_avx512f(const ScanArgs& a, TopK& heap) {
  const unsigned rem = static_cast<unsigned>(a.dim % 16);
  Avx512Dot1 dot{a.dim, a.query, static_cast<__mmask16>((1u << rem) - 1u)};
  scan_rows(a, heap, dot);
}

namespace {

// The ISA for many_block.h's tiled driver.
struct Avx512Ops {
  using Reg = __m512;
  static constexpr size_t W = 16;
  __mmask16 tail;

  RINGMEM_BLOCK_ATTR inline Reg zero() const { return _mm512_setzero_ps(); }
  RINGMEM_BLOCK_ATTR inline Reg load(const float* p) const { return _mm512_loadu_ps(p); }
  RINGMEM_BLOCK_ATTR inline Reg load_tail(const float* p) const {
    return _mm512_maskz_loadu_ps(tail, p);
  }
  RINGMEM_BLOCK_ATTR inline Reg fma(Reg a, Reg b, Reg c) const { return _mm512_fmadd_ps(a, b, c); }
  RINGMEM_BLOCK_ATTR inline float reduce(Reg t) const {
    const __m256 s8 = fold(t);
    const __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
    const __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
    const __m128 s1 = _mm_add_ss(s2, _mm_movehdup_ps(s2));
    return _mm_cvtss_f32(s1);
  }
};

}  // namespace

// 4 rows × 6 queries: 24 accumulators + 4 row chunks + 1 query chunk of the 32 ZMM registers.
RINGMEM_BLOCK_ATTR void many_avx512f(const ManyArgs& a, TopK* heaps) {
  const unsigned rem = static_cast<unsigned>(a.dim % 16);
  Avx512Ops ops{static_cast<__mmask16>((1u << rem) - 1u)};
  many_tiled<Avx512Ops, 4, 6>(a, heaps, ops);
}

}  // namespace ringmem

#endif
