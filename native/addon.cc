// N-API surface of the scan kernel: argument checks, ISA dispatch, sync and async entry points.
//
// The TypeScript wrapper (src/kernel/native-kernel.ts) validates everything first and gives the
// friendly messages; the checks here are the second line, so a direct caller of the addon can
// never make a kernel read or write out of bounds. Typed arrays are used in place (zero-copy):
// the kernels read the slab and write the caller's output arrays through their data pointers.
//
// node-addon-api is built with C++ exceptions, so every napi_status it sees is checked and a
// failure surfaces as a JS exception; our own errors carry `code` = ERR_KERNEL_ARGUMENT or
// ERR_KERNEL_ISA_UNAVAILABLE.
#include <napi.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "compact.h"
#include "cpu_features.h"
#include "ingest.h"
#include "many.h"
#include "scan.h"

namespace ringmem {
namespace {

// Indices match ISA_NAMES, which the TS wrapper uses to pass the ISA as a small integer.
enum Isa : uint32_t { kScalar = 0, kAvx2Fma = 1, kAvx512f = 2, kNeon = 3, kIsaCount = 4 };
const char* const kIsaNames[kIsaCount] = {"scalar", "avx2-fma", "avx512f", "neon"};

// Mirrors MAX_TOP_K in src/kernel/types.ts.
constexpr uint32_t kMaxTopK = 10000;

CpuFeatures g_features;
ScanFn g_kernels[kIsaCount] = {nullptr, nullptr, nullptr, nullptr};
ManyFn g_many[kIsaCount] = {nullptr, nullptr, nullptr, nullptr};

void init_kernels() {
  g_features = probe_cpu_features();
  g_kernels[kScalar] = scan_scalar;
  g_many[kScalar] = many_scalar;
#if defined(__x86_64__) || defined(_M_X64)
  if (g_features.avx2_fma) g_kernels[kAvx2Fma] = scan_avx2_fma, g_many[kAvx2Fma] = many_avx2_fma;
  if (g_features.avx512f) g_kernels[kAvx512f] = scan_avx512f, g_many[kAvx512f] = many_avx512f;
#endif
#if defined(__aarch64__) || defined(_M_ARM64)
  if (g_features.neon) g_kernels[kNeon] = scan_neon, g_many[kNeon] = many_neon;
#endif
}

[[noreturn]] void fail(Napi::Env env, const std::string& message, bool range = false,
                       const char* code = "ERR_KERNEL_ARGUMENT") {
  Napi::Error err = range ? static_cast<Napi::Error>(Napi::RangeError::New(env, message))
                          : static_cast<Napi::Error>(Napi::TypeError::New(env, message));
  err.Set("code", Napi::String::New(env, code));
  throw err;
}

template <typename T>
Napi::TypedArrayOf<T> typed_arg(const Napi::CallbackInfo& info, size_t i, napi_typedarray_type type,
                                const char* name, const char* type_name) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type) {
    fail(info.Env(), std::string(name) + " must be a " + type_name);
  }
  return v.As<Napi::TypedArrayOf<T>>();
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

// Everything a scan needs, taken from (isa, slab, dim, segments, query, k, outIdx, outScores,
// skipMask?) after checking that the kernel can only touch memory the arrays own.
struct ScanCall {
  ScanFn fn;
  ScanArgs args;
  uint64_t rows_scanned;  // total length of the segments
  size_t k;
  int32_t* out_idx;
  float* out_scores;
};

ScanCall parse_call(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 8) fail(env, "topK expects 8 or 9 arguments");
  const uint32_t isa = uint_arg(info, 0, "isa", 0, kIsaCount - 1);
  if (g_kernels[isa] == nullptr) {
    fail(env, std::string("ISA ") + kIsaNames[isa] + " is not available on this CPU", false,
         "ERR_KERNEL_ISA_UNAVAILABLE");
  }
  auto slab = typed_arg<float>(info, 1, napi_float32_array, "slab", "Float32Array");
  const uint32_t dim = uint_arg(info, 2, "dim", 1, 2147483647.0);
  auto segments = typed_arg<uint32_t>(info, 3, napi_uint32_array, "segments", "Uint32Array");
  auto query = typed_arg<float>(info, 4, napi_float32_array, "query", "Float32Array");
  const uint32_t k = uint_arg(info, 5, "k", 1, kMaxTopK);
  auto out_idx = typed_arg<int32_t>(info, 6, napi_int32_array, "outIdx", "Int32Array");
  auto out_scores = typed_arg<float>(info, 7, napi_float32_array, "outScores", "Float32Array");

