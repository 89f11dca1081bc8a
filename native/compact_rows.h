// The segment/row driver shared by the SIMD compact kernels (compact.cc's AVX2, compact_avx512.cc).
//
// Rows are scored one at a time in scan order, each hinting the row kPrefetchRows ahead within its
// segment (prefetch.h); a score enters the heap when it beats the threshold and the row is not
// skipped (NaN never does: comparisons with NaN are false). `DotF16` / `DotI8` are callables
// `float(const T* row)` compiled for the includer's ISA; the includer defines
// RINGMEM_COMPACT_ROWS_ATTR, and the unnamed namespace gives each translation unit its own copy,
// compiled for its own ISA (the pattern of scan_block.h).
#pragma once

#include <cstdint>

#include "compact.h"
#include "prefetch.h"

namespace ringmem {
namespace {

template <typename T, typename Dot>
RINGMEM_COMPACT_ROWS_ATTR inline void compact_segment_rows(const CompactArgs& a, TopK& heap, uint32_t begin,
                                                          uint32_t end, Dot dot) {
  const size_t dim = a.dim;
  const T* row = static_cast<const T*>(a.rows) + static_cast<size_t>(begin) * dim;
  for (uint32_t r = begin; r < end; ++r, row += dim) {
    if (r + kPrefetchRows < end) prefetch_bytes(row + kPrefetchRows * dim, dim * sizeof(T));
    const float score = dot(row, r);
    if (score > heap.threshold() && (a.skip == nullptr || a.skip[r] == 0)) {
      heap.push(score, static_cast<int32_t>(r));
    }
  }
}

// f16 rows score dot_f16(row); int8 rows scale[r] × dot_i8(row).
template <typename DotF16, typename DotI8>
RINGMEM_COMPACT_ROWS_ATTR inline void compact_rows(const CompactArgs& a, TopK& heap, DotF16 dot_f16, DotI8 dot_i8) {
  for (size_t s = 0; s < a.segment_count; ++s) {
    const uint32_t begin = a.segments[2 * s];
    const uint32_t end = a.segments[2 * s + 1];
    if (a.precision == Precision::kF16) {
      compact_segment_rows<uint16_t>(a, heap, begin, end,
                                     [&](const uint16_t* row, uint32_t) { return dot_f16(row); });
    } else {
      compact_segment_rows<int8_t>(a, heap, begin, end,
                                   [&](const int8_t* row, uint32_t r) { return a.scales[r] * dot_i8(row); });
    }
  }
}

}  // namespace
}  // namespace ringmem
