// Every row-softmax variant of kernels/softmax/softmax_f32.inc against a double-precision
// reference and against the generic variant: odd lengths, large and very negative inputs, log
// and plain. Variants the CPU cannot run are skipped with a visible SKIP line.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

#include "kernel_check.h"
#include "kernels/dispatch.h"
#include "kernels/softmax.h"

using namespace onyxrt;
using namespace onyxrt::kernels;

namespace {

void check_variant(const SoftmaxF32Variant& v, const SoftmaxF32Variant& generic) {
  for (int64_t n : {1, 2, 7, 13, 15, 16, 17, 31, 63, 127, 1000}) {
    for (float scale : {1.0f, 30.0f}) {
      for (bool log : {false, true}) {
        std::vector<float> x = ktest::random_floats(static_cast<size_t>(n), static_cast<uint32_t>(n * 7 + log));
        for (float& e : x) e *= scale;
        x[0] = 1000.0f * scale / 30.0f;  // one large value: must not overflow
        if (n > 2) x[n / 2] = -1e30f;    // one hugely negative: exp underflows to ~0
        std::vector<float> got(static_cast<size_t>(n)), base(static_cast<size_t>(n));
        v.fn(x.data(), got.data(), n, log);
        generic.fn(x.data(), base.data(), n, log);
        double max = *std::max_element(x.begin(), x.end()), sum = 0;
        for (float e : x) sum += std::exp(double(e) - max);
        int bad = 0;
        for (int64_t i = 0; i < n; ++i) {
          const double want = log ? (x[i] - max) - std::log(sum) : std::exp(double(x[i]) - max) / sum;
          // x - max is rounded to float first: an error of ~|x - max| ulps in exp's argument.
          const double arg_error = 4.0 * std::numeric_limits<float>::epsilon() * (1.0 + std::fabs(x[i] - max));
          const double tol = log ? arg_error + 1e-6 * std::fabs(want) : (arg_error + 1e-6) * std::fabs(want) + 1e-30;
          if (!(std::fabs(got[i] - want) <= tol) || !(std::fabs(got[i] - base[i]) <= 2 * tol)) ++bad;
        }
        KCHECK(bad == 0, "%s n=%lld scale=%g log=%d: %d bad", v.name, (long long)n, scale, log, bad);
      }
    }
  }
}

}  // namespace

int main() {
  for (const SoftmaxF32Variant& v : kSoftmaxF32Variants) {
    if (!cpu_supports(v.tier)) {
      std::printf("SKIP %s: this CPU lacks %s\n", v.name, isa_tier_name(v.tier));
      continue;
    }
    int before = ktest::failures;
    check_variant(v, kSoftmaxF32Variants[0]);
    std::printf("%s %s\n", ktest::failures == before ? "PASS" : "FAIL", v.name);
  }
  std::printf("dispatched: %s\n", softmax_f32_kernel_name());
  return ktest::finish("test_softmax_f32");
}
