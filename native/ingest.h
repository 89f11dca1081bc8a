// Raw-vector ingest: write one scaled row into the slab and keep the running centroid sum, in
// one pass. The engine's JS path (src/engine/centroid.ts, writeRowReturningArrival) does exactly
// the same per-element arithmetic; this is its native accelerator.
#pragma once

#include <cstddef>

namespace ringmem {

struct IngestSums {
  double dot;    // (sum before this row joins) · row
  double sum_sq; // |sum before this row joins|²
};

// row[i] = float(src[i] * scale); with `replacing`, the row's previous content is first
// subtracted from `sum` (a full ring overwriting its oldest live entry); then sum[i] += row[i].
// Per element: s = sum[i] − old; sum[i] = s + v — the same double operations as the JS path, so
// the sum and the slab are bit-identical whichever path ran. Only dot and sum_sq are accumulated
// in a different order (vector lanes), which changes them by rounding alone.
using IngestFn = IngestSums (*)(float* row, const float* src, double scale, double* sum, size_t dim,
                                bool replacing);

// The kernels behind these types are picked once, at load, by dispatch.cc.
IngestSums ingest_scalar(float* row, const float* src, double scale, double* sum, size_t dim,
                         bool replacing);
#if defined(__x86_64__) || defined(_M_X64)
IngestSums ingest_avx2(float* row, const float* src, double scale, double* sum, size_t dim,
                       bool replacing);
#endif

// out[r] = Σ src[r·dim + i]² in double, for rows r < rows: the norms the engine validates and
// normalises by. A NaN or infinity anywhere in a row makes its out[r] non-finite.
using RowSumSquaresFn = void (*)(const float* src, size_t dim, size_t rows, double* out);

void row_sum_squares_scalar(const float* src, size_t dim, size_t rows, double* out);
#if defined(__x86_64__) || defined(_M_X64)
void row_sum_squares_avx2(const float* src, size_t dim, size_t rows, double* out);
#endif

}  // namespace ringmem
