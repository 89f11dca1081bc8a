// Stand-alone differential test of every SIMD kernel this CPU runs against the scalar reference,
// without Node. Why: it can be cross-compiled and run where Node cannot easily run the addon —
// e.g. the NEON kernel under qemu-aarch64 on an x86 box (test/kernel-cross.test.ts does that), or
// the AVX-512 kernel under an emulator. Exit status 0 = every case agreed.
//
// Build (native):  c++ -O2 -std=c++17 -I.. selftest.cc ../topk.cc ../cpu_features.cc ../scan_*.cc
// Build (arm64):   aarch64-linux-gnu-g++ -O2 -std=c++17 -static -I.. (same files); run with qemu.
// Build (AVX-512 logic on an AVX2 CPU): -DRINGMEM_AVX512_EMULATED -mavx2 -mfma -Wno-psabi, with
//                  test/avx512_emulated.cc in place of scan_avx512.cc.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "compact.h"
#include "cpu_features.h"
#include "many.h"
#include "scan.h"

using namespace ringmem;

namespace {

struct Hits {
  size_t n;
  std::vector<int32_t> rows;
  std::vector<float> scores;
};

Hits run(ScanFn fn, const ScanArgs& a, size_t k) {
  static std::vector<HeapEntry> storage;
  TopK heap(storage, k);
  fn(a, heap);
  Hits h{0, std::vector<int32_t>(k), std::vector<float>(k)};
  h.n = heap.finish(h.rows.data(), h.scores.data());
  return h;
}

double ref_score(const std::vector<float>& slab, size_t dim, const std::vector<float>& q, int32_t r) {
  double s = 0;
  for (size_t i = 0; i < dim; ++i) s += static_cast<double>(slab[r * dim + i]) * q[i];
  return s;
}

int failures = 0;

void expect(bool ok, const char* isa, const char* what, size_t dim, size_t rank) {
  if (ok) return;
  if (++failures <= 20) std::printf("FAIL %s: %s (dim %zu, rank %zu)\n", isa, what, dim, rank);
}

// Same acceptance rule as test/kernel-parity.test.ts: equal counts, scores within tolerance, row
// order identical except between rows whose true scores are a near tie.
void compare(const char* isa, const Hits& got, const Hits& want, const std::vector<float>& slab,
             size_t dim, const std::vector<float>& q) {
  const double tol = 1e-6 * (dim < 8 ? 8 : dim);
  expect(got.n == want.n, isa, "hit count differs", dim, 0);
  if (got.n != want.n) return;
  for (size_t i = 0; i < got.n; ++i) {
    expect(std::fabs(got.scores[i] - want.scores[i]) <= tol, isa, "score differs", dim, i);
    if (got.rows[i] != want.rows[i]) {
      const double gap = std::fabs(ref_score(slab, dim, q, got.rows[i]) -
                                   ref_score(slab, dim, q, want.rows[i]));
      expect(gap <= 2 * tol, isa, "row order differs outside a near tie", dim, i);
    }
  }
}

void unit_rows(std::vector<float>& out, size_t rows, size_t dim, std::mt19937& gen) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  out.assign(rows * dim, 0.0f);
  for (size_t r = 0; r < rows; ++r) {
    double norm = 0;
    for (size_t i = 0; i < dim; ++i) {
      out[r * dim + i] = u(gen);
      norm += static_cast<double>(out[r * dim + i]) * out[r * dim + i];
    }
    const float inv = static_cast<float>(1.0 / std::sqrt(norm > 0 ? norm : 1.0));
    for (size_t i = 0; i < dim; ++i) out[r * dim + i] *= inv;
  }
}

