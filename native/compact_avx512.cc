// AVX-512F compact-vector scan (see compact.h for the scores and compact.cc for the AVX2 twin).
//
// The AVX2 kernel widens 8 values per instruction; AVX-512F widens 16 (vcvtph2ps zmm, vpmovsxbd
// zmm), which halves the widening and FMA instructions per row. Measured on the 2-core AVX-512
// build VM, 100k × 384 rows, both kernels with the row prefetch of prefetch.h, interleaved in one
// process (`npx tsx tools/bench-addons.ts now.node@avx2-fma now.node@avx512f`,
// bench-results/compact-avx512.md): int8 0.91–0.93× the AVX2 time, f16 0.99–1.00× (the same;
// prefetching was the step that mattered, see prefetch.h).
// Same shape as the AVX2 kernel: one row at a time in scan order, four accumulators over each
// 64-value step, whole 16-value chunks after that, and a tail of dim % 16 values copied into a
// zeroed buffer so nothing past the row is read. Accumulates in float like the AVX2 kernel, so it
// agrees with the scalar reference within rounding (test/kernel-compact.test.ts runs it wherever
// the CPU has AVX-512F).
#if defined(__x86_64__) || defined(_M_X64)

#include <immintrin.h>

#include "compact.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
// The same for _mm512_cvtph_ps once inlined through compact_rows.h's lambdas (GCC 12 reports the
// header's undefined source vector as "used uninitialized"; every lane is written).
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

#if defined(_MSC_VER) && !defined(__clang__)
#define RINGMEM_COMPACT512_ATTR
#else
#define RINGMEM_COMPACT512_ATTR __attribute__((target("avx512f")))
#endif
#define RINGMEM_COMPACT_ROWS_ATTR RINGMEM_COMPACT512_ATTR
#include "compact_rows.h"

namespace ringmem {
namespace {

RINGMEM_COMPACT512_ATTR inline __m512 widen_f16(const uint16_t* p) {
  return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}

RINGMEM_COMPACT512_ATTR inline __m512 widen_i8(const int8_t* p) {
  return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
}

template <typename T, __m512 (*Widen)(const T*)>
RINGMEM_COMPACT512_ATTR inline float dot_avx512(const T* row, const float* q, size_t dim) {
  __m512 a = _mm512_setzero_ps(), b = _mm512_setzero_ps();
  __m512 c = _mm512_setzero_ps(), d = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 64 <= dim; i += 64) {
    a = _mm512_fmadd_ps(Widen(row + i), _mm512_loadu_ps(q + i), a);
    b = _mm512_fmadd_ps(Widen(row + i + 16), _mm512_loadu_ps(q + i + 16), b);
    c = _mm512_fmadd_ps(Widen(row + i + 32), _mm512_loadu_ps(q + i + 32), c);
    d = _mm512_fmadd_ps(Widen(row + i + 48), _mm512_loadu_ps(q + i + 48), d);
  }
  for (; i + 16 <= dim; i += 16) a = _mm512_fmadd_ps(Widen(row + i), _mm512_loadu_ps(q + i), a);
  if (i < dim) {
    T tail[16] = {};
    float qt[16] = {};
    for (size_t j = 0; i + j < dim; ++j) tail[j] = row[i + j], qt[j] = q[i + j];
    b = _mm512_fmadd_ps(Widen(tail), _mm512_loadu_ps(qt), b);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a, b), _mm512_add_ps(c, d)));
}

}  // namespace

RINGMEM_COMPACT512_ATTR void compact_avx512(const CompactArgs& a, TopK& heap) {
  const float* q = a.query;
  const size_t dim = a.dim;
  compact_rows(
      a, heap, [q, dim](const uint16_t* row) { return dot_avx512<uint16_t, widen_f16>(row, q, dim); },
      [q, dim](const int8_t* row) { return dot_avx512<int8_t, widen_i8>(row, q, dim); });
}

}  // namespace ringmem

#endif
