// NEON kernel for arm64 (4 floats per register). Advanced SIMD is mandatory on AArch64, so no
// runtime probe is needed and no target attribute either.
//
// Per row: accumulator A takes the even 4-float chunks of each 8-float step (and a lone trailing
// 4-float chunk), B the odd ones; the last dim % 4 floats go to a scalar accumulator (NEON has no
// masked load, and reading past the row could fault at the slab's end). Four rows at a time share
// each query load and give eight independent FMA chains.
#if defined(__aarch64__) || defined(_M_ARM64)

#include <arm_neon.h>

#define RINGMEM_BLOCK_ATTR

#include "many_block.h"
#include "scan_block.h"

namespace ringmem {

namespace {

struct NeonDot4 {
  size_t dim;
  const float* q;

  inline void operator()(const float* const rows[4], float out[4]) const {
    const float* r0 = rows[0];
    const float* r1 = rows[1];
    const float* r2 = rows[2];
    const float* r3 = rows[3];
    float32x4_t a0 = vdupq_n_f32(0), b0 = vdupq_n_f32(0);
    float32x4_t a1 = vdupq_n_f32(0), b1 = vdupq_n_f32(0);
    float32x4_t a2 = vdupq_n_f32(0), b2 = vdupq_n_f32(0);
    float32x4_t a3 = vdupq_n_f32(0), b3 = vdupq_n_f32(0);
    size_t i = 0;
    for (; i + 8 <= dim; i += 8) {
      const float32x4_t q0 = vld1q_f32(q + i);
      const float32x4_t q1 = vld1q_f32(q + i + 4);
      a0 = vfmaq_f32(a0, vld1q_f32(r0 + i), q0);
      a1 = vfmaq_f32(a1, vld1q_f32(r1 + i), q0);
      a2 = vfmaq_f32(a2, vld1q_f32(r2 + i), q0);
      a3 = vfmaq_f32(a3, vld1q_f32(r3 + i), q0);
      b0 = vfmaq_f32(b0, vld1q_f32(r0 + i + 4), q1);
      b1 = vfmaq_f32(b1, vld1q_f32(r1 + i + 4), q1);
      b2 = vfmaq_f32(b2, vld1q_f32(r2 + i + 4), q1);
      b3 = vfmaq_f32(b3, vld1q_f32(r3 + i + 4), q1);
    }
    if (i + 4 <= dim) {
      const float32x4_t q0 = vld1q_f32(q + i);
      a0 = vfmaq_f32(a0, vld1q_f32(r0 + i), q0);
      a1 = vfmaq_f32(a1, vld1q_f32(r1 + i), q0);
      a2 = vfmaq_f32(a2, vld1q_f32(r2 + i), q0);
      a3 = vfmaq_f32(a3, vld1q_f32(r3 + i), q0);
      i += 4;
    }
    float t0 = 0, t1 = 0, t2 = 0, t3 = 0;
    for (; i < dim; ++i) {
      t0 += r0[i] * q[i];
      t1 += r1[i] * q[i];
      t2 += r2[i] * q[i];
      t3 += r3[i] * q[i];
    }
    out[0] = vaddvq_f32(vaddq_f32(a0, b0)) + t0;
    out[1] = vaddvq_f32(vaddq_f32(a1, b1)) + t1;
    out[2] = vaddvq_f32(vaddq_f32(a2, b2)) + t2;
    out[3] = vaddvq_f32(vaddq_f32(a3, b3)) + t3;
  }
};

}  // namespace

void scan_neon(const ScanArgs& a, TopK& heap) {
  NeonDot4 dot{a.dim, a.query};
  scan_blocks(a, heap, dot);
}

namespace {

// The ISA for many_block.h's tiled driver. NEON has no masked load: the tail is copied into a
// zeroed register-sized buffer, so nothing past the row (or the slab) is read.
struct NeonOps {
  using Reg = float32x4_t;
  static constexpr size_t W = 4;
  size_t rem;

  inline Reg zero() const { return vdupq_n_f32(0); }
  inline Reg load(const float* p) const { return vld1q_f32(p); }
  inline Reg load_tail(const float* p) const {
    float buf[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < rem; ++i) buf[i] = p[i];
    return vld1q_f32(buf);
  }
  inline Reg fma(Reg a, Reg b, Reg c) const { return vfmaq_f32(c, a, b); }
  inline float reduce(Reg s) const { return vaddvq_f32(s); }
};

}  // namespace

// 4 rows × 6 queries: 24 accumulators + 4 row chunks + 1 query chunk of the 32 vector registers.
void many_neon(const ManyArgs& a, TopK* heaps) {
  NeonOps ops{a.dim % 4};
  many_tiled<NeonOps, 4, 6>(a, heaps, ops);
}

}  // namespace ringmem

#endif
