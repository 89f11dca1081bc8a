// The per-ISA scan kernels and what they share.
//
// Each kernel scans the given segments in order, scores each row against the query and offers
// rows that beat the current threshold to the TopK heap. Arguments are validated by the caller
// (bind_args.cc) before any kernel runs: segments lie within the slab, dim >= 1, pointers are valid
// for the lengths implied.
//
// Determinism inside one kernel: a row's score depends only on the row's values, never on which
// code path (block of rows, remainder) scored it. Duplicate rows therefore tie exactly, and the
// tie rule (earlier scan wins) decides between them the same way in every backend.
#pragma once

#include <cstddef>
#include <cstdint>

#include "topk.h"

namespace ringmem {

struct ScanArgs {
  const float* slab;
  size_t dim;
  const uint32_t* segments;  // [start0, end0, start1, end1, ...] half-open row ranges
  size_t segment_count;      // number of (start, end) pairs
  const float* query;
  const uint8_t* skip;  // one byte per row, non-zero = skip; may be null
};

using ScanFn = void (*)(const ScanArgs&, TopK&);

// Genuinely scalar reference: four double accumulators in the same order as the JS kernel, so the
// two agree bit for bit (a float32 x float32 product is exact in double).
void scan_scalar(const ScanArgs& args, TopK& heap);

#if defined(__x86_64__) || defined(_M_X64)
void scan_avx2_fma(const ScanArgs& args, TopK& heap);
void scan_avx512f(const ScanArgs& args, TopK& heap);
#endif

#if defined(__aarch64__) || defined(_M_ARM64)
void scan_neon(const ScanArgs& args, TopK& heap);
#endif

}  // namespace ringmem