  if (query.ElementLength() != dim) {
    fail(env, "query length " + std::to_string(query.ElementLength()) + " must equal dim " +
                  std::to_string(dim), true);
  }
  if (out_idx.ElementLength() < k || out_scores.ElementLength() < k) {
    fail(env, "outIdx and outScores must hold at least k = " + std::to_string(k) + " entries", true);
  }
  if (segments.ElementLength() % 2 != 0) {
    fail(env, "segments must hold (start, end) pairs: even length", true);
  }
  const size_t rows = slab.ElementLength() / dim;
  if (rows > 2147483647u) fail(env, "slab holds more rows than an Int32Array can index", true);
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

  const uint8_t* skip = nullptr;
  if (info.Length() > 8 && !info[8].IsUndefined() && !info[8].IsNull()) {
    auto mask = typed_arg<uint8_t>(info, 8, napi_uint8_array, "skipMask", "Uint8Array");
    if (mask.ElementLength() < rows) {
      fail(env, "skipMask length " + std::to_string(mask.ElementLength()) +
                    " must be at least the slab's row count " + std::to_string(rows), true);
    }
    skip = mask.Data();
  }

  ScanCall call;
  call.fn = g_kernels[isa];
  call.args = ScanArgs{slab.Data(), dim, seg, segments.ElementLength() / 2, query.Data(), skip};
  call.rows_scanned = scanned;
  call.k = k;
  call.out_idx = out_idx.Data();
  call.out_scores = out_scores.Data();
  return call;
}

// Heap storage reused by every scan on the same thread (main thread or a libuv pool thread), so a
// scan allocates nothing once the buffers have grown.
thread_local std::vector<HeapEntry> t_heap_storage;
thread_local std::vector<uint32_t> t_chunk_segments;

size_t run_scan(const ScanCall& c) {
  TopK heap(t_heap_storage, c.k);
  c.fn(c.args, heap);
  return heap.finish(c.out_idx, c.out_scores);
}

Napi::Value TopKSync(const Napi::CallbackInfo& info) {
  const ScanCall call = parse_call(info);
  size_t hits = 0;
  try {
    hits = run_scan(call);
  } catch (const std::exception& e) {
    // Only the heap buffer can fail to grow (k <= 10000 entries); never let it escape as a crash.
    throw Napi::Error::New(info.Env(), std::string("scan failed: ") + e.what());
  }
  return Napi::Number::New(info.Env(), static_cast<double>(hits));
}

// Atomically takes the next chunk number from a counter shared by the workers of one scan.
int32_t take_chunk(int32_t* counter) {
#if defined(_MSC_VER) && !defined(__clang__)
  return static_cast<int32_t>(_InterlockedExchangeAdd(reinterpret_cast<volatile long*>(counter), 1));
#else
  return __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
#endif
}

