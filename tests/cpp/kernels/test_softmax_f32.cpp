// Every row-softmax variant of kernels/softmax/softmax_f32.inc against a double-precision
// reference and against the generic variant: lengths 1 .. 300 and longer, large and very
// negative inputs, log and plain, NaN and inf. Variants the CPU cannot run are skipped with a
// visible SKIP line.
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

std::vector<int64_t> lengths() {
  std::vector<int64_t> all;
  for (int64_t n = 1; n <= 300; ++n) all.push_back(n);
  for (int64_t n : {511, 1000, 4099}) all.push_back(n);
  return all;
}

// NaN anywhere, or +inf (inf - inf), makes the whole row NaN; a hidden key gets 0.
void check_special(const SoftmaxF32Variant& v) {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  for (int64_t n : {1, 2, 15, 16, 17, 64, 100, 300}) {
    for (int64_t at : {int64_t(0), n / 2, n - 1}) {
      for (bool log : {false, true}) {
        for (float special : {nan, inf}) {
          std::vector<float> x = ktest::random_floats(static_cast<size_t>(n), 11), y(static_cast<size_t>(n));
          x[at] = special;
          v.fn(x.data(), y.data(), n, log);
          int bad = 0;
          for (float e : y) bad += std::isnan(e) ? 0 : 1;
          KCHECK(bad == 0, "%s n=%lld special=%g at=%lld log=%d: %d not NaN", v.name, (long long)n, special,
                 (long long)at, log, bad);
        }
        if (n == 1) continue;
        // A hidden key (-inf, or the lowest float exporters fill a causal mask with): a
        // probability of exactly 0, not a denormal that makes the product with V slow.
        for (float hidden : {-inf, std::numeric_limits<float>::lowest(), -100.0f}) {
          std::vector<float> x = ktest::random_floats(static_cast<size_t>(n), 12), y(static_cast<size_t>(n));
          x[at] = hidden;
          v.fn(x.data(), y.data(), n, log);
          double sum = 0;
          for (int64_t j = 0; j < n; ++j) sum += j == at ? 0.0 : (log ? std::exp(double(y[j])) : y[j]);
          const bool zero = log ? y[at] < -80.0f : y[at] == 0.0f;
          KCHECK(zero && std::fabs(sum - 1.0) < 1e-5, "%s n=%lld hidden=%g at=%lld log=%d: y=%g sum=%g", v.name,
                 (long long)n, hidden, (long long)at, log, y[at], sum);
        }
      }
    }
  }
}

void check_variant(const SoftmaxF32Variant& v, const SoftmaxF32Variant& generic) {
  for (int64_t n : lengths()) {
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
    check_special(v);
    std::printf("%s %s\n", ktest::failures == before ? "PASS" : "FAIL", v.name);
  }
  std::printf("dispatched: %s\n", softmax_f32_kernel_name());
  return ktest::finish("test_softmax_f32");
}
