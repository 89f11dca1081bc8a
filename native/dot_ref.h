// The scalar reference dot product every scalar kernel scores with (scan_scalar.cc, compact.cc):
// four double accumulators combined as (s0 + s1) + (s2 + s3), the tail going to s0 — exactly what
// src/kernel/js-kernel.ts does — so the scalar native kernels equal the JS kernel bit for bit.
//
// Include it after `#pragma GCC optimize("no-tree-vectorize", ...)`: the pragma covers the
// functions defined after it, and the reference must stay scalar.
#pragma once

#include <cstddef>

namespace ringmem {

// Σ value(i) × q[i] in double; `value(i)` yields the row's i-th value as a float.
template <typename Value>
inline double dot_ref(const float* q, size_t dim, Value value) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = 0;
#if defined(__clang__)
#pragma clang loop vectorize(disable) interleave(disable)
#endif
  for (; i + 4 <= dim; i += 4) {
    s0 += static_cast<double>(value(i)) * q[i];
    s1 += static_cast<double>(value(i + 1)) * q[i + 1];
    s2 += static_cast<double>(value(i + 2)) * q[i + 2];
    s3 += static_cast<double>(value(i + 3)) * q[i + 3];
  }
  for (; i < dim; ++i) s0 += static_cast<double>(value(i)) * q[i];
  return (s0 + s1) + (s2 + s3);
}

}  // namespace ringmem
