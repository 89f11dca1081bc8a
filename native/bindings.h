// The binding groups addon.cc registers: one file each, by job.
#pragma once

#include <napi.h>

namespace ringmem {

void register_scan_bindings(Napi::Env env, Napi::Object exports);     // bind_scan.cc
void register_many_bindings(Napi::Env env, Napi::Object exports);     // bind_many.cc
void register_compact_bindings(Napi::Env env, Napi::Object exports);  // bind_compact.cc
void register_ingest_bindings(Napi::Env env, Napi::Object exports);   // bind_ingest.cc
void register_memory_bindings(Napi::Env env, Napi::Object exports);   // bind_memory.cc

}  // namespace ringmem
