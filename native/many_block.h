// The tiled driver shared by the SIMD many-queries kernels (see many.h for the semantics).
//
// Loop nest: rows are gathered in scan order into blocks small enough for L1 (about 16 KiB; skipped
// rows and rows no query can see are left out before any arithmetic); for each block, the queries go
// by in tiles of Q, and each query tile meets the block's rows R at a time. The inner step loads R
// row chunks and Q query chunks and does R × Q FMAs into R × Q accumulators, so a loaded byte feeds
// several FMAs and the scan becomes compute-bound instead of bandwidth-bound. Each row is read from
// memory once for the whole batch; queries come from L1/L2.
//
// Every (row, query) pair has its own accumulator that takes the dim chunks in order, then the
// masked tail, then a fixed horizontal reduction: the score depends on the two vectors only, not on
// the tile position (incomplete tiles repeat their last row/query pointer and drop the extra
// results). See many.h for why that matters.
//
// `V` supplies the ISA: `Reg`, `W` (floats per register), zero(), load(p), load_tail(p) (the last
// dim % W floats, zero-filled, never reading past them), fma(a, b, acc) and reduce(reg). The
// includer defines RINGMEM_BLOCK_ATTR (its target attribute) like scan_block.h.
#pragma once

#include <cstdint>

#include "many.h"

namespace ringmem {
namespace {

template <class V, size_t R, size_t Q>
RINGMEM_BLOCK_ATTR inline void many_tile(const V& v, const float* const* rp, const float* const* qp,
                                         size_t dim, float (*out)[Q]) {
  typename V::Reg acc[R][Q];
  for (size_t j = 0; j < R; ++j)
    for (size_t t = 0; t < Q; ++t) acc[j][t] = v.zero();
  size_t i = 0;
  for (; i + V::W <= dim; i += V::W) {
    typename V::Reg rv[R];
    for (size_t j = 0; j < R; ++j) rv[j] = v.load(rp[j] + i);
    for (size_t t = 0; t < Q; ++t) {
      const typename V::Reg qv = v.load(qp[t] + i);
      for (size_t j = 0; j < R; ++j) acc[j][t] = v.fma(rv[j], qv, acc[j][t]);
    }
  }
  if (i < dim) {
    typename V::Reg rv[R];
    for (size_t j = 0; j < R; ++j) rv[j] = v.load_tail(rp[j] + i);
    for (size_t t = 0; t < Q; ++t) {
      const typename V::Reg qv = v.load_tail(qp[t] + i);
      for (size_t j = 0; j < R; ++j) acc[j][t] = v.fma(rv[j], qv, acc[j][t]);
    }
  }
  for (size_t j = 0; j < R; ++j)
    for (size_t t = 0; t < Q; ++t) out[j][t] = v.reduce(acc[j][t]);
}

constexpr size_t kManyMaxBlock = 64;

template <class V, size_t R, size_t Q>
RINGMEM_BLOCK_ATTR inline void many_block(const ManyArgs& a, TopK* heaps, const V& v,
                                          const float* const* rows, const uint32_t* ids,
                                          const uint64_t* pos, size_t n) {
  const size_t dim = a.dim;
  for (size_t q0 = 0; q0 < a.nq; q0 += Q) {
    const size_t nqt = a.nq - q0 < Q ? a.nq - q0 : Q;
    const float* qp[Q];
    for (size_t t = 0; t < Q; ++t) qp[t] = a.queries + (q0 + (t < nqt ? t : nqt - 1)) * dim;
    // Scan positions any query of this tile may see: row tiles wholly outside are not computed
    // (the batch-among-itself pass is a triangle; this halves it).
    uint64_t tile_lo = 0, tile_hi = UINT64_MAX;
    if (a.from != nullptr) {
      tile_lo = UINT64_MAX;
      tile_hi = 0;
      for (size_t t = 0; t < nqt; ++t) {
        if (a.from[q0 + t] >= a.to[q0 + t]) continue;
        if (a.from[q0 + t] < tile_lo) tile_lo = a.from[q0 + t];
        if (a.to[q0 + t] > tile_hi) tile_hi = a.to[q0 + t];
      }
    }
    for (size_t r0 = 0; r0 < n; r0 += R) {
      const size_t nrt = n - r0 < R ? n - r0 : R;
      if (pos[r0 + nrt - 1] < tile_lo || pos[r0] >= tile_hi) continue;
      const float* rp[R];
      for (size_t j = 0; j < R; ++j) rp[j] = rows[r0 + (j < nrt ? j : nrt - 1)];
      float out[R][Q];
      many_tile<V, R, Q>(v, rp, qp, dim, out);
      for (size_t j = 0; j < nrt; ++j) {
        for (size_t t = 0; t < nqt; ++t) {
          offer_many(a, heaps, q0 + t, ids[r0 + j], pos[r0 + j], out[j][t]);
        }
      }
    }
  }
}

template <class V, size_t R, size_t Q>
RINGMEM_BLOCK_ATTR inline void many_tiled(const ManyArgs& a, TopK* heaps, const V& v) {
  if (a.nq == 0) return;
  const size_t dim = a.dim;
  size_t block = (16384 / (dim * sizeof(float))) / R * R;
  if (block < R) block = R;
  if (block > kManyMaxBlock / R * R) block = kManyMaxBlock / R * R;
  // Rows outside every query's visible range need no arithmetic at all.
  uint64_t lo = 0, hi = UINT64_MAX;
  if (a.from != nullptr) {
    lo = UINT64_MAX;
    hi = 0;
    for (size_t q = 0; q < a.nq; ++q) {
      if (a.from[q] < a.to[q]) {
        if (a.from[q] < lo) lo = a.from[q];
        if (a.to[q] > hi) hi = a.to[q];
      }
    }
    if (lo >= hi) return;
  }
  const float* rows[kManyMaxBlock];
  uint32_t ids[kManyMaxBlock];
  uint64_t pos[kManyMaxBlock];
  size_t n = 0;
  uint64_t p = a.pos_base;
  for (size_t s = 0; s < a.segment_count; ++s) {
    const uint32_t begin = a.segments[2 * s];
    const uint32_t end = a.segments[2 * s + 1];
    for (uint32_t r = begin; r < end; ++r, ++p) {
      if (p < lo || p >= hi) continue;
      if (a.skip != nullptr && a.skip[r] != 0) continue;
      rows[n] = a.slab + static_cast<size_t>(r) * dim;
      ids[n] = r;
      pos[n] = p;
      if (++n == block) {
        many_block<V, R, Q>(a, heaps, v, rows, ids, pos, n);
        n = 0;
      }
    }
  }
  if (n > 0) many_block<V, R, Q>(a, heaps, v, rows, ids, pos, n);
}

}  // namespace
}  // namespace ringmem
