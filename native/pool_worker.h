// Scans on the libuv thread pool: the async worker every async binding queues, and the chunk
// scheme of a scan that several pool threads share.
//
// Sharing: each worker takes chunks of `chunk_rows` rows of the scan order (the segments,
// concatenated) from a counter shared by the workers of one scan until none are left, and keeps its
// own top-k. Chunks are taken in increasing order, so a worker offers its rows in scan order and
// its heap's tie rule agrees with the single scan's; the caller merges the workers' lists by
// (score, scan position). Work stealing instead of fixed halves: on a shared machine one pool
// thread may get a busy core, and the others then simply take more chunks.
#pragma once

#include <napi.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <functional>
#include <string>
#include <vector>

namespace ringmem {

// Atomically takes the next chunk number from a counter shared by the workers of one scan.
inline int32_t take_chunk(int32_t* counter) {
#if defined(_MSC_VER) && !defined(__clang__)
  return static_cast<int32_t>(_InterlockedExchangeAdd(reinterpret_cast<volatile long*>(counter), 1));
#else
  return __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
#endif
}

// Takes chunks from `counter` until none are left and calls scan(piece, n, begin) for each: the
// chunk's rows as n (start, end) pairs in `piece` (sized here), and its first scan position.
template <typename Scan>
void for_each_taken_chunk(int32_t* counter, uint32_t chunk_rows, uint64_t total,
                          const uint32_t* segments, size_t segment_count,
                          std::vector<uint32_t>& piece, Scan&& scan) {
  const uint64_t chunks = (total + chunk_rows - 1) / chunk_rows;
  if (piece.size() < 2 * segment_count) piece.resize(2 * segment_count);
  for (;;) {
    const int32_t taken = take_chunk(counter);
    if (taken < 0 || static_cast<uint64_t>(taken) >= chunks) break;
    const uint64_t begin = static_cast<uint64_t>(taken) * chunk_rows;
    const uint64_t end = std::min(total, begin + chunk_rows);
    size_t n = 0;
    uint64_t pos = 0;  // scan position of the current segment's first row
    for (size_t s = 0; s < segment_count && pos < end; ++s) {
      const uint32_t start = segments[2 * s];
      const uint64_t len = segments[2 * s + 1] - start;
      const uint64_t from = std::max(begin, pos);
      const uint64_t to = std::min(end, pos + len);
      if (from < to) {
        piece[2 * n] = static_cast<uint32_t>(start + (from - pos));
        piece[2 * n + 1] = static_cast<uint32_t>(start + (to - pos));
        ++n;
      }
      pos += len;
    }
    scan(piece.data(), n, begin);
  }
}

// Runs `job` on the libuv pool and settles a promise: with the job's count when `resolve_count`,
// else with undefined. References to every object argument of the call are held until the worker
// is destroyed, so the GC cannot free memory the kernel is reading or writing. A job may throw
// std::exception only (a buffer that cannot grow); that rejects the promise as "scan failed: …".
class PoolWorker : public Napi::AsyncWorker {
 public:
  PoolWorker(const Napi::CallbackInfo& info, const char* name, std::function<size_t()> job,
             bool resolve_count)
      : Napi::AsyncWorker(info.Env(), name), deferred_(Napi::Promise::Deferred::New(info.Env())),
        job_(std::move(job)), resolve_count_(resolve_count) {
    for (size_t i = 1; i < info.Length(); ++i) {
      if (info[i].IsObject()) refs_.push_back(Napi::Persistent(info[i].As<Napi::Object>()));
    }
  }

  // Queues the worker (it deletes itself once settled) and returns its promise.
  static Napi::Promise Start(const Napi::CallbackInfo& info, const char* name,
                             std::function<size_t()> job, bool resolve_count) {
    auto* worker = new PoolWorker(info, name, std::move(job), resolve_count);
    Napi::Promise promise = worker->deferred_.Promise();
    worker->Queue();
    return promise;
  }

 protected:
  void Execute() override {
    try {
      count_ = job_();
    } catch (const std::exception& e) {
      SetError(std::string("scan failed: ") + e.what());
    }
  }

  void OnOK() override {
    deferred_.Resolve(resolve_count_ ? Napi::Number::New(Env(), static_cast<double>(count_))
                                     : Env().Undefined());
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::function<size_t()> job_;
  bool resolve_count_;
  std::vector<Napi::ObjectReference> refs_;
  size_t count_ = 0;
};

// Runs `job` on the calling (main) thread: a std::exception becomes a JS Error "scan failed: …".
template <typename Job>
size_t run_here(Napi::Env env, Job&& job) {
  try {
    return job();
  } catch (const std::exception& e) {
    // Only a heap buffer can fail to grow (k <= 10000 entries); never let it escape as a crash.
    throw Napi::Error::New(env, std::string("scan failed: ") + e.what());
  }
}

}  // namespace ringmem
