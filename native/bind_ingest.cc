// Bindings of the raw-vector ingest (ingest.h): ingestRow, ingestRows and rowSumSquares. They take
// no ISA argument: they run the best ISA's kernels from the dispatch table (dispatch.h).
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "bind_args.h"
#include "bindings.h"

namespace ringmem {
namespace {

// A whole offset at which `dim` values fit inside `length` values.
bool fits(double offset, size_t dim, size_t length) {
  return offset >= 0 && std::floor(offset) == offset &&
         offset + static_cast<double>(dim) <= static_cast<double>(length);
}

// ingestRow(slab, rowOffset, src, srcOffset, scale, sum, replacing, out): see ingest.h. Writes
// out[0] = dot, out[1] = |sum|² of the sum before the row joined. Bounds are checked here so a
// direct caller can never write outside the slab or the sum.
Napi::Value IngestRow(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 8) fail(env, "ingestRow takes 8 arguments");
  auto slab = typed_arg<float>(info, 0, napi_float32_array, "slab", "Float32Array");
  auto src = typed_arg<float>(info, 2, napi_float32_array, "src", "Float32Array");
  auto sum = typed_arg<double>(info, 5, napi_float64_array, "sum", "Float64Array");
  auto out = typed_arg<double>(info, 7, napi_float64_array, "out", "Float64Array");
  const size_t dim = sum.ElementLength();
  const double row_offset = info[1].As<Napi::Number>().DoubleValue();
  const double src_offset = info[3].As<Napi::Number>().DoubleValue();
  const double scale = info[4].As<Napi::Number>().DoubleValue();
  if (!fits(row_offset, dim, slab.ElementLength())) {
    fail(env, "ingestRow: rowOffset + dim must lie within the slab", true);
  }
  if (!fits(src_offset, dim, src.ElementLength())) {
    fail(env, "ingestRow: srcOffset + dim must lie within src", true);
  }
  if (out.ElementLength() < 2) fail(env, "ingestRow: out needs 2 elements", true);
  if (!std::isfinite(scale)) fail(env, "ingestRow: scale must be finite", true);
  const bool replacing = info[6].ToBoolean().Value();
  float* row = slab.Data() + static_cast<size_t>(row_offset);
  const float* from = src.Data() + static_cast<size_t>(src_offset);
  const IngestSums r = best_kernels().ingest(row, from, scale, sum.Data(), dim, replacing);
  out[0] = r.dot;
  out[1] = r.sum_sq;
  return env.Undefined();
}

// ingestRows(slab, dim, src, scales, slots, flags, outDot, outSumSq): ingestRow for n rows in one
// call (n = slots.length), row r of src into slab row slots[r]; flags[r]: 0 add, 1 replace the
// live row in that slot, 2 reset the sum to zero first (the window emptied). Sequential, so each
// row sees the sum the previous one left. One N-API call per batch instead of one per row.
Napi::Value IngestRows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 8) fail(env, "ingestRows takes 8 arguments");
  auto slab = typed_arg<float>(info, 0, napi_float32_array, "slab", "Float32Array");
  const uint32_t dim = uint_arg(info, 1, "dim", 1, 1 << 20);
  auto src = typed_arg<float>(info, 2, napi_float32_array, "src", "Float32Array");
  auto scales = typed_arg<double>(info, 3, napi_float64_array, "scales", "Float64Array");
  auto slots = typed_arg<uint32_t>(info, 4, napi_uint32_array, "slots", "Uint32Array");
  auto flags = typed_arg<uint8_t>(info, 5, napi_uint8_array, "flags", "Uint8Array");
  auto sum = typed_arg<double>(info, 6, napi_float64_array, "sum", "Float64Array");
  auto out = typed_arg<double>(info, 7, napi_float64_array, "out", "Float64Array");
  const size_t n = slots.ElementLength();
  const size_t slab_rows = slab.ElementLength() / dim;
  if (sum.ElementLength() != dim) fail(env, "ingestRows: sum must hold dim values", true);
  if (src.ElementLength() < n * dim || scales.ElementLength() < n || flags.ElementLength() < n ||
      out.ElementLength() < 2 * n) {
    fail(env, "ingestRows: src, scales, flags and out must cover every row", true);
  }
  for (size_t r = 0; r < n; ++r) {
    if (slots[r] >= slab_rows) fail(env, "ingestRows: a slot lies outside the slab", true);
    if (!std::isfinite(scales[r])) fail(env, "ingestRows: scales must be finite", true);
  }
  const IngestFn ingest = best_kernels().ingest;
  double* s = sum.Data();
  for (size_t r = 0; r < n; ++r) {
    if (flags[r] == 2) std::fill(s, s + dim, 0.0);
    float* row = slab.Data() + static_cast<size_t>(slots[r]) * dim;
    const float* from = src.Data() + r * dim;
    const bool replacing = flags[r] == 1;
    const IngestSums res = ingest(row, from, scales[r], s, dim, replacing);
    out[2 * r] = res.dot;
    out[2 * r + 1] = res.sum_sq;
  }
  return env.Undefined();
}

// rowSumSquares(src, dim, out): out[r] = |row r of src|² for every whole row; out.length ≥ rows.
Napi::Value RowSumSquares(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 3) fail(env, "rowSumSquares takes 3 arguments");
  auto src = typed_arg<float>(info, 0, napi_float32_array, "src", "Float32Array");
  const uint32_t dim = uint_arg(info, 1, "dim", 1, 1 << 20);
  auto out = typed_arg<double>(info, 2, napi_float64_array, "out", "Float64Array");
  const size_t rows = src.ElementLength() / dim;
  if (out.ElementLength() < rows) fail(env, "rowSumSquares: out needs one element per row", true);
  best_kernels().row_sum_squares(src.Data(), dim, rows, out.Data());
  return env.Undefined();
}

}  // namespace

void register_ingest_bindings(Napi::Env env, Napi::Object exports) {
  export_bindings(env, exports,
                  {
                      {"ingestRow", IngestRow},
                      {"ingestRows", IngestRows},
                      {"rowSumSquares", RowSumSquares},
                  });
}

}  // namespace ringmem
