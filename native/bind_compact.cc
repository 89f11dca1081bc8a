// Binding of the compact-vector scan (compact.h): topKCompact.
#include <cstdint>
#include <vector>

#include "bind_args.h"
#include "bindings.h"
#include "pool_worker.h"

namespace ringmem {
namespace {

thread_local std::vector<HeapEntry> t_heap_storage;

// topKCompact(isa, precision, rows, scales, dim, segments, query, k, outIdx, outScores, skipMask?):
// top-k over compact rows. precision 0 = f16 (rows a Uint16Array), 1 = int8 (rows an Int8Array,
// scales a Float32Array with one scale per row). The ISA's entry in the dispatch table names the
// compact kernel (dispatch.h: the scalar reference for the scalar ISA). Returns the hit count.
Napi::Value TopKCompact(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 10) fail(env, "topKCompact expects 10 or 11 arguments");
  const Kernels& kernels = isa_arg(info, 0);
  const uint32_t precision = uint_arg(info, 1, "precision", 0, 1);
  const uint32_t dim = uint_arg(info, 4, "dim", 1, kMaxInt32);
  size_t values = 0;
  const void* rows = nullptr;
  const float* scales = nullptr;
  if (precision == 0) {
    auto r = typed_arg<uint16_t>(info, 2, napi_uint16_array, "rows", "Uint16Array");
    values = r.ElementLength();
    rows = r.Data();
  } else {
    auto r = typed_arg<int8_t>(info, 2, napi_int8_array, "rows", "Int8Array");
    values = r.ElementLength();
    rows = r.Data();
  }
  const size_t nrows = rows_of(env, values, dim, "rows");
  if (precision == 1) {
    auto sc = typed_arg<float>(info, 3, napi_float32_array, "scales", "Float32Array");
    if (sc.ElementLength() < nrows) fail(env, "scales must hold one value per row", true);
    scales = sc.Data();
  }
  auto segments = typed_arg<uint32_t>(info, 5, napi_uint32_array, "segments", "Uint32Array");
  auto query = typed_arg<float>(info, 6, napi_float32_array, "query", "Float32Array");
  const uint32_t k = uint_arg(info, 7, "k", 1, kMaxTopK);
  auto out_idx = typed_arg<int32_t>(info, 8, napi_int32_array, "outIdx", "Int32Array");
  auto out_scores = typed_arg<float>(info, 9, napi_float32_array, "outScores", "Float32Array");
  if (query.ElementLength() != dim) fail(env, "query length must equal dim", true);
  if (out_idx.ElementLength() < k || out_scores.ElementLength() < k) {
    fail(env, "outIdx and outScores must hold at least k entries", true);
  }
  check_segments(env, segments, nrows);
  const uint8_t* skip = skip_arg(info, 10, nrows);
  const CompactArgs args{precision == 0 ? Precision::kF16 : Precision::kInt8, rows, scales, dim,
                         segments.Data(), segments.ElementLength() / 2, query.Data(), skip};
  const size_t hits = run_here(env, [&] {
    TopK heap(t_heap_storage, k);
    kernels.compact(args, heap);
    return heap.finish(out_idx.Data(), out_scores.Data());
  });
  return Napi::Number::New(env, static_cast<double>(hits));
}

// decodeF16(src, out): out[i] = the float value of half src[i], for every i < src.length;
// out.length ≥ src.length. The best kernel this CPU runs (F16C where present).
Napi::Value DecodeF16(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 2) fail(env, "decodeF16 takes 2 arguments");
  auto src = typed_arg<uint16_t>(info, 0, napi_uint16_array, "src", "Uint16Array");
  auto out = typed_arg<float>(info, 1, napi_float32_array, "out", "Float32Array");
  if (out.ElementLength() < src.ElementLength()) fail(env, "decodeF16: out needs one element per half", true);
  best_kernels().decode_f16(src.Data(), out.Data(), src.ElementLength());
  return env.Undefined();
}

}  // namespace

void register_compact_bindings(Napi::Env env, Napi::Object exports) {
  export_bindings(env, exports, {{"topKCompact", TopKCompact}, {"decodeF16", DecodeF16}});
}

}  // namespace ringmem
