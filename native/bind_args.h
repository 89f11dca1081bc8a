// Argument checks shared by every binding (bind_*.cc).
//
// The TypeScript wrapper (src/kernel/native-kernel.ts) validates everything first and gives the
// friendly messages; these checks are the second line, so a direct caller of the addon can never
// make a kernel read or write out of bounds. Typed arrays are used in place (zero-copy): kernels
// read and write through their data pointers. Our own errors carry `code` = ERR_KERNEL_ARGUMENT or
// ERR_KERNEL_ISA_UNAVAILABLE; node-addon-api is built with C++ exceptions, so every napi_status it
// sees is checked too.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "dispatch.h"

namespace ringmem {

// Mirrors MAX_TOP_K in src/kernel/types.ts.
constexpr uint32_t kMaxTopK = 10000;
constexpr double kMaxInt32 = 2147483647.0;

// Throws a TypeError (or RangeError) carrying `code`.
[[noreturn]] void fail(Napi::Env env, const std::string& message, bool range = false,
                       const char* code = "ERR_KERNEL_ARGUMENT");

// info[i] as a typed array of `type`, else "<name> must be a <type_name>".
template <typename T>
Napi::TypedArrayOf<T> typed_arg(const Napi::CallbackInfo& info, size_t i, napi_typedarray_type type,
                                const char* name, const char* type_name) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type) {
    fail(info.Env(), std::string(name) + " must be a " + type_name);
  }
  return v.As<Napi::TypedArrayOf<T>>();
}

// info[i] as an integer in [min, max].
uint32_t uint_arg(const Napi::CallbackInfo& info, size_t i, const char* name, double min,
                  double max);

// True when info[i] was passed and is neither undefined nor null (an optional argument).
bool present(const Napi::CallbackInfo& info, size_t i);

// info[i] as an ISA index whose kernels this CPU runs.
const Kernels& isa_arg(const Napi::CallbackInfo& info, size_t i);

// Whole rows of `dim` in `elements` values; fails if an Int32Array could not index them.
size_t rows_of(Napi::Env env, size_t elements, uint32_t dim, const char* what);

// Checks that `segments` holds (start, end) pairs with start <= end <= rows and returns how many
// rows they cover in total (at most 2^32 - 1).
uint64_t check_segments(Napi::Env env, const Napi::Uint32Array& segments, size_t rows);

// The optional skip mask at info[i]: null when absent, else one byte per row of the slab.
const uint8_t* skip_arg(const Napi::CallbackInfo& info, size_t i, size_t rows);

// The arguments every f32 scan binding starts with — (isa, slab, dim, segments, query or queries,
// k, outIdx, outScores) at info[0..7] — checked for type and range, with the segments checked
// against the slab. What the query and output lengths must be is the caller's to check.
struct ScanHead {
  const Kernels* kernels;
  const float* slab;
  uint32_t dim;
  size_t rows;  // whole rows of dim in the slab
  const uint32_t* segments;
  size_t segment_count;   // (start, end) pairs
  uint64_t rows_scanned;  // total length of the segments
  Napi::Float32Array query;
  uint32_t k;
  Napi::Int32Array out_idx;
  Napi::Float32Array out_scores;
};
ScanHead scan_head_arg(const Napi::CallbackInfo& info, const char* query_name);

// Sets exports[name] to a JS function for each binding.
struct Binding {
  const char* name;
  Napi::Value (*fn)(const Napi::CallbackInfo&);
};
void export_bindings(Napi::Env env, Napi::Object exports, std::initializer_list<Binding> bindings);

// (counter, chunkRows) at info[i], info[i + 1] of a scan shared by pool workers (pool_worker.h).
struct SharedChunks {
  int32_t* counter;
  uint32_t chunk_rows;
};
SharedChunks shared_chunks_arg(const Napi::CallbackInfo& info, size_t i, uint64_t rows_scanned);

}  // namespace ringmem
