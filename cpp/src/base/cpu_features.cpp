#include "base/cpu_features.h"

#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#endif

namespace onyxrt {
namespace {

#if defined(__x86_64__) || defined(_M_X64)
unsigned long long read_xcr0() {
  unsigned eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<unsigned long long>(edx) << 32) | eax;
}

CpuFeatures detect() {
  CpuFeatures f;
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  bool osxsave = c & (1u << 27), fma = c & (1u << 12), f16c = c & (1u << 29);
  if (!osxsave) return f;
  unsigned long long xcr0 = read_xcr0();
  bool ymm = (xcr0 & 0x6) == 0x6, zmm = (xcr0 & 0xe6) == 0xe6;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return f;
  bool avx2 = b & (1u << 5);
  f.avx2_fma = ymm && avx2 && fma && f16c;
  bool avx512f = b & (1u << 16), dq = b & (1u << 17), bw = b & (1u << 30), vl = b & (1u << 31);
  f.avx512 = f.avx2_fma && zmm && avx512f && dq && bw && vl;
  f.avx512_vnni = f.avx512 && (c & (1u << 11));
  if (__get_cpuid_count(7, 1, &a, &b, &c, &d)) f.avx512_bf16 = f.avx512 && (a & (1u << 5));
  return f;
}
#else
CpuFeatures detect() {
  CpuFeatures f;
#if defined(__aarch64__)
  f.neon = true;
#endif
  return f;
}
#endif

IsaTier best_tier(const CpuFeatures& f) {
  if (f.neon) return IsaTier::Neon;
  if (f.avx512) return IsaTier::Avx512;
  if (f.avx2_fma) return IsaTier::Avx2;
  return IsaTier::Generic;
}

IsaTier select() {
  IsaTier best = best_tier(cpu_features());
  const char* env = std::getenv("ONYXRT_ISA");
  if (env == nullptr) return best;
  if (std::strcmp(env, "generic") == 0) return IsaTier::Generic;
  if (std::strcmp(env, "avx2") == 0 && best == IsaTier::Avx512) return IsaTier::Avx2;
  return best;  // asking for more than the CPU has, or an unknown name, keeps the detected tier
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

IsaTier selected_isa_tier() {
  static const IsaTier tier = select();
  return tier;
}

const char* isa_tier_name(IsaTier tier) {
  switch (tier) {
    case IsaTier::Generic: return "generic";
    case IsaTier::Avx2: return "avx2";
    case IsaTier::Avx512: return "avx512";
    case IsaTier::Neon: return "neon";
  }
  return "?";
}

}  // namespace onyxrt
