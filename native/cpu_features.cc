// CPU feature probe: CPUID says what the silicon has, XGETBV says what the OS agreed to save on a
// context switch. Both are needed — a CPU with AVX-512 under an OS (or hypervisor) that did not
// enable ZMM state faults on the first AVX-512 instruction.
#include "cpu_features.h"

#if (defined(__x86_64__) || defined(_M_X64))
#if defined(_MSC_VER) && !defined(__clang__)
#include <immintrin.h>
#include <intrin.h>
#else
#include <cpuid.h>
#endif
#endif

#include <cstdint>

namespace ringmem {

#if defined(__x86_64__) || defined(_M_X64)

namespace {

void cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]) {
#if defined(_MSC_VER) && !defined(__clang__)
  int r[4];
  __cpuidex(r, static_cast<int>(leaf), static_cast<int>(subleaf));
  for (int i = 0; i < 4; ++i) regs[i] = static_cast<uint32_t>(r[i]);
#else
  __cpuid_count(leaf, subleaf, regs[0], regs[1], regs[2], regs[3]);
#endif
}

// XCR0: bit 1 SSE, bit 2 AVX (YMM upper halves), bits 5-7 opmask, ZMM0-15 upper, ZMM16-31.
// Only valid to execute when CPUID.1:ECX.OSXSAVE is set.
uint64_t read_xcr0() {
#if defined(_MSC_VER) && !defined(__clang__)
  return _xgetbv(0);
#else
  uint32_t eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
#endif
}

}  // namespace

CpuFeatures probe_cpu_features() {
  CpuFeatures f;
  uint32_t r[4];
  cpuid(0, 0, r);
  const uint32_t max_leaf = r[0];
  if (max_leaf < 7) return f;

  cpuid(1, 0, r);
  const bool fma = (r[2] >> 12) & 1;
  const bool osxsave = (r[2] >> 27) & 1;
  const bool avx = (r[2] >> 28) & 1;
  const bool f16c = (r[2] >> 29) & 1;
  if (!osxsave || !avx) return f;

  const uint64_t xcr0 = read_xcr0();
  const bool ymm_state = (xcr0 & 0x6) == 0x6;
  const bool zmm_state = (xcr0 & 0xE6) == 0xE6;

  cpuid(7, 0, r);
  const bool avx2 = (r[1] >> 5) & 1;
  const bool avx512f = (r[1] >> 16) & 1;

  f.avx2_fma = avx2 && fma && ymm_state;
  f.f16c = f16c && f.avx2_fma;
  // The AVX-512 kernel also uses AVX2 shuffles in its final reduction.
  f.avx512f = avx512f && zmm_state && f.avx2_fma;
  return f;
}

#elif defined(__aarch64__) || defined(_M_ARM64)

CpuFeatures probe_cpu_features() {
  CpuFeatures f;
  f.neon = true;
  return f;
}

#else

CpuFeatures probe_cpu_features() { return CpuFeatures{}; }

#endif

}  // namespace ringmem
