// AVX2 + FMA kernel (8 floats per register).
//
// Compiled with baseline flags; only these functions carry target("avx2,fma"), and dispatch.cc
// installs them only after cpu_features.cc has seen AVX2 and FMA in CPUID and YMM state enabled
// in XGETBV.
//
// One row at a time (scan_rows): the slab is read as one sequential stream. The earlier design
// scored four rows per step to share query loads, but four interleaved row streams defeat the
// hardware prefetcher once the slab is in DRAM: native/test/microbench.cc on the 2-core AMD EPYC
// dev VM, top-10 over 384-d rows, p50 — 20k rows (30.7 MB) 2.62 ms four-row vs 1.85 ms one-row,
// 100k rows 13.4 ms vs 9.9 ms; the one-row scan reads as fast as tools/bw-probe.c's plain
// sequential sum. At 5k rows (L3-resident) the two are within noise. Query loads come from L1.
//
// Per row: four accumulators take the 8-float chunks of each 32-float step in turn; leftover
// whole chunks go to A, and the masked tail (dim % 8 floats, loaded with vmaskmovps so nothing
// past the row — or past the slab's end — is read) to B. Four chains cover FMA latency at the
// rate a row streams in from memory.
#if defined(__x86_64__) || defined(_M_X64)

#include <immintrin.h>

#if defined(_MSC_VER) && !defined(__clang__)
#define RINGMEM_BLOCK_ATTR
#else
#define RINGMEM_BLOCK_ATTR __attribute__((target("avx2,fma")))
#endif

#include "many_block.h"
#include "scan_block.h"

namespace ringmem {

namespace {

// tail_mask(rem) = kMaskTable + 8 - rem: the first `rem` lanes all-ones.
alignas(32) const int32_t kMaskTable[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

struct Avx2Dot1 {
  size_t dim;
  const float* q;
  __m256i tail;  // lanes of the final partial chunk to load

  RINGMEM_BLOCK_ATTR inline float operator()(const float* row) const {
    __m256 a = _mm256_setzero_ps(), b = _mm256_setzero_ps();
    __m256 c = _mm256_setzero_ps(), d = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 32 <= dim; i += 32) {
      a = _mm256_fmadd_ps(_mm256_loadu_ps(row + i), _mm256_loadu_ps(q + i), a);
      b = _mm256_fmadd_ps(_mm256_loadu_ps(row + i + 8), _mm256_loadu_ps(q + i + 8), b);
      c = _mm256_fmadd_ps(_mm256_loadu_ps(row + i + 16), _mm256_loadu_ps(q + i + 16), c);
      d = _mm256_fmadd_ps(_mm256_loadu_ps(row + i + 24), _mm256_loadu_ps(q + i + 24), d);
    }
    for (; i + 8 <= dim; i += 8) {
      a = _mm256_fmadd_ps(_mm256_loadu_ps(row + i), _mm256_loadu_ps(q + i), a);
    }
    if (i < dim) {
      b = _mm256_fmadd_ps(_mm256_maskload_ps(row + i, tail), _mm256_maskload_ps(q + i, tail), b);
    }
    const __m256 s8 = _mm256_add_ps(_mm256_add_ps(a, b), _mm256_add_ps(c, d));
    const __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
    const __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
    const __m128 s1 = _mm_add_ss(s2, _mm_movehdup_ps(s2));
    return _mm_cvtss_f32(s1);
  }
};

}  // namespace

RINGMEM_BLOCK_ATTR void scan_avx2_fma(const ScanArgs& a, TopK& heap) {
  const size_t rem = a.dim % 8;
  Avx2Dot1 dot{a.dim, a.query,
               _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMaskTable + 8 - rem))};
  scan_rows(a, heap, dot);
}

namespace {

// The ISA for many_block.h's tiled driver.
struct Avx2Ops {
  using Reg = __m256;
  static constexpr size_t W = 8;
  __m256i tail;

  RINGMEM_BLOCK_ATTR inline Reg zero() const { return _mm256_setzero_ps(); }
  RINGMEM_BLOCK_ATTR inline Reg load(const float* p) const { return _mm256_loadu_ps(p); }
  RINGMEM_BLOCK_ATTR inline Reg load_tail(const float* p) const { return _mm256_maskload_ps(p, tail); }
  RINGMEM_BLOCK_ATTR inline Reg fma(Reg a, Reg b, Reg c) const { return _mm256_fmadd_ps(a, b, c); }
  RINGMEM_BLOCK_ATTR inline float reduce(Reg s8) const {
    const __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
    const __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
    const __m128 s1 = _mm_add_ss(s2, _mm_movehdup_ps(s2));
    return _mm_cvtss_f32(s1);
  }
};

}  // namespace

// 3 rows × 4 queries: 12 accumulators + 3 row chunks + 1 query chunk = the 16 YMM registers.
RINGMEM_BLOCK_ATTR void many_avx2_fma(const ManyArgs& a, TopK* heaps) {
  const size_t rem = a.dim % 8;
  Avx2Ops ops{_mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMaskTable + 8 - rem))};
  many_tiled<Avx2Ops, 3, 4>(a, heaps, ops);
}

}  // namespace ringmem

#endif
