// Every transposing panel packer of kernels/pack/pack_columns_f32.inc against the contract written
// out directly (panel[p * width + i] = src[i * ld + p], zero rows past `live`): each width with a
// fixed path, full and short panels, step counts around the vector blocks of 16, a row stride
// wider than the steps; a guard after the panel must stay untouched. Variants the CPU cannot run
// are skipped with a visible SKIP line.
#include <cmath>
#include <cstdio>
#include <vector>

#include "kernel_check.h"
#include "kernels/dispatch.h"
#include "kernels/pack/variants.h"

using namespace onyxrt;
using namespace onyxrt::kernels;

namespace {

constexpr int kGuard = 32;
constexpr float kSentinel = -777.0f;

void check_case(const PackColumnsF32Variant& v, int width, int live, int64_t kc, int64_t ld) {
  const std::vector<float> src = ktest::random_floats(static_cast<size_t>(live * ld), 17u + width * 31u + kc);
  std::vector<float> panel(static_cast<size_t>(kc * width + kGuard), kSentinel);
  const bool handled = v.fn(width, src.data(), ld, live, kc, panel.data());
  KCHECK(handled, "%s: width %d has no fixed path", v.name, width);
  if (!handled) return;
  int wrong = 0;
  for (int64_t p = 0; p < kc; ++p)
    for (int i = 0; i < width; ++i) {
      const float want = i < live ? src[i * ld + p] : 0.0f;
      wrong += panel[p * width + i] == want ? 0 : 1;
    }
  for (int g = 0; g < kGuard; ++g) wrong += panel[kc * width + g] == kSentinel ? 0 : 1;
  KCHECK(wrong == 0, "%s: width %d live %d kc %lld ld %lld: %d values wrong", v.name, width, live,
         static_cast<long long>(kc), static_cast<long long>(ld), wrong);
}

}  // namespace

int main() {
  for (const PackColumnsF32Variant& v : kPackColumnsF32Variants) {
    if (!cpu_supports(v.tier)) {
      std::printf("SKIP %s: this CPU lacks %s\n", v.name, isa_tier_name(v.tier));
      continue;
    }
    const int before = ktest::failures;
    for (int width : {4, 6, 8, 12, 16, 32})
      for (int live : {1, width - 1, width})
        for (int64_t kc : {1, 7, 15, 16, 17, 31, 32, 33, 100, 256})
          for (int64_t pad : {0, 5}) check_case(v, width, live < 1 ? 1 : live, kc, kc + pad);
    std::printf("%s %s\n", ktest::failures == before ? "PASS" : "FAIL", v.name);
  }
  std::printf("dispatched: %s\n", kernel_table().pack_columns_f32.name);
  return ktest::finish("test_pack_columns_f32");
}