// One worker of a scan shared by several pool threads: it takes chunks of `chunk_rows` rows of
// the scan order (the segments, concatenated) from the shared counter until none are left, and
// keeps its own top-k. Chunks are taken in increasing order, so a worker offers its rows in scan
// order and its heap's tie rule agrees with the single scan's; the caller merges the workers'
// lists by (score, scan position). Work stealing instead of fixed halves: on a shared machine one
// pool thread may get a busy core, and the others then simply take more chunks.
size_t run_chunked(const ScanCall& c, int32_t* counter, uint32_t chunk_rows) {
  TopK heap(t_heap_storage, c.k);
  const uint64_t total = c.rows_scanned;
  const uint64_t chunks = (total + chunk_rows - 1) / chunk_rows;
  std::vector<uint32_t>& piece = t_chunk_segments;
  if (piece.size() < 2 * c.args.segment_count) piece.resize(2 * c.args.segment_count);
  for (;;) {
    const int32_t taken = take_chunk(counter);
    if (taken < 0 || static_cast<uint64_t>(taken) >= chunks) break;
    const uint64_t begin = static_cast<uint64_t>(taken) * chunk_rows;
    const uint64_t end = std::min(total, begin + chunk_rows);
    size_t n = 0;
    uint64_t pos = 0;  // scan position of the current segment's first row
    for (size_t s = 0; s < c.args.segment_count && pos < end; ++s) {
      const uint32_t start = c.args.segments[2 * s];
      const uint64_t len = c.args.segments[2 * s + 1] - start;
      const uint64_t from = std::max(begin, pos);
      const uint64_t to = std::min(end, pos + len);
      if (from < to) {
        piece[2 * n] = static_cast<uint32_t>(start + (from - pos));
        piece[2 * n + 1] = static_cast<uint32_t>(start + (to - pos));
        ++n;
      }
      pos += len;
    }
    ScanArgs args = c.args;
    args.segments = piece.data();
    args.segment_count = n;
    c.fn(args, heap);
  }
  return heap.finish(c.out_idx, c.out_scores);
}

// Runs one scan on the libuv thread pool. References to every typed array argument are held
// until the worker is destroyed, so the GC cannot free the memory the kernel is reading/writing.
class ScanWorker : public Napi::AsyncWorker {
 public:
  // With a counter, this is one worker of a shared scan (run_chunked); else the whole scan.
  ScanWorker(Napi::Env env, const Napi::CallbackInfo& info, const ScanCall& call,
             int32_t* counter = nullptr, uint32_t chunk_rows = 0)
      : Napi::AsyncWorker(env, "ringmem:scan"), deferred_(Napi::Promise::Deferred::New(env)),
        call_(call), counter_(counter), chunk_rows_(chunk_rows) {
    for (size_t i = 1; i < info.Length() && i <= 9; ++i) {
      if (info[i].IsObject()) refs_.push_back(Napi::Persistent(info[i].As<Napi::Object>()));
    }
  }

  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      hits_ = counter_ != nullptr ? run_chunked(call_, counter_, chunk_rows_) : run_scan(call_);
    } catch (const std::exception& e) {
      SetError(std::string("scan failed: ") + e.what());
    }
  }

  void OnOK() override { deferred_.Resolve(Napi::Number::New(Env(), static_cast<double>(hits_))); }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  ScanCall call_;
  int32_t* counter_;
  uint32_t chunk_rows_;
  std::vector<Napi::ObjectReference> refs_;
  size_t hits_ = 0;
};

Napi::Value TopKAsync(const Napi::CallbackInfo& info) {
  const ScanCall call = parse_call(info);
  auto* worker = new ScanWorker(info.Env(), info, call);
  Napi::Promise promise = worker->Promise();
  worker->Queue();  // the worker deletes itself after OnOK/OnError
  return promise;
}

