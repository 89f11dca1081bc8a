#include "ingest.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif

namespace ringmem {

IngestSums ingest_scalar(float* row, const float* src, double scale, double* sum, size_t dim,
                         bool replacing) {
  double dot = 0;
  double sum_sq = 0;
  for (size_t i = 0; i < dim; ++i) {
    const double v = static_cast<double>(static_cast<float>(static_cast<double>(src[i]) * scale));
    const double s = replacing ? sum[i] - static_cast<double>(row[i]) : sum[i];
    dot += s * v;
    sum_sq += s * s;
    sum[i] = s + v;
    row[i] = static_cast<float>(v);
  }
  return {dot, sum_sq};
}

#if defined(__x86_64__) || defined(_M_X64)
// Four lanes of double at a time, two independent accumulators per sum. The float→double→float
// round trip of v reproduces Math.fround exactly; no FMA touches sum[i] (only the dot products).
__attribute__((target("avx2,fma"))) IngestSums ingest_avx2(float* row, const float* src,
                                                           double scale, double* sum, size_t dim,
                                                           bool replacing) {
  const __m256d vscale = _mm256_set1_pd(scale);
  __m256d dot0 = _mm256_setzero_pd(), dot1 = _mm256_setzero_pd();
  __m256d sq0 = _mm256_setzero_pd(), sq1 = _mm256_setzero_pd();
  size_t i = 0;
  for (; i + 8 <= dim; i += 8) {
    const __m128 va_f = _mm256_cvtpd_ps(_mm256_mul_pd(_mm256_cvtps_pd(_mm_loadu_ps(src + i)), vscale));
    const __m128 vb_f =
        _mm256_cvtpd_ps(_mm256_mul_pd(_mm256_cvtps_pd(_mm_loadu_ps(src + i + 4)), vscale));
    const __m256d va = _mm256_cvtps_pd(va_f);
    const __m256d vb = _mm256_cvtps_pd(vb_f);
    __m256d sa = _mm256_loadu_pd(sum + i);
    __m256d sb = _mm256_loadu_pd(sum + i + 4);
    if (replacing) {
      sa = _mm256_sub_pd(sa, _mm256_cvtps_pd(_mm_loadu_ps(row + i)));
      sb = _mm256_sub_pd(sb, _mm256_cvtps_pd(_mm_loadu_ps(row + i + 4)));
    }
    dot0 = _mm256_fmadd_pd(sa, va, dot0);
    dot1 = _mm256_fmadd_pd(sb, vb, dot1);
    sq0 = _mm256_fmadd_pd(sa, sa, sq0);
    sq1 = _mm256_fmadd_pd(sb, sb, sq1);
    _mm256_storeu_pd(sum + i, _mm256_add_pd(sa, va));
    _mm256_storeu_pd(sum + i + 4, _mm256_add_pd(sb, vb));
    _mm_storeu_ps(row + i, va_f);
    _mm_storeu_ps(row + i + 4, vb_f);
  }
  alignas(32) double lanes[4];
  _mm256_store_pd(lanes, _mm256_add_pd(dot0, dot1));
  double dot = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  _mm256_store_pd(lanes, _mm256_add_pd(sq0, sq1));
  double sum_sq = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  const IngestSums tail = ingest_scalar(row + i, src + i, scale, sum + i, dim - i, replacing);
  return {dot + tail.dot, sum_sq + tail.sum_sq};
}

__attribute__((target("avx2,fma"))) static double sum_squares_avx2(const float* x, size_t dim) {
  __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd();
  size_t i = 0;
  for (; i + 8 <= dim; i += 8) {
    const __m256d v0 = _mm256_cvtps_pd(_mm_loadu_ps(x + i));
    const __m256d v1 = _mm256_cvtps_pd(_mm_loadu_ps(x + i + 4));
    a0 = _mm256_fmadd_pd(v0, v0, a0);
    a1 = _mm256_fmadd_pd(v1, v1, a1);
  }
  alignas(32) double lanes[4];
  _mm256_store_pd(lanes, _mm256_add_pd(a0, a1));
  double s = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  for (; i < dim; ++i) s += static_cast<double>(x[i]) * static_cast<double>(x[i]);
  return s;
}

__attribute__((target("avx2,fma"))) void row_sum_squares_avx2(const float* src, size_t dim,
                                                              size_t rows, double* out) {
  for (size_t r = 0; r < rows; ++r) out[r] = sum_squares_avx2(src + r * dim, dim);
}
#endif

void row_sum_squares_scalar(const float* src, size_t dim, size_t rows, double* out) {
  for (size_t r = 0; r < rows; ++r) {
    const float* x = src + r * dim;
    double s = 0;
    for (size_t i = 0; i < dim; ++i) s += static_cast<double>(x[i]) * static_cast<double>(x[i]);
    out[r] = s;
  }
}

}  // namespace ringmem
