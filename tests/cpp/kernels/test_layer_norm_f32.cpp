// Every row-normalization variant of kernels/layer_norm/layer_norm_f32.inc against a double
// reference and against the generic variant: lengths 1 .. 300 and transformer widths, centered
// (LayerNormalization) and not (RMSNormalization), with and without bias, a large mean, in place,
// and NaN / inf rows. Variants the CPU cannot run are skipped with a visible SKIP line.
#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

#include "kernel_check.h"
#include "kernels/dispatch.h"
#include "kernels/layer_norm.h"

using namespace onyxrt;
using namespace onyxrt::kernels;

namespace {

struct Reference {
  std::vector<double> y;
  double mean, inv;
};

Reference reference(const std::vector<float>& x, const std::vector<float>& g, const float* b, float eps, bool center) {
  const size_t n = x.size();
  double mean = 0, var = 0;
  if (center) {
    for (float v : x) mean += v;
    mean /= static_cast<double>(n);
  }
  for (float v : x) var += (v - mean) * (v - mean);
  var /= static_cast<double>(n);
  const double inv = 1.0 / std::sqrt(var + eps);
  Reference r{std::vector<double>(n), mean, inv};
  for (size_t j = 0; j < n; ++j) r.y[j] = (x[j] - mean) * inv * g[j] + (b ? b[j] : 0.0);
  return r;
}

void check_case(const LayerNormF32Variant& v, const LayerNormF32Variant& generic, int64_t n, bool center, bool bias,
                float offset, bool in_place) {
  const uint32_t seed = static_cast<uint32_t>(n * 4 + center * 2 + bias);
  std::vector<float> x = ktest::random_floats(static_cast<size_t>(n), seed);
  const std::vector<float> g = ktest::random_floats(static_cast<size_t>(n), seed + 1);
  const std::vector<float> b = ktest::random_floats(static_cast<size_t>(n), seed + 2);
  for (float& e : x) e = e * 3.0f + offset;
  const float eps = 1e-5f;
  const Reference want = reference(x, g, bias ? b.data() : nullptr, eps, center);
  std::vector<float> got = x, base(static_cast<size_t>(n));
  float stats[2] = {-1, -1}, base_stats[2];
  v.fn(in_place ? got.data() : x.data(), g.data(), bias ? b.data() : nullptr, got.data(), n, eps, center, stats);
  generic.fn(x.data(), g.data(), bias ? b.data() : nullptr, base.data(), n, eps, center, base_stats);
  // float sums over partial sums: relative error ~ n^(1/2) ulp of the sums; |x - mean| loses
  // ulp(offset) in the subtraction, i.e. offset * 2^-24 * inv in the normalized value.
  const double tol_norm = 2e-6 * (1.0 + std::fabs(offset) * want.inv);
  int bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double tol = tol_norm * (std::fabs(g[i]) + 1.0) + 1e-6 * std::fabs(want.y[i]);
    if (!(std::fabs(got[i] - want.y[i]) <= tol) || !(std::fabs(got[i] - base[i]) <= 2 * tol)) ++bad;
  }
  KCHECK(bad == 0, "%s n=%lld center=%d bias=%d offset=%g in_place=%d: %d bad", v.name, (long long)n, center, bias,
         offset, in_place, bad);
  KCHECK(std::fabs(stats[0] - want.mean) <= 1e-6 * (1.0 + std::fabs(offset)) &&
             std::fabs(stats[1] - want.inv) <= 1e-5 * want.inv,
         "%s n=%lld center=%d: stats %g %g, want %g %g", v.name, (long long)n, center, stats[0], stats[1], want.mean,
         want.inv);
}

void check_special(const LayerNormF32Variant& v) {
  for (int64_t n : {1, 5, 16, 33, 100}) {
    const std::vector<float> g(static_cast<size_t>(n), 1.0f);
    for (float special : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
      for (int64_t at : {int64_t(0), n / 2, n - 1}) {
        std::vector<float> x = ktest::random_floats(static_cast<size_t>(n), 7), y(static_cast<size_t>(n));
        x[at] = special;
        for (bool center : {true, false}) {
          float stats[2];
          v.fn(x.data(), g.data(), nullptr, y.data(), n, 1e-5f, center, stats);
          // A NaN anywhere poisons the row, and so does inf when centered (inf - inf). Not
          // centered, inf makes the variance inf: the finite values give 0 (x / inf), inf NaN.
          const bool poisoned = center || special != special;
          int bad = 0;
          for (int64_t j = 0; j < n; ++j) bad += (poisoned || j == at) ? !std::isnan(y[j]) : y[j] != 0.0f;
          KCHECK(bad == 0, "%s n=%lld special=%g at=%lld center=%d: %d bad", v.name, (long long)n, special,
                 (long long)at, center, bad);
        }
      }
    }
  }
  // A constant row: variance 0, y = bias exactly (x - mean = 0), inv = 1 / sqrt(eps).
  for (int64_t n : {1, 17, 64}) {
    const std::vector<float> x(static_cast<size_t>(n), 3.5f), g(static_cast<size_t>(n), 2.0f), b(static_cast<size_t>(n), 0.25f);
    std::vector<float> y(static_cast<size_t>(n));
    float stats[2];
    v.fn(x.data(), g.data(), b.data(), y.data(), n, 1e-5f, true, stats);
    int bad = 0;
    for (float e : y) bad += e == 0.25f ? 0 : 1;
    KCHECK(bad == 0 && stats[0] == 3.5f && std::fabs(stats[1] - 316.2277660f) < 1e-3f, "%s constant row n=%lld", v.name,
           (long long)n);
  }
}

}  // namespace

int main() {
  for (const LayerNormF32Variant& v : kLayerNormF32Variants) {
    if (!cpu_supports(v.tier)) {
      std::printf("SKIP %s: this CPU lacks %s\n", v.name, isa_tier_name(v.tier));
      continue;
    }
    const int before = ktest::failures;
    std::vector<int64_t> lengths;
    for (int64_t n = 1; n <= 300; ++n) lengths.push_back(n);
    for (int64_t n : {511, 768, 1024, 3072, 4099}) lengths.push_back(n);
    for (int64_t n : lengths)
      for (bool center : {true, false})
        for (bool bias : {true, false}) check_case(v, kLayerNormF32Variants[0], n, center, bias, 0.0f, n % 3 == 0);
    for (int64_t n : {7, 64, 768})
      for (float offset : {100.0f, -1e4f}) check_case(v, kLayerNormF32Variants[0], n, true, true, offset, false);
    check_special(v);
    std::printf("%s %s\n", ktest::failures == before ? "PASS" : "FAIL", v.name);
  }
  std::printf("dispatched: %s\n", layer_norm_f32_kernel_name());
  return ktest::finish("test_layer_norm_f32");
}