// topKAsyncShared(isa, slab, dim, segments, query, k, outIdx, outScores, skipMask | undefined,
// counter, chunkRows): one worker of a scan several pool threads share (see run_chunked). Every
// worker of one scan gets the same arguments but its own outIdx/outScores; `counter` is an
// Int32Array whose element 0 starts at 0 and is shared by them all.
Napi::Value TopKAsyncShared(const Napi::CallbackInfo& info) {
  if (info.Length() < 11) fail(info.Env(), "topKAsyncShared expects 11 arguments");
  const ScanCall call = parse_call(info);
  auto counter = typed_arg<int32_t>(info, 9, napi_int32_array, "counter", "Int32Array");
  if (counter.ElementLength() < 1) fail(info.Env(), "counter must hold at least one element", true);
  const uint32_t chunk_rows = uint_arg(info, 10, "chunkRows", 1, 2147483647.0);
  // The counter is an int32 that every worker bumps once past the last chunk: keep headroom.
  if ((call.rows_scanned + chunk_rows - 1) / chunk_rows > 2147483647ull - 65536ull) {
    fail(info.Env(), "chunkRows is too small for this scan: more than 2^31 - 65536 chunks", true);
  }
  auto* worker = new ScanWorker(info.Env(), info, call, counter.Data(), chunk_rows);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// topKMany(isa, slab, dim, segments, queries, k, outIdx, outScores, outHits, skipMask?, from?, to?,
// countAtLeast?, outCounts?): nq = queries.length / dim queries in one pass over the rows (many.h);
// query q's hits go to outIdx/outScores[q·k, q·k + outHits[q]); with outCounts, outCounts[q] = rows
// scoring >= countAtLeast. The TS wrapper validates first; these checks keep direct callers in bounds.
thread_local std::vector<HeapEntry> t_many_storage;
thread_local std::vector<TopK> t_many_heaps;
thread_local std::vector<uint32_t> t_many_chunk;

struct ManyCall {
  ManyFn fn;
  ManyArgs args;
  uint64_t rows_scanned;
  size_t k;
  int32_t* out_idx;
  float* out_scores;
  uint32_t* out_hits;
};

ManyCall parse_many(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 9) fail(env, "topKMany expects 9 to 14 arguments");
  const uint32_t isa = uint_arg(info, 0, "isa", 0, kIsaCount - 1);
  if (g_many[isa] == nullptr) {
    fail(env, std::string("ISA ") + kIsaNames[isa] + " is not available on this CPU", false,
         "ERR_KERNEL_ISA_UNAVAILABLE");
  }
  auto slab = typed_arg<float>(info, 1, napi_float32_array, "slab", "Float32Array");
  const uint32_t dim = uint_arg(info, 2, "dim", 1, 2147483647.0);
  auto segments = typed_arg<uint32_t>(info, 3, napi_uint32_array, "segments", "Uint32Array");
  auto queries = typed_arg<float>(info, 4, napi_float32_array, "queries", "Float32Array");
  const uint32_t k = uint_arg(info, 5, "k", 1, kMaxTopK);
  auto out_idx = typed_arg<int32_t>(info, 6, napi_int32_array, "outIdx", "Int32Array");
  auto out_scores = typed_arg<float>(info, 7, napi_float32_array, "outScores", "Float32Array");
  auto out_hits = typed_arg<uint32_t>(info, 8, napi_uint32_array, "outHits", "Uint32Array");
  if (queries.ElementLength() % dim != 0) fail(env, "queries must hold whole rows of dim", true);
  const size_t nq = queries.ElementLength() / dim;
  if (out_idx.ElementLength() < nq * k || out_scores.ElementLength() < nq * k ||
      out_hits.ElementLength() < nq) {
    fail(env, "outIdx and outScores must hold nq × k entries and outHits nq", true);
  }
  if (segments.ElementLength() % 2 != 0) fail(env, "segments must have even length", true);
  const size_t rows = slab.ElementLength() / dim;
  if (rows > 2147483647u) fail(env, "slab holds more rows than an Int32Array can index", true);
  uint64_t scanned = 0;
  const uint32_t* seg = segments.Data();
  for (size_t s = 0; s + 1 < segments.ElementLength(); s += 2) {
    if (seg[s] > seg[s + 1] || seg[s + 1] > rows) fail(env, "a segment lies outside the slab", true);
    scanned += seg[s + 1] - seg[s];
  }
  if (scanned > 0xFFFFFFFFull) fail(env, "segments cover more than 2^32 - 1 rows in total", true);
  auto present = [&](size_t i) {
    return info.Length() > i && !info[i].IsUndefined() && !info[i].IsNull();
  };
  const uint8_t* skip = nullptr;
  if (present(9)) {
    auto mask = typed_arg<uint8_t>(info, 9, napi_uint8_array, "skipMask", "Uint8Array");
    if (mask.ElementLength() < rows) fail(env, "skipMask must cover every row of the slab", true);
    skip = mask.Data();
  }
  const uint32_t* from = nullptr;
  const uint32_t* to = nullptr;
  if (present(10) || present(11)) {
    auto f = typed_arg<uint32_t>(info, 10, napi_uint32_array, "from", "Uint32Array");
    auto t = typed_arg<uint32_t>(info, 11, napi_uint32_array, "to", "Uint32Array");
    if (f.ElementLength() < nq || t.ElementLength() < nq) fail(env, "from and to need nq entries", true);
    from = f.Data();
    to = t.Data();
  }
  float at_least = 0.0f;
  uint32_t* counts = nullptr;
  if (present(13)) {
    if (!info[12].IsNumber()) fail(env, "countAtLeast must be a number");
    const double d = info[12].As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d)) fail(env, "countAtLeast must be finite", true);
    at_least = static_cast<float>(d);
    auto c = typed_arg<uint32_t>(info, 13, napi_uint32_array, "outCounts", "Uint32Array");
    if (c.ElementLength() < nq) fail(env, "outCounts needs nq entries", true);
    counts = c.Data();
  }
  ManyCall call;
  call.fn = g_many[isa];
  call.args = ManyArgs{slab.Data(), dim, seg, segments.ElementLength() / 2, queries.Data(), nq,
                       skip, from, to, at_least, counts};
  call.rows_scanned = scanned;
  call.k = k;
  call.out_idx = out_idx.Data();
  call.out_scores = out_scores.Data();
  call.out_hits = out_hits.Data();
  return call;
}

