#include "bind_args.h"

#include <cmath>

namespace ringmem {

void fail(Napi::Env env, const std::string& message, bool range, const char* code) {
  Napi::Error err = range ? static_cast<Napi::Error>(Napi::RangeError::New(env, message))
                          : static_cast<Napi::Error>(Napi::TypeError::New(env, message));
  err.Set("code", Napi::String::New(env, code));
  throw err;
}

uint32_t uint_arg(const Napi::CallbackInfo& info, size_t i, const char* name, double min,
                  double max) {
  Napi::Value v = info[i];
  if (!v.IsNumber()) fail(info.Env(), std::string(name) + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= min && d <= max) || std::floor(d) != d) {
    fail(info.Env(),
         std::string(name) + " must be an integer from " + std::to_string(static_cast<uint64_t>(min)) +
             " to " + std::to_string(static_cast<uint64_t>(max)) + ", got " + std::to_string(d),
         true);
  }
  return static_cast<uint32_t>(d);
}

bool present(const Napi::CallbackInfo& info, size_t i) {
  return info.Length() > i && !info[i].IsUndefined() && !info[i].IsNull();
}

const Kernels& isa_arg(const Napi::CallbackInfo& info, size_t i) {
  const uint32_t isa = uint_arg(info, i, "isa", 0, kIsaCount - 1);
  const Kernels* kernels = kernels_for(isa);
  if (kernels == nullptr) {
    fail(info.Env(), std::string("ISA ") + kIsaNames[isa] + " is not available on this CPU", false,
         "ERR_KERNEL_ISA_UNAVAILABLE");
  }
  return *kernels;
}

size_t rows_of(Napi::Env env, size_t elements, uint32_t dim, const char* what) {
  const size_t rows = elements / dim;
  if (rows > 2147483647u) {
    fail(env, std::string(what) + " holds more rows than an Int32Array can index", true);
  }
  return rows;
}

uint64_t check_segments(Napi::Env env, const Napi::Uint32Array& segments, size_t rows) {
  if (segments.ElementLength() % 2 != 0) {
    fail(env, "segments must hold (start, end) pairs: even length", true);
  }
  uint64_t scanned = 0;
  const uint32_t* seg = segments.Data();
  for (size_t s = 0; s + 1 < segments.ElementLength(); s += 2) {
    if (seg[s] > seg[s + 1] || seg[s + 1] > rows) {
      fail(env, "segment " + std::to_string(s / 2) + " [" + std::to_string(seg[s]) + ", " +
                    std::to_string(seg[s + 1]) + ") must satisfy start <= end <= rows (" +
                    std::to_string(rows) + ")", true);
    }
    scanned += seg[s + 1] - seg[s];
  }
  if (scanned > 0xFFFFFFFFull) fail(env, "segments cover more than 2^32 - 1 rows in total", true);
  return scanned;
}

const uint8_t* skip_arg(const Napi::CallbackInfo& info, size_t i, size_t rows) {
  if (!present(info, i)) return nullptr;
  auto mask = typed_arg<uint8_t>(info, i, napi_uint8_array, "skipMask", "Uint8Array");
  if (mask.ElementLength() < rows) {
    fail(info.Env(), "skipMask length " + std::to_string(mask.ElementLength()) +
                         " must be at least the slab's row count " + std::to_string(rows), true);
  }
  return mask.Data();
}

ScanHead scan_head_arg(const Napi::CallbackInfo& info, const char* query_name) {
  ScanHead h;
  h.kernels = &isa_arg(info, 0);
  auto slab = typed_arg<float>(info, 1, napi_float32_array, "slab", "Float32Array");
  h.dim = uint_arg(info, 2, "dim", 1, kMaxInt32);
  auto segments = typed_arg<uint32_t>(info, 3, napi_uint32_array, "segments", "Uint32Array");
  h.query = typed_arg<float>(info, 4, napi_float32_array, query_name, "Float32Array");
  h.k = uint_arg(info, 5, "k", 1, kMaxTopK);
  h.out_idx = typed_arg<int32_t>(info, 6, napi_int32_array, "outIdx", "Int32Array");
  h.out_scores = typed_arg<float>(info, 7, napi_float32_array, "outScores", "Float32Array");
  h.slab = slab.Data();
  h.rows = rows_of(info.Env(), slab.ElementLength(), h.dim, "slab");
  h.segments = segments.Data();
  h.segment_count = segments.ElementLength() / 2;
  h.rows_scanned = check_segments(info.Env(), segments, h.rows);
  return h;
}

void export_bindings(Napi::Env env, Napi::Object exports,
                     std::initializer_list<Binding> bindings) {
  for (const Binding& b : bindings) exports.Set(b.name, Napi::Function::New(env, b.fn, b.name));
}

SharedChunks shared_chunks_arg(const Napi::CallbackInfo& info, size_t i, uint64_t rows_scanned) {
  auto counter = typed_arg<int32_t>(info, i, napi_int32_array, "counter", "Int32Array");
  if (counter.ElementLength() < 1) fail(info.Env(), "counter must hold at least one element", true);
  const uint32_t chunk_rows = uint_arg(info, i + 1, "chunkRows", 1, kMaxInt32);
  // The counter is an int32 that every worker bumps once past the last chunk: keep headroom.
  if ((rows_scanned + chunk_rows - 1) / chunk_rows > 2147483647ull - 65536ull) {
    fail(info.Env(), "chunkRows is too small for this scan: more than 2^31 - 65536 chunks", true);
  }
  return SharedChunks{counter.Data(), chunk_rows};
}

}  // namespace ringmem
