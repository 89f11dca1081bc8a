// Compact-vector scan kernels: the scalar reference and AVX2 (+F16C). See compact.h.
//
// Scalar: no auto-vectorisation here either (it is the yardstick, like scan_scalar.cc).
// AVX2 per row: four float accumulators take the 8-value chunks of each 32-value step in turn (the
// row streams in once, sequentially, like the f32 kernel); a tail of dim % 8 values is copied into a
// zeroed 8-value buffer, so nothing past the row — or past the slab's end — is read. f16 chunks are
// widened with vcvtph2ps; int8 chunks with vpmovsxbd + vcvtdq2ps, and the row's scale multiplies the
// reduced sum.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-tree-vectorize", "no-tree-slp-vectorize")
#endif

#include "compact.h"
#include "dot_ref.h"

#include <cstring>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#define RINGMEM_COMPACT_ATTR __attribute__((target("avx2,fma,f16c")))
#define RINGMEM_COMPACT_ROWS_ATTR RINGMEM_COMPACT_ATTR
#include "compact_rows.h"
#endif

namespace ringmem {

float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1Fu;
  uint32_t mant = h & 0x3FFu;
  uint32_t bits;
  if (exp == 0x1F) {
    bits = sign | 0x7F800000u | (mant << 13);  // inf / NaN
  } else if (exp != 0) {
    bits = sign | ((exp + 112u) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else {
    // Subnormal half: normalise.
    uint32_t e = 113;
    while ((mant & 0x400u) == 0) {
      mant <<= 1;
      --e;
    }
    bits = sign | (e << 23) | ((mant & 0x3FFu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

void decode_f16_scalar(const uint16_t* src, float* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = half_to_float(src[i]);
}

void compact_scalar(const CompactArgs& a, TopK& heap) {
  for (size_t s = 0; s < a.segment_count; ++s) {
    for (uint32_t r = a.segments[2 * s]; r < a.segments[2 * s + 1]; ++r) {
      if (a.skip != nullptr && a.skip[r] != 0) continue;
      float score;
      if (a.precision == Precision::kF16) {
        const uint16_t* row = static_cast<const uint16_t*>(a.rows) + static_cast<size_t>(r) * a.dim;
        score = static_cast<float>(dot_ref(a.query, a.dim, [row](size_t i) { return half_to_float(row[i]); }));
      } else {
        const int8_t* row = static_cast<const int8_t*>(a.rows) + static_cast<size_t>(r) * a.dim;
        score = static_cast<float>(
            static_cast<double>(a.scales[r]) *
            dot_ref(a.query, a.dim, [row](size_t i) { return static_cast<float>(row[i]); }));
      }
      if (score > heap.threshold()) heap.push(score, static_cast<int32_t>(r));
    }
  }
}

#if defined(__x86_64__) || defined(_M_X64)


namespace {

RINGMEM_COMPACT_ATTR inline float hsum(__m256 s8) {
  const __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
  const __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
  const __m128 s1 = _mm_add_ss(s2, _mm_movehdup_ps(s2));
  return _mm_cvtss_f32(s1);
}

RINGMEM_COMPACT_ATTR inline __m256 widen_f16(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

RINGMEM_COMPACT_ATTR inline __m256 widen_i8(const int8_t* p) {
  return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
}

template <typename T, __m256 (*Widen)(const T*)>
RINGMEM_COMPACT_ATTR inline float dot_avx2(const T* row, const float* q, size_t dim) {
  __m256 a = _mm256_setzero_ps(), b = _mm256_setzero_ps();
  __m256 c = _mm256_setzero_ps(), d = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    a = _mm256_fmadd_ps(Widen(row + i), _mm256_loadu_ps(q + i), a);
    b = _mm256_fmadd_ps(Widen(row + i + 8), _mm256_loadu_ps(q + i + 8), b);
    c = _mm256_fmadd_ps(Widen(row + i + 16), _mm256_loadu_ps(q + i + 16), c);
    d = _mm256_fmadd_ps(Widen(row + i + 24), _mm256_loadu_ps(q + i + 24), d);
  }
  for (; i + 8 <= dim; i += 8) a = _mm256_fmadd_ps(Widen(row + i), _mm256_loadu_ps(q + i), a);
  if (i < dim) {
    T tail[8] = {};
    float qt[8] = {};
    for (size_t j = 0; i + j < dim; ++j) tail[j] = row[i + j], qt[j] = q[i + j];
    b = _mm256_fmadd_ps(Widen(tail), _mm256_loadu_ps(qt), b);
  }
  return hsum(_mm256_add_ps(_mm256_add_ps(a, b), _mm256_add_ps(c, d)));
}

}  // namespace

RINGMEM_COMPACT_ATTR void decode_f16_f16c(const uint16_t* src, float* out, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i))));
  }
  for (; i < n; ++i) out[i] = half_to_float(src[i]);
}

RINGMEM_COMPACT_ATTR void compact_avx2(const CompactArgs& a, TopK& heap) {
  const float* q = a.query;
  const size_t dim = a.dim;
  compact_rows(
      a, heap, [q, dim](const uint16_t* row) { return dot_avx2<uint16_t, widen_f16>(row, q, dim); },
      [q, dim](const int8_t* row) { return dot_avx2<int8_t, widen_i8>(row, q, dim); });
}

#endif

}  // namespace ringmem