void test_isa(const char* isa, ScanFn fn) {
  std::mt19937 gen(12345);
  const size_t dims[] = {1,  2,   3,   7,   15,  16,  17,  31,  33,  63,   64,  65,
                         127, 128, 129, 255, 384, 385, 511, 768, 1024, 1100, 47, 300};
  std::vector<float> slab, q;
  size_t cases = 0;
  for (size_t dim : dims) {
    for (int trial = 0; trial < 40; ++trial) {
      const size_t rows = gen() % 45;
      unit_rows(slab, rows, dim, gen);
      unit_rows(q, 1, dim, gen);
      if (rows >= 6) std::memcpy(&slab[5 * dim], &slab[2 * dim], dim * sizeof(float));  // exact tie
      const uint32_t cut = rows == 0 ? 0 : gen() % (rows + 1);
      const uint32_t head = cut == 0 ? 0 : gen() % (cut + 1);
      const uint32_t segs[4] = {cut, static_cast<uint32_t>(rows), 0, head};
      std::vector<uint8_t> skip(rows);
      for (auto& b : skip) b = (gen() % 5 == 0) ? 1 : 0;
      const bool masked = trial % 2 == 0;
      ScanArgs a{slab.data(), dim, segs, 2, q.data(), masked ? skip.data() : nullptr};
      const size_t k = 1 + gen() % (rows + 3);
      compare(isa, run(fn, a, k), run(scan_scalar, a, k), slab, dim, q);
      ++cases;
    }
    // Duplicates in every block slot and the remainder: exact ties resolved by scan order. Below
    // dim 5 random unit rows tie with the duplicates too often for the expected order to hold.
    if (dim < 5) continue;
    const size_t rows = 50;
    unit_rows(slab, rows, dim, gen);
    const int32_t dupes[] = {3, 4, 9, 14, 21, 27, 48, 49};
    for (int32_t r : dupes) std::memcpy(&slab[r * dim], &slab[3 * dim], dim * sizeof(float));
    q.assign(slab.begin() + 3 * dim, slab.begin() + 4 * dim);
    const uint32_t segs[2] = {0, rows};
    ScanArgs a{slab.data(), dim, segs, 1, q.data(), nullptr};
    const Hits h = run(fn, a, 8);
    for (size_t i = 0; i < 8; ++i) expect(h.rows[i] == dupes[i], isa, "tie order", dim, i);
    ++cases;
  }
  std::printf("%s: %zu cases compared with the scalar reference\n", isa, cases);
}

// The many-queries kernels. Each (row, query) pair must score the same whatever the batch around it
// (the engine relies on it), hits must match the scalar reference within tolerance, the per-query
// visible ranges and counts must hold, and many_scalar must equal scan_scalar query by query, bit for
// bit (the JS kernel mirrors both).
struct ManyHits {
  std::vector<size_t> n;
  std::vector<int32_t> rows;
  std::vector<float> scores;
  std::vector<uint32_t> counts;
};

ManyHits run_many(ManyFn fn, ManyArgs a, size_t k, bool count) {
  static std::vector<HeapEntry> storage;
  if (storage.size() < a.nq * k) storage.resize(a.nq * k);
  std::vector<TopK> heaps;
  for (size_t q = 0; q < a.nq; ++q) heaps.emplace_back(storage.data() + q * k, k);
  ManyHits h{std::vector<size_t>(a.nq), std::vector<int32_t>(a.nq * k, -1),
             std::vector<float>(a.nq * k, -7.0f), std::vector<uint32_t>(a.nq, 0)};
  a.counts = count ? h.counts.data() : nullptr;
  fn(a, heaps.data());
  for (size_t q = 0; q < a.nq; ++q) {
    h.n[q] = heaps[q].finish(h.rows.data() + q * k, h.scores.data() + q * k);
  }
  return h;
}

Hits slice(const ManyHits& m, size_t q, size_t k) {
  Hits h{m.n[q], std::vector<int32_t>(m.rows.begin() + q * k, m.rows.begin() + (q + 1) * k),
         std::vector<float>(m.scores.begin() + q * k, m.scores.begin() + (q + 1) * k)};
  return h;
}