// Runs the many-queries scan over the chunks this thread takes (all of it without a counter).
// Throws std::bad_alloc only; callers turn that into a JS error.
void run_many(const ManyCall& c, int32_t* counter, uint32_t chunk_rows) {
  const size_t nq = c.args.nq;
  if (c.args.counts != nullptr) std::fill(c.args.counts, c.args.counts + nq, 0u);
  if (t_many_storage.size() < nq * c.k) t_many_storage.resize(nq * c.k);
  t_many_heaps.clear();
  for (size_t q = 0; q < nq; ++q) t_many_heaps.emplace_back(t_many_storage.data() + q * c.k, c.k);
  if (counter == nullptr) {
    c.fn(c.args, t_many_heaps.data());
  } else {
    const uint64_t total = c.rows_scanned;
    const uint64_t chunks = (total + chunk_rows - 1) / chunk_rows;
    std::vector<uint32_t>& piece = t_many_chunk;
    if (piece.size() < 2 * c.args.segment_count) piece.resize(2 * c.args.segment_count);
    for (;;) {
      const int32_t taken = take_chunk(counter);
      if (taken < 0 || static_cast<uint64_t>(taken) >= chunks) break;
      const uint64_t begin = static_cast<uint64_t>(taken) * chunk_rows;
      const uint64_t end = std::min(total, begin + chunk_rows);
      size_t n = 0;
      uint64_t pos = 0;
      for (size_t s = 0; s < c.args.segment_count && pos < end; ++s) {
        const uint32_t start = c.args.segments[2 * s];
        const uint64_t len = c.args.segments[2 * s + 1] - start;
        const uint64_t a = std::max(begin, pos);
        const uint64_t b = std::min(end, pos + len);
        if (a < b) {
          piece[2 * n] = static_cast<uint32_t>(start + (a - pos));
          piece[2 * n + 1] = static_cast<uint32_t>(start + (b - pos));
          ++n;
        }
        pos += len;
      }
      ManyArgs args = c.args;
      args.segments = piece.data();
      args.segment_count = n;
      args.pos_base = begin;
      c.fn(args, t_many_heaps.data());
    }
  }
  for (size_t q = 0; q < nq; ++q) {
    c.out_hits[q] = static_cast<uint32_t>(
        t_many_heaps[q].finish(c.out_idx + q * c.k, c.out_scores + q * c.k));
  }
}

