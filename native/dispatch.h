// One dispatch table for every kernel function, filled once when the addon loads.
//
// Why one table: the CPU is probed once (cpu_features.cc), and every binding — scan, many-queries
// scan, compact scan, ingest, row norms — then calls through the entry of the ISA it was given (or
// of the best ISA, for the bindings that take none) without branching on CPU features per call.
// An ISA the CPU or OS cannot run has no entry, so no binding can reach an instruction that faults.
#pragma once

#include <cstdint>

#include "compact.h"
#include "ingest.h"
#include "many.h"
#include "scan.h"

namespace ringmem {

// Indices match ISA_NAMES, which the TS wrapper uses to pass the ISA as a small integer.
enum Isa : uint32_t { kScalar = 0, kAvx2Fma = 1, kAvx512f = 2, kNeon = 3, kIsaCount = 4 };
extern const char* const kIsaNames[kIsaCount];
// Best first, so the first available one is what an unforced load picks.
extern const Isa kIsaPreference[kIsaCount];

// What one ISA runs for each kernel function. Where an ISA has no kernel of its own for a function
// it names the best one it can run: AVX-512 ingests and norms with the AVX2 kernels (they are
// bandwidth-bound; wider registers buy nothing measurable), NEON with the scalar ones, and the
// AVX2 compact scans need F16C besides AVX2 + FMA (AVX-512 has its own, compact_avx512.cc).
struct Kernels {
  ScanFn scan;
  ManyFn many;
  CompactFn compact;
  IngestFn ingest;
  RowSumSquaresFn row_sum_squares;
  DecodeF16Fn decode_f16;
};

// Probes the CPU and fills the table. Called once, from the addon's Init.
void init_kernels();

// The kernels of `isa`, or null when this CPU (or its OS) cannot run it or isa is out of range.
const Kernels* kernels_for(uint32_t isa);

// The kernels of the best ISA this CPU runs (never null after init_kernels: scalar always runs).
const Kernels& best_kernels();

}  // namespace ringmem
