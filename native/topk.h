// Bounded top-k selection shared by every ISA kernel.
//
// Why a min-heap of size k: a scan over n rows keeps only the k best, so the per-row cost is one
// compare against the current k-th best score (`threshold()`), and the heap is touched only when a
// row beats it — rare once the heap is full (about k/i for the i-th row of random data).
//
// Tie rule (shared with the JS kernel, see src/kernel/types.ts): the row scanned first wins. Rows
// are offered in scan order, so a later row replaces the heap minimum only if its score is
// strictly greater. Among equal scores the heap's minimum is the entry offered last, so that is
// the one a strictly better row evicts.
//
// Non-finite scores: the hot loops test `score > threshold()`, and the threshold is -inf until the
// heap is full, so a row scoring NaN or -inf is never a hit. Unit vectors never score like that;
// the rule only keeps every backend identical if the slab holds garbage.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ringmem {

struct HeapEntry {
  float score;
  uint32_t order;  // position among offered rows: smaller = scanned earlier
  int32_t row;
};

class TopK {
 public:
  // `storage` is reused between calls (thread-local in the addon) so a scan allocates nothing
  // once the buffer has grown to k.
  TopK(std::vector<HeapEntry>& storage, size_t k);
  // Over caller-owned storage of at least k entries (the many-queries scan keeps nq heaps in one
  // buffer).
  TopK(HeapEntry* storage, size_t k) : heap_(storage), k_(k) {}

  // The score a row must strictly exceed to enter. -inf until the heap holds k entries.
  inline float threshold() const { return threshold_; }

  // Offer a row whose score already beat threshold(). Out of line: it runs rarely.
  void push(float score, int32_t row);

  // Writes the hits best-first (ties: earlier scan first) and returns their count.
  size_t finish(int32_t* out_rows, float* out_scores);

 private:
  void sift_down(size_t i);
  void sift_up(size_t i);

  HeapEntry* heap_;
  size_t k_;
  size_t size_ = 0;
  uint32_t next_order_ = 0;
  float threshold_ = -INFINITY;
};

}  // namespace ringmem