Napi::Value TopKMany(const Napi::CallbackInfo& info) {
  const ManyCall call = parse_many(info);
  try {
    run_many(call, nullptr, 0);
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("scan failed: ") + e.what());
  }
  return info.Env().Undefined();
}

// One worker of a many-queries scan shared by pool threads (see run_chunked for the scheme).
class ManyWorker : public Napi::AsyncWorker {
 public:
  ManyWorker(Napi::Env env, const Napi::CallbackInfo& info, const ManyCall& call, int32_t* counter,
             uint32_t chunk_rows)
      : Napi::AsyncWorker(env, "ringmem:scan-many"), deferred_(Napi::Promise::Deferred::New(env)),
        call_(call), counter_(counter), chunk_rows_(chunk_rows) {
    for (size_t i = 1; i < info.Length(); ++i) {
      if (info[i].IsObject()) refs_.push_back(Napi::Persistent(info[i].As<Napi::Object>()));
    }
  }
  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      run_many(call_, counter_, chunk_rows_);
    } catch (const std::exception& e) {
      SetError(std::string("scan failed: ") + e.what());
    }
  }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  ManyCall call_;
  int32_t* counter_;
  uint32_t chunk_rows_;
  std::vector<Napi::ObjectReference> refs_;
};

// topKManyShared(...topKMany's 14 arguments, counter, chunkRows): one worker on the libuv pool;
// every worker of one scan gets the same arguments but its own outputs (outIdx, outScores,
// outHits, outCounts) and the same counter (element 0 starting at 0). The caller merges.
Napi::Value TopKManyShared(const Napi::CallbackInfo& info) {
  if (info.Length() < 16) fail(info.Env(), "topKManyShared expects 16 arguments");
  const ManyCall call = parse_many(info);
  auto counter = typed_arg<int32_t>(info, 14, napi_int32_array, "counter", "Int32Array");
  if (counter.ElementLength() < 1) fail(info.Env(), "counter must hold at least one element", true);
  const uint32_t chunk_rows = uint_arg(info, 15, "chunkRows", 1, 2147483647.0);
  if ((call.rows_scanned + chunk_rows - 1) / chunk_rows > 2147483647ull - 65536ull) {
    fail(info.Env(), "chunkRows is too small for this scan", true);
  }
  auto* worker = new ManyWorker(info.Env(), info, call, counter.Data(), chunk_rows);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// topKCompact(isa, precision, rows, scales, dim, segments, query, k, outIdx, outScores, skipMask?):
// top-k over compact rows (compact.h). precision 0 = f16 (rows a Uint16Array), 1 = int8 (rows an
// Int8Array, scales a Float32Array with one scale per row). The scalar ISA runs the scalar
// reference; every other ISA on x86 runs the AVX2 + F16C kernel when the CPU has it (the compact
// kernels are bandwidth-bound at a quarter to half the f32 bytes, so wider registers buy nothing
// measurable), else the scalar one. Returns the hit count.
Napi::Value TopKCompact(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 10) fail(env, "topKCompact expects 10 or 11 arguments");
  const uint32_t isa = uint_arg(info, 0, "isa", 0, kIsaCount - 1);
  if (g_kernels[isa] == nullptr) {
    fail(env, std::string("ISA ") + kIsaNames[isa] + " is not available on this CPU", false,
         "ERR_KERNEL_ISA_UNAVAILABLE");
  }
  const uint32_t precision = uint_arg(info, 1, "precision", 0, 1);
  const uint32_t dim = uint_arg(info, 4, "dim", 1, 2147483647.0);
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
  const size_t nrows = values / dim;
  if (nrows > 2147483647u) fail(env, "rows hold more rows than an Int32Array can index", true);
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
  if (segments.ElementLength() % 2 != 0) fail(env, "segments must have even length", true);
  const uint32_t* seg = segments.Data();
  for (size_t s = 0; s + 1 < segments.ElementLength(); s += 2) {
    if (seg[s] > seg[s + 1] || seg[s + 1] > nrows) fail(env, "a segment lies outside the rows", true);
  }
  const uint8_t* skip = nullptr;
  if (info.Length() > 10 && !info[10].IsUndefined() && !info[10].IsNull()) {
    auto mask = typed_arg<uint8_t>(info, 10, napi_uint8_array, "skipMask", "Uint8Array");
    if (mask.ElementLength() < nrows) fail(env, "skipMask must cover every row", true);
    skip = mask.Data();
  }
  CompactFn fn = compact_scalar;
#if defined(__x86_64__) || defined(_M_X64)
  if (isa != kScalar && g_features.avx2_fma && g_features.f16c) fn = compact_avx2;
#endif
  const CompactArgs args{precision == 0 ? Precision::kF16 : Precision::kInt8, rows, scales, dim,
                         seg, segments.ElementLength() / 2, query.Data(), skip};
  size_t hits = 0;
  try {
    TopK heap(t_heap_storage, k);
    fn(args, heap);
    hits = heap.finish(out_idx.Data(), out_scores.Data());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string("scan failed: ") + e.what());
  }
  return Napi::Number::New(env, static_cast<double>(hits));
}

