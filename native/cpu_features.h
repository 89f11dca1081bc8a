// Which kernels this CPU and OS can run, probed once when the addon loads.
#pragma once

namespace ringmem {

struct CpuFeatures {
  bool avx2_fma = false;  // CPUID AVX + AVX2 + FMA, and XGETBV says the OS saves YMM state
  bool f16c = false;      // CPUID F16C (half <-> float conversion), with AVX2 + FMA usable
  bool avx512f = false;   // CPUID AVX-512F, and XGETBV says the OS saves opmask + ZMM state
  bool neon = false;      // AArch64: Advanced SIMD is architecturally mandatory
};

CpuFeatures probe_cpu_features();

}  // namespace ringmem
