// The many-queries scan: nq queries against the same rows in one pass, each query with its own
// top-k heap, optional per-query visible range and optional count of rows scoring at or above a
// threshold. Why: scoring a batch of new entries against a window one query at a time reads the
// whole window once per entry; reading it once for the batch turns a bandwidth-bound loop into a
// compute-bound one (many FMAs per byte loaded).
//
// Semantics (shared with src/kernel/js-kernel.ts, see ManyRequest in src/kernel/types.ts):
// - rows are visited in scan order (segment by segment, ascending rows); a row's scan position is
//   its index in that order, counting skipped rows too;
// - query q considers a row only if the row is not skipped and, when `from`/`to` are given, its
//   scan position p satisfies from[q] <= p < to[q];
// - with `counts`, counts[q] += 1 for every considered row whose score >= count_at_least;
// - heaps[q] receives every considered row in scan order (same tie rule as the single scan).
//
// Determinism: inside one kernel, the score of a (row, query) pair depends only on the two
// vectors — not on nq, on where the pair falls in a tile, nor on where the row lives in memory.
// The engine relies on that: it scores a batch's items among themselves from a second array and
// merges, and the result must equal scoring item by item.
#pragma once

#include <cstddef>
#include <cstdint>

#include "topk.h"

namespace ringmem {

struct ManyArgs {
  const float* slab;
  size_t dim;
  const uint32_t* segments;  // [start0, end0, ...] half-open row ranges
  size_t segment_count;
  const float* queries;  // nq rows of dim floats
  size_t nq;
  const uint8_t* skip;  // one byte per row, non-zero = skip; may be null
  const uint32_t* from;  // per-query first visible scan position; null = all visible
  const uint32_t* to;    // per-query end (exclusive) of visible scan positions; null with from
  float count_at_least;
  uint32_t* counts;  // per-query counter, incremented; null = no counting
  uint64_t pos_base = 0;  // scan position of the first row of `segments` (a chunk of a shared scan)
};

using ManyFn = void (*)(const ManyArgs& args, TopK* heaps);

// Offers one scored (row, query) pair: the rules above, in one place for every kernel.
inline void offer_many(const ManyArgs& a, TopK* heaps, size_t q, uint32_t row, uint64_t pos,
                       float score) {
  if (a.from != nullptr && (pos < a.from[q] || pos >= a.to[q])) return;
  if (a.counts != nullptr && score >= a.count_at_least) a.counts[q]++;
  // Comparisons with NaN are false, so NaN rows never enter (same as the single scan).
  if (score > heaps[q].threshold()) heaps[q].push(score, static_cast<int32_t>(row));
}

// Scalar reference: the single scan's double-accumulator dot for every pair, so it equals
// scan_scalar (and the JS kernel) bit for bit, query by query.
void many_scalar(const ManyArgs& args, TopK* heaps);

#if defined(__x86_64__) || defined(_M_X64)
void many_avx2_fma(const ManyArgs& args, TopK* heaps);
void many_avx512f(const ManyArgs& args, TopK* heaps);
#endif

#if defined(__aarch64__) || defined(_M_ARM64)
void many_neon(const ManyArgs& args, TopK* heaps);
#endif

}  // namespace ringmem
