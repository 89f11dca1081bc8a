#include "dispatch.h"

#include "cpu_features.h"

namespace ringmem {

const char* const kIsaNames[kIsaCount] = {"scalar", "avx2-fma", "avx512f", "neon"};
const Isa kIsaPreference[kIsaCount] = {kAvx512f, kAvx2Fma, kNeon, kScalar};

namespace {

Kernels g_kernels[kIsaCount];
bool g_available[kIsaCount] = {false, false, false, false};

}  // namespace

void init_kernels() {
  const CpuFeatures f = probe_cpu_features();
  g_kernels[kScalar] = Kernels{scan_scalar, many_scalar, compact_scalar, ingest_scalar,
                               row_sum_squares_scalar, decode_f16_scalar};
  g_available[kScalar] = true;
#if defined(__x86_64__) || defined(_M_X64)
  const CompactFn compact = f.f16c ? compact_avx2 : compact_scalar;
  const DecodeF16Fn decode_f16 = f.f16c ? decode_f16_f16c : decode_f16_scalar;
  if (f.avx2_fma) {
    g_kernels[kAvx2Fma] =
        Kernels{scan_avx2_fma, many_avx2_fma, compact, ingest_avx2, row_sum_squares_avx2, decode_f16};
    g_available[kAvx2Fma] = true;
  }
  if (f.avx512f) {  // the probe only reports AVX-512F where AVX2 + FMA run too
    g_kernels[kAvx512f] =
        Kernels{scan_avx512f, many_avx512f, compact_avx512, ingest_avx2, row_sum_squares_avx2,
                decode_f16};
    g_available[kAvx512f] = true;
  }
#endif
#if defined(__aarch64__) || defined(_M_ARM64)
  if (f.neon) {
    g_kernels[kNeon] =
        Kernels{scan_neon, many_neon, compact_scalar, ingest_scalar, row_sum_squares_scalar,
                decode_f16_scalar};
    g_available[kNeon] = true;
  }
#endif
  (void)f;  // unused where no SIMD kernel is compiled in
}

const Kernels* kernels_for(uint32_t isa) {
  return isa < kIsaCount && g_available[isa] ? &g_kernels[isa] : nullptr;
}

const Kernels& best_kernels() {
  for (Isa isa : kIsaPreference) {
    if (g_available[isa]) return g_kernels[isa];
  }
  return g_kernels[kScalar];
}

}  // namespace ringmem