// Address of an ArrayBuffer's data modulo 64, so JS can place a Float32Array view on a cache-line
// boundary (see src/kernel/aligned.ts for what that is measured to buy).
Napi::Value AddressMod64(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsArrayBuffer()) fail(info.Env(), "addressMod64 expects an ArrayBuffer");
  const auto address = reinterpret_cast<uintptr_t>(info[0].As<Napi::ArrayBuffer>().Data());
  return Napi::Number::New(info.Env(), static_cast<double>(address % 64));
}

// Asks Linux to back the whole 2 MiB pages inside [byteOffset, byteOffset + byteLength) of an
// ArrayBuffer with transparent huge pages (madvise MADV_HUGEPAGE). Why: a scan streams the whole
// slab, and with 4 KiB pages a 7.7 MB slab spans ~1,900 pages — more than the L2 TLB holds — so
// part of every scan waits on page walks (src/kernel/aligned.ts has the measurement). Best effort:
// returns false where the OS has no such advice, THP is disabled, or the range holds no whole huge
// page; the memory is correct either way. Pages already touched are collapsed later by khugepaged.
Napi::Value AdviseHugePages(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsArrayBuffer() || !info[1].IsNumber() || !info[2].IsNumber()) {
    fail(env, "adviseHugePages expects (ArrayBuffer, byteOffset, byteLength)");
  }
  Napi::ArrayBuffer buffer = info[0].As<Napi::ArrayBuffer>();
  const double offset = info[1].As<Napi::Number>().DoubleValue();
  const double length = info[2].As<Napi::Number>().DoubleValue();
  const double size = static_cast<double>(buffer.ByteLength());
  if (!(offset >= 0) || !(length >= 0) || offset + length > size || offset != std::floor(offset) ||
      length != std::floor(length)) {
    fail(env, "adviseHugePages: the range must lie inside the buffer");
  }
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr uintptr_t kHuge = uintptr_t{1} << 21;
  const auto base = reinterpret_cast<uintptr_t>(buffer.Data());
  const uintptr_t begin = (base + static_cast<uintptr_t>(offset) + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t end = (base + static_cast<uintptr_t>(offset + length)) & ~(kHuge - 1);
  if (end <= begin) return Napi::Boolean::New(env, false);
  const int rc = madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
  return Napi::Boolean::New(env, rc == 0);
#else
  return Napi::Boolean::New(env, false);
#endif
}

