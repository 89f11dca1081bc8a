// Compact-vector scans: top-k over rows stored as IEEE half floats (f16, 2 bytes a value) or as
// int8 codes with one float scale per row (int8, 1 byte a value + 4 per row). Why: a scan of a
// DRAM-resident slab is bandwidth-bound, so reading half or a quarter of the bytes is the only way
// past the f32 kernel's wall. The query stays float32; only the rows are compact.
//
// Scores (shared with src/kernel/compact.ts, the JS twin):
// - f16:  Σ half_to_float(row[i]) × query[i];
// - int8: scale[r] × Σ code[i] × query[i].
// The scalar reference accumulates in double with four accumulators like scan_scalar and rounds
// once to float (the int8 scale is applied in double before that rounding), so it equals the JS
// twin bit for bit; the AVX2 kernels accumulate in float and agree within rounding. Scan order,
// skip mask, tie rule and NaN handling are the f32 scan's (scan.h, topk.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "topk.h"

namespace ringmem {

enum class Precision : uint32_t { kF16 = 0, kInt8 = 1 };

struct CompactArgs {
  Precision precision;
  const void* rows;     // uint16_t halves (f16) or int8_t codes (int8), rows × dim
  const float* scales;  // int8: one per row; null for f16
  size_t dim;
  const uint32_t* segments;
  size_t segment_count;
  const float* query;
  const uint8_t* skip;
};

using CompactFn = void (*)(const CompactArgs& args, TopK& heap);

void compact_scalar(const CompactArgs& args, TopK& heap);
#if defined(__x86_64__) || defined(_M_X64)
// Needs AVX2 + FMA (int8) and F16C (f16); dispatch.cc installs it only where both run.
void compact_avx2(const CompactArgs& args, TopK& heap);
// Needs AVX-512F (which has the 16-wide half conversion); compact_avx512.cc.
void compact_avx512(const CompactArgs& args, TopK& heap);
#endif

// Decodes `n` halves to float32 (exact: every half is a float), for the many-queries pass over an
// f16 window (src/engine/vector-rows.ts), which runs the float32 kernel over decoded chunks. Why
// native: the JS table lookup cost ~4 ns a value, 160 ms per pass over a 100k × 384 window.
using DecodeF16Fn = void (*)(const uint16_t* src, float* out, size_t n);
void decode_f16_scalar(const uint16_t* src, float* out, size_t n);
#if defined(__x86_64__) || defined(_M_X64)
void decode_f16_f16c(const uint16_t* src, float* out, size_t n);  // needs F16C
#endif

// IEEE binary16 -> binary32, exact (every half is a float).
float half_to_float(uint16_t h);

}  // namespace ringmem