void test_many(const char* isa, ManyFn fn) {
  std::mt19937 gen(777);
  const size_t dims[] = {1, 3, 7, 8, 9, 16, 17, 31, 33, 64, 65, 100, 384, 385, 129};
  std::vector<float> slab, qs;
  size_t cases = 0;
  for (size_t dim : dims) {
    for (int trial = 0; trial < 24; ++trial) {
      const size_t rows = gen() % 70;
      const size_t nq = 1 + gen() % 13;
      unit_rows(slab, rows, dim, gen);
      unit_rows(qs, nq, dim, gen);
      if (rows >= 6) std::memcpy(&slab[5 * dim], &slab[2 * dim], dim * sizeof(float));
      if (rows >= 1 && nq >= 2) std::memcpy(&qs[dim], &slab[0], dim * sizeof(float));
      const uint32_t cut = rows == 0 ? 0 : gen() % (rows + 1);
      const uint32_t head = cut == 0 ? 0 : gen() % (cut + 1);
      const uint32_t segs[4] = {cut, static_cast<uint32_t>(rows), 0, head};
      const uint32_t scanned = static_cast<uint32_t>(rows) - cut + head;
      std::vector<uint8_t> skip(rows);
      for (auto& b : skip) b = (gen() % 5 == 0) ? 1 : 0;
      std::vector<uint32_t> from(nq), to(nq);
      for (size_t q = 0; q < nq; ++q) {
        from[q] = gen() % (scanned + 2);
        to[q] = gen() % (scanned + 2);
        if (q == 0) from[q] = 0, to[q] = scanned;
      }
      const bool masked = trial % 2 == 0;
      const bool ranged = trial % 3 != 0;
      const float thr = static_cast<float>(gen() % 100) / 100.0f - 0.3f;
      ManyArgs a{slab.data(), dim, segs, 2, qs.data(), nq, masked ? skip.data() : nullptr,
                 ranged ? from.data() : nullptr, ranged ? to.data() : nullptr, thr, nullptr};
      const size_t k = 1 + gen() % (rows + 3);
      const ManyHits got = run_many(fn, a, k, true);
      const ManyHits want = run_many(many_scalar, a, k, true);
      for (size_t q = 0; q < nq; ++q) {
        std::vector<float> one(qs.begin() + q * dim, qs.begin() + (q + 1) * dim);
        compare(isa, slice(got, q, k), slice(want, q, k), slab, dim, one);
        // Counts are exact unless a score sits within rounding of the threshold.
        if (got.counts[q] != want.counts[q]) {
          const double tol = 1e-6 * (dim < 8 ? 8 : dim);
          size_t near = 0;
          for (size_t r = 0; r < rows; ++r) {
            if (std::fabs(ref_score(slab, dim, one, static_cast<int32_t>(r)) - thr) <= tol) ++near;
          }
          expect(near > 0, isa, "count above threshold differs", dim, q);
        }
        // The same query alone: every score bit-identical to its score inside the batch.
        ManyArgs solo = a;
        solo.queries = qs.data() + q * dim;
        solo.nq = 1;
        if (ranged) solo.from = from.data() + q, solo.to = to.data() + q;
        const ManyHits alone = run_many(fn, solo, k, true);
        expect(alone.n[0] == got.n[q], isa, "hit count depends on the batch", dim, q);
        for (size_t i = 0; i < alone.n[0] && i < got.n[q]; ++i) {
          expect(alone.rows[i] == got.rows[q * k + i] && alone.scores[i] == got.scores[q * k + i],
                 isa, "score depends on the batch", dim, i);
        }
        expect(alone.counts[0] == got.counts[q], isa, "count depends on the batch", dim, q);
        // The scalar reference equals the single-query scalar scan exactly (no ranges there).
        if (!ranged && fn == many_scalar) {
          ScanArgs sa{slab.data(), dim, segs, 2, one.data(), masked ? skip.data() : nullptr};
          const Hits single = run(scan_scalar, sa, k);
          expect(single.n == got.n[q], isa, "many_scalar count differs from scan_scalar", dim, q);
          for (size_t i = 0; i < single.n; ++i) {
            expect(single.rows[i] == got.rows[q * k + i] &&
                       single.scores[i] == got.scores[q * k + i],
                   isa, "many_scalar differs from scan_scalar", dim, i);
          }
        }
      }
      ++cases;
    }
  }
  std::printf("%s many: %zu cases compared with the scalar reference\n", isa, cases);
}

// The compact kernels against the compact scalar reference, f16 and int8, same acceptance rule.
#if defined(__x86_64__) || defined(_M_X64)
// float -> half, round to nearest even (the same algorithm as src/kernel/compact.ts).
uint16_t to_half(float x) {
  uint32_t b;
  std::memcpy(&b, &x, sizeof b);
  const uint32_t sign = (b >> 16) & 0x8000u;
  const int exp = static_cast<int>((b >> 23) & 0xFFu);
  uint32_t mant = b & 0x7FFFFFu;
  if (exp == 0xFF) return static_cast<uint16_t>(sign | 0x7C00u | (mant ? 0x200u : 0u));
  const int e = exp - 127 + 15;
  if (e >= 0x1F) return static_cast<uint16_t>(sign | 0x7C00u);
  if (e <= 0) {
    if (e < -10) return static_cast<uint16_t>(sign);
    mant |= 0x800000u;
    const int shift = 14 - e;
    uint32_t h = mant >> shift;
    const uint32_t rem = mant & ((1u << shift) - 1u), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1u))) ++h;
    return static_cast<uint16_t>(sign | h);
  }
  uint32_t h = (static_cast<uint32_t>(e) << 10) | (mant >> 13);
  const uint32_t rem = mant & 0x1FFFu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;
  return static_cast<uint16_t>(sign | h);
}

double half_value(uint32_t h) {
  const double sign = (h & 0x8000u) ? -1.0 : 1.0;
  const int exp = (h >> 10) & 0x1F;
  const uint32_t mant = h & 0x3FFu;
  if (exp == 0x1F) return mant == 0 ? sign * INFINITY : NAN;
  if (exp == 0) return sign * std::ldexp(static_cast<double>(mant), -24);
  return sign * std::ldexp(1.0 + mant / 1024.0, exp - 15);
}