Napi::Value AvailableIsas(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  uint32_t n = 0;
  // Best first, so index 0 is what an unforced load picks.
  const Isa order[kIsaCount] = {kAvx512f, kAvx2Fma, kNeon, kScalar};
  for (Isa isa : order) {
    if (g_kernels[isa] != nullptr) out.Set(n++, Napi::String::New(env, kIsaNames[isa]));
  }
  return out;
}

// The best ingest routine this CPU runs (AVX2 where available), for ingestRow and ingestRows.
IngestSums ingest_best(float* row, const float* from, double scale, double* sum, size_t dim,
                       bool replacing) {
#if defined(__x86_64__) || defined(_M_X64)
  if (g_features.avx2_fma) return ingest_avx2(row, from, scale, sum, dim, replacing);
#endif
  return ingest_scalar(row, from, scale, sum, dim, replacing);
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
  if (!(row_offset >= 0) || std::floor(row_offset) != row_offset ||
      row_offset + static_cast<double>(dim) > static_cast<double>(slab.ElementLength())) {
    fail(env, "ingestRow: rowOffset + dim must lie within the slab", true);
  }
  if (!(src_offset >= 0) || std::floor(src_offset) != src_offset ||
      src_offset + static_cast<double>(dim) > static_cast<double>(src.ElementLength())) {
    fail(env, "ingestRow: srcOffset + dim must lie within src", true);
  }
  if (out.ElementLength() < 2) fail(env, "ingestRow: out needs 2 elements", true);
  if (!std::isfinite(scale)) fail(env, "ingestRow: scale must be finite", true);
  const bool replacing = info[6].ToBoolean().Value();
  float* row = slab.Data() + static_cast<size_t>(row_offset);
  const float* from = src.Data() + static_cast<size_t>(src_offset);
  const IngestSums r = ingest_best(row, from, scale, sum.Data(), dim, replacing);
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
  double* s = sum.Data();
  for (size_t r = 0; r < n; ++r) {
    if (flags[r] == 2) std::fill(s, s + dim, 0.0);
    float* row = slab.Data() + static_cast<size_t>(slots[r]) * dim;
    const float* from = src.Data() + r * dim;
    const bool replacing = flags[r] == 1;
    const IngestSums res = ingest_best(row, from, scales[r], s, dim, replacing);
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
  row_sum_squares(src.Data(), dim, rows, out.Data(), g_features.avx2_fma);
  return env.Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  init_kernels();
  Napi::Array names = Napi::Array::New(env, kIsaCount);
  for (uint32_t i = 0; i < kIsaCount; ++i) names.Set(i, Napi::String::New(env, kIsaNames[i]));
  exports.Set("isaNames", names);
  exports.Set("availableIsas", Napi::Function::New(env, AvailableIsas, "availableIsas"));
  exports.Set("topK", Napi::Function::New(env, TopKSync, "topK"));
  exports.Set("topKAsync", Napi::Function::New(env, TopKAsync, "topKAsync"));
  exports.Set("addressMod64", Napi::Function::New(env, AddressMod64, "addressMod64"));
  exports.Set("topKAsyncShared", Napi::Function::New(env, TopKAsyncShared, "topKAsyncShared"));
  exports.Set("adviseHugePages", Napi::Function::New(env, AdviseHugePages, "adviseHugePages"));
  exports.Set("ingestRow", Napi::Function::New(env, IngestRow, "ingestRow"));
  exports.Set("ingestRows", Napi::Function::New(env, IngestRows, "ingestRows"));
  exports.Set("topKMany", Napi::Function::New(env, TopKMany, "topKMany"));
  exports.Set("topKManyShared", Napi::Function::New(env, TopKManyShared, "topKManyShared"));
  exports.Set("topKCompact", Napi::Function::New(env, TopKCompact, "topKCompact"));
  exports.Set("rowSumSquares", Napi::Function::New(env, RowSumSquares, "rowSumSquares"));
  return exports;
}

}  // namespace
}  // namespace ringmem

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  return ringmem::Init(env, exports);
}

NODE_API_MODULE(ringmem_kernel, InitModule)
