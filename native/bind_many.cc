// Bindings of the many-queries scan (many.h): topKMany (sync) and topKManyShared (one of several
// pool workers sharing a scan, see pool_worker.h).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "bind_args.h"
#include "bindings.h"
#include "pool_worker.h"

namespace ringmem {
namespace {

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

// topKMany(isa, slab, dim, segments, queries, k, outIdx, outScores, outHits, skipMask?, from?, to?,
// countAtLeast?, outCounts?): nq = queries.length / dim queries in one pass over the rows; query
// q's hits go to outIdx/outScores[q·k, q·k + outHits[q]); with outCounts, outCounts[q] = rows
// scoring >= countAtLeast. The TS wrapper validates first; these checks keep direct callers in bounds.
ManyCall parse_many(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 9) fail(env, "topKMany expects 9 to 14 arguments");
  ScanHead h = scan_head_arg(info, "queries");
  auto out_hits = typed_arg<uint32_t>(info, 8, napi_uint32_array, "outHits", "Uint32Array");
  const size_t dim = h.dim;
  const size_t k = h.k;
  if (h.query.ElementLength() % dim != 0) fail(env, "queries must hold whole rows of dim", true);
  const size_t nq = h.query.ElementLength() / dim;
  if (h.out_idx.ElementLength() < nq * k || h.out_scores.ElementLength() < nq * k ||
      out_hits.ElementLength() < nq) {
    fail(env, "outIdx and outScores must hold nq × k entries and outHits nq", true);
  }
  const uint8_t* skip = skip_arg(info, 9, h.rows);
  const uint32_t* from = nullptr;
  const uint32_t* to = nullptr;
  if (present(info, 10) || present(info, 11)) {
    auto f = typed_arg<uint32_t>(info, 10, napi_uint32_array, "from", "Uint32Array");
    auto t = typed_arg<uint32_t>(info, 11, napi_uint32_array, "to", "Uint32Array");
    if (f.ElementLength() < nq || t.ElementLength() < nq) fail(env, "from and to need nq entries", true);
    from = f.Data();
    to = t.Data();
  }
  float at_least = 0.0f;
  uint32_t* counts = nullptr;
  if (present(info, 13)) {
    if (!info[12].IsNumber()) fail(env, "countAtLeast must be a number");
    const double d = info[12].As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d)) fail(env, "countAtLeast must be finite", true);
    at_least = static_cast<float>(d);
    auto c = typed_arg<uint32_t>(info, 13, napi_uint32_array, "outCounts", "Uint32Array");
    if (c.ElementLength() < nq) fail(env, "outCounts needs nq entries", true);
    counts = c.Data();
  }
  ManyCall call;
  call.fn = h.kernels->many;
  call.args = ManyArgs{h.slab, dim,  h.segments, h.segment_count, h.query.Data(),
                       nq,     skip, from,       to,              at_least,
                       counts};
  call.rows_scanned = h.rows_scanned;
  call.k = k;
  call.out_idx = h.out_idx.Data();
  call.out_scores = h.out_scores.Data();
  call.out_hits = out_hits.Data();
  return call;
}

// Runs the many-queries scan over the chunks this thread takes (all of it without a counter).
// Throws std::bad_alloc only; callers turn that into a JS error.
size_t run_many(const ManyCall& c, const SharedChunks* shared) {
  const size_t nq = c.args.nq;
  if (c.args.counts != nullptr) std::fill(c.args.counts, c.args.counts + nq, 0u);
  if (t_many_storage.size() < nq * c.k) t_many_storage.resize(nq * c.k);
  t_many_heaps.clear();
  for (size_t q = 0; q < nq; ++q) t_many_heaps.emplace_back(t_many_storage.data() + q * c.k, c.k);
  if (shared == nullptr) {
    c.fn(c.args, t_many_heaps.data());
  } else {
    for_each_taken_chunk(shared->counter, shared->chunk_rows, c.rows_scanned, c.args.segments,
                         c.args.segment_count, t_many_chunk,
                         [&](const uint32_t* piece, size_t n, uint64_t begin) {
                           ManyArgs args = c.args;
                           args.segments = piece;
                           args.segment_count = n;
                           args.pos_base = begin;
                           c.fn(args, t_many_heaps.data());
                         });
  }
  for (size_t q = 0; q < nq; ++q) {
    c.out_hits[q] = static_cast<uint32_t>(
        t_many_heaps[q].finish(c.out_idx + q * c.k, c.out_scores + q * c.k));
  }
  return 0;
}

Napi::Value TopKMany(const Napi::CallbackInfo& info) {
  const ManyCall call = parse_many(info);
  run_here(info.Env(), [&] { return run_many(call, nullptr); });
  return info.Env().Undefined();
}

// topKManyShared(...topKMany's 14 arguments, counter, chunkRows): one worker on the libuv pool;
// every worker of one scan gets the same arguments but its own outputs (outIdx, outScores,
// outHits, outCounts) and the same counter (element 0 starting at 0). The caller merges.
Napi::Value TopKManyShared(const Napi::CallbackInfo& info) {
  if (info.Length() < 16) fail(info.Env(), "topKManyShared expects 16 arguments");
  const ManyCall call = parse_many(info);
  const SharedChunks shared = shared_chunks_arg(info, 14, call.rows_scanned);
  return PoolWorker::Start(
      info, "ringmem:scan-many", [call, shared] { return run_many(call, &shared); }, false);
}

}  // namespace

void register_many_bindings(Napi::Env env, Napi::Object exports) {
  export_bindings(env, exports, {{"topKMany", TopKMany}, {"topKManyShared", TopKManyShared}});
}

}  // namespace ringmem
