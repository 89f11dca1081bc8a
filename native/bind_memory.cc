// Memory helpers for the slab's ArrayBuffer: its address modulo a cache line, and huge pages.
#include <cmath>
#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "bind_args.h"
#include "bindings.h"

namespace ringmem {
namespace {

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

}  // namespace

void register_memory_bindings(Napi::Env env, Napi::Object exports) {
  export_bindings(env, exports,
                  {
                      {"addressMod64", AddressMod64},
                      {"adviseHugePages", AdviseHugePages},
                  });
}

}  // namespace ringmem
