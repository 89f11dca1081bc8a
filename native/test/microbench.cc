// Micro-benchmark of the best native kernel on one slab, without Node: used to measure kernel
// design choices (rows per step, prefetching, slab alignment) with less noise than the full bench.
//
//   c++ -O3 -std=c++17 -Inative native/test/microbench.cc native/topk.cc native/cpu_features.cc
//       native/scan_*.cc -o /tmp/mb     (one line; build two copies of a kernel to compare)
//   taskset -c 1 /tmp/mb <rows> <reps> <byte offset of the slab from a 64-byte boundary>
//
// Prints min and p50 µs of a top-10 scan over rows × 384 random floats. With a fifth argument nq
// (and optional sixth: isa name), times the many-queries kernel instead: nq queries, top-10 each.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "cpu_features.h"
#include "many.h"
#include "scan.h"

using namespace ringmem;

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: microbench <rows> <reps> <byte offset: 0, 16, 32...>\n");
    return 2;
  }
  const size_t dim = 384;
  const size_t rows = std::strtoul(argv[1], nullptr, 10);
  const int reps = std::atoi(argv[2]);
  const size_t offset = std::strtoul(argv[3], nullptr, 10);
  if (rows == 0 || reps < 1 || offset % 4 != 0 || offset >= 64) {
    std::fprintf(stderr, "microbench: rows >= 1, reps >= 1, offset a multiple of 4 below 64\n");
    return 2;
  }
  ScanFn fn = scan_scalar;
  const char* name = "scalar";
  const CpuFeatures f = probe_cpu_features();
#if defined(__x86_64__) || defined(_M_X64)
  if (f.avx512f) fn = scan_avx512f, name = "avx512f";
  else if (f.avx2_fma) fn = scan_avx2_fma, name = "avx2-fma";
#elif defined(__aarch64__)
  fn = scan_neon, name = "neon";
#endif
  float* base = static_cast<float*>(std::aligned_alloc(64, (rows * dim * 4 + 128) / 64 * 64));
  float* slab = base + offset / 4;
  std::mt19937 gen(1);
  std::uniform_real_distribution<float> u(-0.5f, 0.5f);
  for (size_t i = 0; i < rows * dim; ++i) slab[i] = u(gen);
  std::vector<float> q(dim);
  for (auto& x : q) x = u(gen);
  const uint32_t seg[2] = {0, static_cast<uint32_t>(rows)};
  const ScanArgs a{slab, dim, seg, 1, q.data(), nullptr};
  if (argc >= 5) {
    const size_t nq = std::strtoul(argv[4], nullptr, 10);
    ManyFn many = many_scalar;
    const char* mname = "scalar";
#if defined(__x86_64__) || defined(_M_X64)
    const std::string want = argc >= 6 ? argv[5] : "";
    if (f.avx512f && (want.empty() || want == "avx512f")) many = many_avx512f, mname = "avx512f";
    else if (f.avx2_fma && want != "scalar") many = many_avx2_fma, mname = "avx2-fma";
#elif defined(__aarch64__)
    many = many_neon, mname = "neon";
#endif
    std::vector<float> qs(nq * dim);
    for (auto& x : qs) x = u(gen);
    std::vector<HeapEntry> hs(nq * 10);
    std::vector<int32_t> ro(nq * 10);
    std::vector<float> so(nq * 10);
    std::vector<double> t;
    for (int r = 0; r < reps + 2; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      std::vector<TopK> heaps;
      for (size_t q = 0; q < nq; ++q) heaps.emplace_back(hs.data() + q * 10, 10);
      const ManyArgs ma{slab, dim, seg, 1, qs.data(), nq, nullptr, nullptr, nullptr, 0.0f, nullptr};
      many(ma, heaps.data());
      for (size_t q = 0; q < nq; ++q) heaps[q].finish(ro.data() + q * 10, so.data() + q * 10);
      const auto t1 = std::chrono::steady_clock::now();
      if (r >= 2) t.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    }
    std::sort(t.begin(), t.end());
    const double p50 = t[t.size() / 2];
    std::printf("many %s rows=%zu nq=%zu: min %.0f us, p50 %.0f us, %.1f GFMA/s, %.2f us/query\n",
                mname, rows, nq, t.front(), p50,
                static_cast<double>(rows) * dim * nq / (p50 * 1e3), p50 / nq);
    std::free(base);
    return 0;
  }
  std::vector<HeapEntry> storage;
  int32_t out_rows[10];
  float out_scores[10];
  std::vector<double> us;
  for (int r = 0; r < reps + 10; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    TopK heap(storage, 10);
    fn(a, heap);
    heap.finish(out_rows, out_scores);
    const auto t1 = std::chrono::steady_clock::now();
    if (r >= 10) us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  std::sort(us.begin(), us.end());
  std::printf("%s rows=%zu offset=%zu: min %.1f us, p50 %.1f us (%.1f GB/s at p50), best row %d\n",
              name, rows, offset, us.front(), us[us.size() / 2],
              static_cast<double>(rows * dim * 4) / (us[us.size() / 2] * 1e3), out_rows[0]);
  std::free(base);
  return 0;
}
