// Software prefetch for the row-at-a-time scans (f32 scan_rows, the compact kernels).
//
// Why: the hardware prefetcher alone keeps too few cache lines in flight for a DRAM-resident slab,
// the more so the more work a kernel does per byte (the compact kernels read f16 rows at ~8 GB/s,
// int8 rows at ~6 GB/s, against ~12 GB/s for the f32 scan). Hinting every cache line of the row
// kPrefetchRows ahead, measured on the 2-core AVX-512 build VM (`npx tsx tools/bench-addons.ts`,
// builds before and after, interleaved; bench-results/addons-prefetch.md), p50 after / before:
// 100k x 384 rows: f32 0.80-0.88x, f16 0.72-0.77x, int8 0.65-0.81x (AVX-512 and AVX2 kernels);
// 10k rows (cache-resident): 0.85-0.92x. 8 rows ahead measured as well as 4; 16 was worse.
// Callers hint only rows inside their segment, so no address past the slab is formed.
#pragma once

#include <cstddef>

namespace ringmem {

constexpr size_t kPrefetchRows = 8;

inline void prefetch_bytes(const void* start, size_t bytes) {
#if defined(__GNUC__) || defined(__clang__)
  const char* p = static_cast<const char*>(start);
  for (size_t off = 0; off < bytes; off += 64) __builtin_prefetch(p + off, 0, 3);
#else
  (void)start;
  (void)bytes;
#endif
}

}  // namespace ringmem