void test_compact(const char* isa, CompactFn fn) {
  std::mt19937 gen(4242);
  const size_t dims[] = {1, 3, 7, 8, 9, 31, 32, 33, 100, 384, 385};
  std::vector<float> slab, q;
  size_t cases = 0;
  for (size_t dim : dims) {
    for (int trial = 0; trial < 30; ++trial) {
      const size_t rows = gen() % 60;
      unit_rows(slab, rows, dim, gen);
      unit_rows(q, 1, dim, gen);
      std::vector<uint16_t> halves(rows * dim);
      std::vector<int8_t> codes(rows * dim);
      std::vector<float> scales(rows);
      std::vector<float> decoded[2] = {std::vector<float>(rows * dim), std::vector<float>(rows * dim)};
      for (size_t r = 0; r < rows; ++r) {
        float m = 0;
        for (size_t i = 0; i < dim; ++i) m = std::max(m, std::fabs(slab[r * dim + i]));
        scales[r] = m / 127.0f;
        for (size_t i = 0; i < dim; ++i) {
          const float x = slab[r * dim + i];
          halves[r * dim + i] = to_half(x);
          codes[r * dim + i] = static_cast<int8_t>(std::lround(scales[r] > 0 ? x / scales[r] : 0));
          decoded[0][r * dim + i] = half_to_float(halves[r * dim + i]);
          decoded[1][r * dim + i] = codes[r * dim + i] * scales[r];
        }
      }
      const uint32_t cut = rows == 0 ? 0 : gen() % (rows + 1);
      const uint32_t head = cut == 0 ? 0 : gen() % (cut + 1);
      const uint32_t segs[4] = {cut, static_cast<uint32_t>(rows), 0, head};
      std::vector<uint8_t> skip(rows);
      for (auto& b : skip) b = (gen() % 5 == 0) ? 1 : 0;
      const size_t k = 1 + gen() % (rows + 3);
      for (int p = 0; p < 2; ++p) {
        CompactArgs a{p == 0 ? Precision::kF16 : Precision::kInt8,
                      p == 0 ? static_cast<const void*>(halves.data()) : codes.data(),
                      p == 0 ? nullptr : scales.data(), dim, segs, 2, q.data(),
                      trial % 2 == 0 ? skip.data() : nullptr};
        static std::vector<HeapEntry> st;
        Hits got{0, std::vector<int32_t>(k), std::vector<float>(k)};
        Hits want{0, std::vector<int32_t>(k), std::vector<float>(k)};
        {
          TopK h(st, k);
          fn(a, h);
          got.n = h.finish(got.rows.data(), got.scores.data());
        }
        {
          TopK h(st, k);
          compact_scalar(a, h);
          want.n = h.finish(want.rows.data(), want.scores.data());
        }
        compare(isa, got, want, decoded[p], dim, q);
        ++cases;
      }
    }
  }
  // half_to_float is exact for every half.
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = half_to_float(static_cast<uint16_t>(h));
    const double want = half_value(h);
    if (!(f == want || (std::isnan(f) && std::isnan(want)))) {
      expect(false, isa, "half_to_float is not exact", 0, h);
      break;
    }
  }
  std::printf("%s compact: %zu cases compared with the scalar reference\n", isa, cases);
}
#endif

}  // namespace

int main() {
  test_many("scalar", many_scalar);
  const CpuFeatures f = probe_cpu_features();
  int tested = 0;
#if defined(__x86_64__) || defined(_M_X64)
  if (f.avx2_fma) test_isa("avx2-fma", scan_avx2_fma), test_many("avx2-fma", many_avx2_fma), ++tested;
  if (f.avx2_fma && f.f16c) test_compact("avx2-f16c", compact_avx2);
  else std::printf("avx2-fma: not available here, skipped\n");
#if defined(RINGMEM_AVX512_EMULATED)
  // Built with test/avx512_emulated.cc in place of scan_avx512.cc: runs on any AVX2 CPU.
  (void)f;
  test_isa("avx512f-emulated", scan_avx512f), test_many("avx512f-emulated", many_avx512f), ++tested;
#else
  if (f.avx512f) test_isa("avx512f", scan_avx512f), test_many("avx512f", many_avx512f), ++tested;
  else std::printf("avx512f: not available here, skipped\n");
#endif
#endif
#if defined(__aarch64__) || defined(_M_ARM64)
  if (f.neon) test_isa("neon", scan_neon), test_many("neon", many_neon), ++tested;
#endif
  if (failures > 0) {
    std::printf("%d failures\n", failures);
    return 1;
  }
  std::printf("ok (%d SIMD kernels tested)\n", tested);
  return 0;
}
