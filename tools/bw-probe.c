/*
 * Single-core read-bandwidth probe for the scan benchmark.
 *
 * Why: a brute-force scan streams the whole slab once per query, so the honest yardstick for the
 * kernel is how fast one core can read a buffer of the same size on this machine (cache-resident
 * for small slabs, DRAM for large ones). This probe reads such a buffer with AVX2 loads summed into
 * eight independent accumulators — about the least work per byte a reader can do — and reports
 * GB/s (1e9 bytes per second).
 *
 * Usage: bw-probe <bytes> [passes]   (built by tools/bench-scan.ts with cc -O3 -march=native)
 * Output: one JSON line {"bytes":..,"passes":..,"best_gbs":..,"median_gbs":..,"checksum":..}
 */
#define _POSIX_C_SOURCE 200809L
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

static double now_sec(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

/* Sums the buffer; the result is printed so the compiler cannot drop the loads. */
static float read_pass(const float* p, size_t n) {
  __m256 acc[8];
  for (int j = 0; j < 8; ++j) acc[j] = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    for (int j = 0; j < 8; ++j) acc[j] = _mm256_add_ps(acc[j], _mm256_load_ps(p + i + 8 * j));
  }
  float tail = 0.0f;
  for (; i < n; ++i) tail += p[i];
  __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])),
                           _mm256_add_ps(_mm256_add_ps(acc[4], acc[5]), _mm256_add_ps(acc[6], acc[7])));
  float out[8];
  _mm256_storeu_ps(out, s);
  return out[0] + out[1] + out[2] + out[3] + out[4] + out[5] + out[6] + out[7] + tail;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bw-probe <bytes> [passes]\n");
    return 2;
  }
  const size_t bytes = (size_t)strtoull(argv[1], NULL, 10);
  const int passes = argc > 2 ? atoi(argv[2]) : 200;
  if (bytes < 256 || passes < 1) {
    fprintf(stderr, "bw-probe: bytes must be >= 256 and passes >= 1\n");
    return 2;
  }
  const size_t n = bytes / sizeof(float);
  /* 2 MiB-aligned and advised for transparent huge pages before the first write, the way
   * ringmem's large slabs are (src/kernel/aligned.ts), so the yardstick never reads with a TLB
   * handicap the scanned slab does not have. */
  const size_t huge = (size_t)1 << 21;
  const size_t alloc = (n * sizeof(float) + huge - 1) / huge * huge;
  float* buf = (float*)aligned_alloc(huge, alloc);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (buf) (void)madvise(buf, alloc, MADV_HUGEPAGE);
#endif
  if (!buf) {
    fprintf(stderr, "bw-probe: out of memory\n");
    return 1;
  }
  for (size_t i = 0; i < n; ++i) buf[i] = (float)(i % 97) * 0.01f;

  double* gbs = (double*)malloc(sizeof(double) * (size_t)passes);
  float checksum = 0.0f;
  for (int w = 0; w < 5; ++w) checksum += read_pass(buf, n); /* warm caches and TLB */
  for (int r = 0; r < passes; ++r) {
    const double t0 = now_sec();
    checksum += read_pass(buf, n);
    const double t1 = now_sec();
    gbs[r] = (double)(n * sizeof(float)) / (t1 - t0) / 1e9;
  }
  qsort(gbs, (size_t)passes, sizeof(double), cmp_double);
  printf("{\"bytes\":%zu,\"passes\":%d,\"best_gbs\":%.3f,\"median_gbs\":%.3f,\"checksum\":%g}\n",
         n * sizeof(float), passes, gbs[passes - 1], gbs[passes / 2], (double)checksum);
  free(gbs);
  free(buf);
  return 0;
}
