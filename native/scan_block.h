// The segment/row drivers shared by the SIMD kernels.
//
// scan_rows scores one row at a time (AVX2, AVX-512); scan_blocks four at a time (NEON).
//
// scan_blocks: rows are scored four at a time: the four rows share every query load, give the CPU eight
// independent FMA chains (two accumulators per row) and produce four scores that are compared
// against the heap threshold with one vector compare. The common case — no row beats the k-th
// best — costs one compare and one branch per four rows.
//
// A remainder of 1..3 rows at the end of a segment goes through the same four-row routine with
// the missing slots pointing at the last real row, so a row's score never depends on the path
// that computed it (duplicate rows tie exactly; see scan.h). scan_rows has one path per row.
//
// `Dot1` / `Dot4` are callables compiled for the ISA of the including kernel; the templates is instantiated inside that kernel's target region via
// the RINGMEM_BLOCK_ATTR attribute the includer defines. It lives in an unnamed namespace so
// each kernel's translation unit owns its own copy, compiled for its own ISA.
#pragma once

#include <cstdint>

#include "prefetch.h"
#include "scan.h"

namespace ringmem {
namespace {

// One row at a time: `Dot1` is a callable `float(const float* row)`. Rows are then read in one
// sequential stream, which the hardware prefetcher follows best; interleaving four row streams
// (scan_blocks below) measured 20-30 % slower once the slab spills out of L3 (see the AVX2 kernel).
// Each row also hints the row kPrefetchRows ahead (prefetch.h: 13-14 % on a DRAM-resident slab).
template <typename Dot1>
RINGMEM_BLOCK_ATTR inline void scan_rows(const ScanArgs& a, TopK& heap, Dot1 dot1) {
  const size_t dim = a.dim;
  for (size_t s = 0; s < a.segment_count; ++s) {
    const uint32_t begin = a.segments[2 * s];
    const uint32_t end = a.segments[2 * s + 1];
    const float* row = a.slab + static_cast<size_t>(begin) * dim;
    for (uint32_t r = begin; r < end; ++r, row += dim) {
      if (r + kPrefetchRows < end) prefetch_bytes(row + kPrefetchRows * dim, dim * sizeof(float));
      const float score = dot1(row);
      // Comparisons with NaN are false, so NaN rows never enter (same as the JS kernel).
      if (score > heap.threshold() && (a.skip == nullptr || a.skip[r] == 0)) {
        heap.push(score, static_cast<int32_t>(r));
      }
    }
  }
}

// `Dot4` is a callable `void(const float* const rows[4], float out[4])`.
template <typename Dot4>
RINGMEM_BLOCK_ATTR inline void scan_blocks(const ScanArgs& a, TopK& heap, Dot4 dot4) {
  const size_t dim = a.dim;
  for (size_t s = 0; s < a.segment_count; ++s) {
    uint32_t r = a.segments[2 * s];
    const uint32_t end = a.segments[2 * s + 1];
    while (r < end) {
      const uint32_t n = end - r < 4 ? end - r : 4;
      const float* rows[4];
      rows[0] = a.slab + static_cast<size_t>(r) * dim;
      for (uint32_t j = 1; j < 4; ++j) rows[j] = j < n ? rows[j - 1] + dim : rows[j - 1];
      float score[4];
      dot4(rows, score);
      const float thr = heap.threshold();
      // Comparisons with NaN are false, so NaN rows never enter (same as the JS kernel).
      unsigned hit = (score[0] > thr ? 1u : 0u) | (score[1] > thr ? 2u : 0u) |
                     (score[2] > thr ? 4u : 0u) | (score[3] > thr ? 8u : 0u);
      hit &= (1u << n) - 1u;
      if (hit != 0 && a.skip != nullptr) {
        for (uint32_t j = 0; j < n; ++j) {
          if (a.skip[r + j] != 0) hit &= ~(1u << j);
        }
      }
      if (hit != 0) {
        // In scan order, re-reading the threshold: an earlier row of this block may have raised it.
        for (uint32_t j = 0; j < n; ++j) {
          if ((hit >> j) & 1u) {
            if (score[j] > heap.threshold()) heap.push(score[j], static_cast<int32_t>(r + j));
          }
        }
      }
      r += n;
    }
  }
}

}  // namespace
}  // namespace ringmem
