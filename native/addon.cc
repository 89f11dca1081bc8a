// The addon's entry point: fills the dispatch table once (dispatch.h), then registers the binding
// groups, one file each by job:
//   bind_scan.cc     topK, topKAsync, topKAsyncShared      — the single-query f32 scan
//   bind_many.cc     topKMany, topKManyShared              — many queries in one pass
//   bind_compact.cc  topKCompact                           — f16 / int8 rows
//   bind_ingest.cc   ingestRow, ingestRows, rowSumSquares  — raw-vector ingest and row norms
//   bind_memory.cc   addressMod64, adviseHugePages         — placing the slab in memory
// Shared pieces: bind_args.h (argument checks, second line behind src/kernel's validation) and
// pool_worker.h (the libuv pool worker and the shared-scan chunk scheme).
#include <napi.h>

#include "bindings.h"
#include "dispatch.h"

namespace ringmem {
namespace {

// The ISAs this CPU runs, best first, so index 0 is what an unforced load picks.
Napi::Value AvailableIsas(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  uint32_t n = 0;
  for (Isa isa : kIsaPreference) {
    if (kernels_for(isa) != nullptr) out.Set(n++, Napi::String::New(env, kIsaNames[isa]));
  }
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  init_kernels();
  Napi::Array names = Napi::Array::New(env, kIsaCount);
  for (uint32_t i = 0; i < kIsaCount; ++i) names.Set(i, Napi::String::New(env, kIsaNames[i]));
  exports.Set("isaNames", names);
  exports.Set("availableIsas", Napi::Function::New(env, AvailableIsas, "availableIsas"));
  register_scan_bindings(env, exports);
  register_many_bindings(env, exports);
  register_compact_bindings(env, exports);
  register_ingest_bindings(env, exports);
  register_memory_bindings(env, exports);
  return exports;
}

}  // namespace
}  // namespace ringmem

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  return ringmem::Init(env, exports);
}

NODE_API_MODULE(ringmem_kernel, InitModule)
