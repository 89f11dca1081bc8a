// Bindings of the single-query f32 scan: topK (sync), topKAsync (one pool thread) and
// topKAsyncShared (one of several pool workers sharing a scan, see pool_worker.h).
#include <cstdint>
#include <vector>

#include "bind_args.h"
#include "bindings.h"
#include "pool_worker.h"

namespace ringmem {
namespace {

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
  ScanHead h = scan_head_arg(info, "query");
  if (h.query.ElementLength() != h.dim) {
    fail(env, "query length " + std::to_string(h.query.ElementLength()) + " must equal dim " +
                  std::to_string(h.dim), true);
  }
  if (h.out_idx.ElementLength() < h.k || h.out_scores.ElementLength() < h.k) {
    fail(env, "outIdx and outScores must hold at least k = " + std::to_string(h.k) + " entries",
         true);
  }
  const uint8_t* skip = skip_arg(info, 8, h.rows);

  ScanCall call;
  call.fn = h.kernels->scan;
  call.args = ScanArgs{h.slab, h.dim, h.segments, h.segment_count, h.query.Data(), skip};
  call.rows_scanned = h.rows_scanned;
  call.k = h.k;
  call.out_idx = h.out_idx.Data();
  call.out_scores = h.out_scores.Data();
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

// One worker's share of a scan: the chunks it takes from the shared counter.
size_t run_chunked(const ScanCall& c, SharedChunks shared) {
  TopK heap(t_heap_storage, c.k);
  for_each_taken_chunk(shared.counter, shared.chunk_rows, c.rows_scanned, c.args.segments,
                       c.args.segment_count, t_chunk_segments,
                       [&](const uint32_t* piece, size_t n, uint64_t) {
                         ScanArgs args = c.args;
                         args.segments = piece;
                         args.segment_count = n;
                         c.fn(args, heap);
                       });
  return heap.finish(c.out_idx, c.out_scores);
}

Napi::Value TopKSync(const Napi::CallbackInfo& info) {
  const ScanCall call = parse_call(info);
  const size_t hits = run_here(info.Env(), [&] { return run_scan(call); });
  return Napi::Number::New(info.Env(), static_cast<double>(hits));
}

Napi::Value TopKAsync(const Napi::CallbackInfo& info) {
  const ScanCall call = parse_call(info);
  return PoolWorker::Start(info, "ringmem:scan", [call] { return run_scan(call); }, true);
}

// topKAsyncShared(isa, slab, dim, segments, query, k, outIdx, outScores, skipMask | undefined,
// counter, chunkRows): one worker of a scan several pool threads share. Every worker of one scan
// gets the same arguments but its own outIdx/outScores; `counter` is an Int32Array whose element 0
// starts at 0 and is shared by them all.
Napi::Value TopKAsyncShared(const Napi::CallbackInfo& info) {
  if (info.Length() < 11) fail(info.Env(), "topKAsyncShared expects 11 arguments");
  const ScanCall call = parse_call(info);
  const SharedChunks shared = shared_chunks_arg(info, 9, call.rows_scanned);
  return PoolWorker::Start(
      info, "ringmem:scan", [call, shared] { return run_chunked(call, shared); }, true);
}

}  // namespace

void register_scan_bindings(Napi::Env env, Napi::Object exports) {
  export_bindings(env, exports,
                  {
                      {"topK", TopKSync},
                      {"topKAsync", TopKAsync},
                      {"topKAsyncShared", TopKAsyncShared},
                  });
}

}  // namespace ringmem
