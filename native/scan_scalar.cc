// Scalar reference kernel: the yardstick the SIMD kernels are tested against.
//
// It must stay scalar, so auto-vectorisation is switched off for this file; otherwise the
// compiler could turn the "reference" into yet another SIMD kernel. Rows are scored with dot_ref
// (dot_ref.h: double accumulators in the JS kernel's order) and rounded to float once, so the
// scalar native kernel and the JS kernel produce identical scores and identical hit lists.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-tree-vectorize", "no-tree-slp-vectorize")
#endif

#include "dot_ref.h"
#include "many.h"
#include "scan.h"

namespace ringmem {

namespace {

inline float dot_scalar(const float* row, const float* q, size_t dim) {
  return static_cast<float>(dot_ref(q, dim, [row](size_t i) { return row[i]; }));
}

}  // namespace

void scan_scalar(const ScanArgs& a, TopK& heap) {
  for (size_t s = 0; s < a.segment_count; ++s) {
    const uint32_t start = a.segments[2 * s];
    const uint32_t end = a.segments[2 * s + 1];
    for (uint32_t r = start; r < end; ++r) {
      if (a.skip != nullptr && a.skip[r] != 0) continue;
      const float score = dot_scalar(a.slab + static_cast<size_t>(r) * a.dim, a.query, a.dim);
      if (score > heap.threshold()) heap.push(score, static_cast<int32_t>(r));
    }
  }
}

// Row-major: each row is read once and scored against every query in turn.
void many_scalar(const ManyArgs& a, TopK* heaps) {
  uint64_t pos = a.pos_base;
  for (size_t s = 0; s < a.segment_count; ++s) {
    const uint32_t start = a.segments[2 * s];
    const uint32_t end = a.segments[2 * s + 1];
    for (uint32_t r = start; r < end; ++r, ++pos) {
      if (a.skip != nullptr && a.skip[r] != 0) continue;
      const float* row = a.slab + static_cast<size_t>(r) * a.dim;
      for (size_t q = 0; q < a.nq; ++q) {
        if (a.from != nullptr && (pos < a.from[q] || pos >= a.to[q])) continue;
        offer_many(a, heaps, q, r, pos, dot_scalar(row, a.queries + q * a.dim, a.dim));
      }
    }
  }
}

}  // namespace ringmem
