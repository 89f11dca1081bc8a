// The AVX-512 kernel's logic on a CPU without AVX-512: scan_avx512.cc compiled with each AVX-512F
// intrinsic it uses replaced by a portable stand-in that does what Intel's reference says, lane by
// lane (a zero-masked load reads only the lanes its mask selects, as the instruction suppresses
// faults there). The AVX/SSE intrinsics it also uses run for real (this file is built with -mavx2
// -mfma). Why: the development machine has no AVX-512, and the loop bounds, tail masks and the
// 512 → 256 → 128 → 1 reduction are where a kernel goes wrong; selftest.cc built with
// -DRINGMEM_AVX512_EMULATED compares this build against the scalar reference like any other ISA.
// What it cannot catch is a misunderstanding of an instruction that the stand-in repeats.
#if defined(__x86_64__) || defined(_M_X64)

#include <immintrin.h>

#include <cstring>

namespace ringmem_emulated {

struct Lanes {
  float v[16];
};

inline Lanes lanes(__m512 x) {
  Lanes l;
  std::memcpy(l.v, &x, sizeof l.v);
  return l;
}

inline __m512 vec(const Lanes& l) {
  __m512 x;
  std::memcpy(&x, l.v, sizeof l.v);
  return x;
}

inline __m512 setzero_ps() { return vec(Lanes{}); }

inline __m512 loadu_ps(const float* p) {
  Lanes l;
  std::memcpy(l.v, p, sizeof l.v);
  return vec(l);
}

inline __m512 maskz_loadu_ps(__mmask16 k, const float* p) {
  Lanes l{};
  for (int i = 0; i < 16; ++i) {
    if ((k >> i) & 1) l.v[i] = p[i];
  }
  return vec(l);
}

inline __m512 add_ps(__m512 a, __m512 b) {
  Lanes x = lanes(a), y = lanes(b);
  for (int i = 0; i < 16; ++i) x.v[i] += y.v[i];
  return vec(x);
}

// Fused: one rounding, as vfmadd does (std::fma, not a * b + c).
inline __m512 fmadd_ps(__m512 a, __m512 b, __m512 c) {
  Lanes x = lanes(a), y = lanes(b), z = lanes(c);
  for (int i = 0; i < 16; ++i) z.v[i] = __builtin_fmaf(x.v[i], y.v[i], z.v[i]);
  return vec(z);
}

// dst 128-bit block 0, 1 from a, blocks 2, 3 from b, each picked by two bits of imm.
inline __m512 shuffle_f32x4(__m512 a, __m512 b, int imm) {
  const Lanes x = lanes(a), y = lanes(b);
  Lanes d;
  for (int block = 0; block < 4; ++block) {
    const Lanes& src = block < 2 ? x : y;
    const int pick = (imm >> (2 * block)) & 3;
    for (int i = 0; i < 4; ++i) d.v[4 * block + i] = src.v[4 * pick + i];
  }
  return vec(d);
}

inline __m256 castps512_ps256(__m512 a) {
  const Lanes x = lanes(a);
  return _mm256_loadu_ps(x.v);
}

}  // namespace ringmem_emulated

#define _mm512_setzero_ps ringmem_emulated::setzero_ps
#define _mm512_loadu_ps ringmem_emulated::loadu_ps
#define _mm512_maskz_loadu_ps ringmem_emulated::maskz_loadu_ps
#define _mm512_add_ps ringmem_emulated::add_ps
#define _mm512_fmadd_ps ringmem_emulated::fmadd_ps
#define _mm512_shuffle_f32x4 ringmem_emulated::shuffle_f32x4
#define _mm512_castps512_ps256 ringmem_emulated::castps512_ps256

#define RINGMEM_BLOCK_ATTR
#include "../scan_avx512.cc"

#endif
