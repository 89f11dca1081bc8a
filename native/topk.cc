#include "topk.h"

#include <utility>

namespace ringmem {

namespace {

// a ranks below b: a lower score, or the same score offered later (a later row loses ties).
inline bool worse(const HeapEntry& a, const HeapEntry& b) {
  return a.score < b.score || (a.score == b.score && a.order > b.order);
}

}  // namespace

TopK::TopK(std::vector<HeapEntry>& storage, size_t k) : k_(k) {
  if (storage.size() < k) storage.resize(k);
  heap_ = storage.data();
}

void TopK::sift_up(size_t i) {
  HeapEntry e = heap_[i];
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!worse(e, heap_[parent])) break;
    heap_[i] = heap_[parent];
    i = parent;
  }
  heap_[i] = e;
}

void TopK::sift_down(size_t i) {
  HeapEntry e = heap_[i];
  for (;;) {
    size_t child = 2 * i + 1;
    if (child >= size_) break;
    if (child + 1 < size_ && worse(heap_[child + 1], heap_[child])) ++child;
    if (!worse(heap_[child], e)) break;
    heap_[i] = heap_[child];
    i = child;
  }
  heap_[i] = e;
}

void TopK::push(float score, int32_t row) {
  // Callers only reach here after `score > threshold()`, which is false for NaN; the check keeps
  // the heap sound for any future caller that forgets.
  if (!(score > threshold_)) return;
  HeapEntry e{score, next_order_++, row};
  if (size_ < k_) {
    heap_[size_] = e;
    sift_up(size_++);
    if (size_ == k_) threshold_ = heap_[0].score;
    return;
  }
  heap_[0] = e;
  sift_down(0);
  threshold_ = heap_[0].score;
}

size_t TopK::finish(int32_t* out_rows, float* out_scores) {
  // Heap sort in place: repeatedly move the worst entry to the end of the shrinking heap, which
  // leaves the array best-first. No allocation, O(k log k).
  const size_t n = size_;
  while (size_ > 1) {
    std::swap(heap_[0], heap_[size_ - 1]);
    --size_;
    sift_down(0);
  }
  for (size_t i = 0; i < n; ++i) {
    out_rows[i] = heap_[i].row;
    out_scores[i] = heap_[i].score;
  }
  size_ = 0;
  return n;
}

}  // namespace ringmem
