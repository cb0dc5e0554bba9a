// Every fused LSTM cell of kernels/recurrent/lstm_cell_f32.inc against a double reference:
// lengths 1 .. 80 and LSTM widths, gate pre-activations from small to saturating (|x| up to 40),
// and NaN in one gate. Variants the CPU cannot run are skipped with a visible SKIP line.
#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

#include "kernel_check.h"
#include "kernels/dispatch.h"
#include "kernels/lstm_cell.h"

using namespace onyxrt;
using namespace onyxrt::kernels;

namespace {

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

void check_case(const LstmCellF32Variant& v, int64_t n, float scale) {
  const uint32_t seed = static_cast<uint32_t>(n * 7 + static_cast<int>(scale));
  std::vector<float> g = ktest::random_floats(static_cast<size_t>(4 * n), seed);
  std::vector<float> xw = ktest::random_floats(static_cast<size_t>(4 * n), seed + 1);
  std::vector<float> c = ktest::random_floats(static_cast<size_t>(n), seed + 2);
  for (float& e : g) e *= scale;
  for (float& e : xw) e *= scale;
  std::vector<double> want_c(static_cast<size_t>(n)), want_h(static_cast<size_t>(n));
  for (int64_t j = 0; j < n; ++j) {
    auto gate = [&](int q) { return static_cast<double>(static_cast<float>(g[q * n + j] + xw[q * n + j])); };
    const double i = sigmoid(gate(0)), o = sigmoid(gate(1)), f = sigmoid(gate(2)), cand = std::tanh(gate(3));
    want_c[j] = f * c[j] + i * cand;
    want_h[j] = o * std::tanh(want_c[j]);
  }
  std::vector<float> h(static_cast<size_t>(n), -7.0f);
  v.fn(g.data(), xw.data(), c.data(), h.data(), n);
  // The activations are within 3 ulp; c sums two products of them (|c| <= 2 here), h one more.
  int bad = 0;
  for (int64_t j = 0; j < n; ++j) {
    if (!(std::fabs(c[j] - want_c[j]) <= 1e-6 * (1.0 + std::fabs(want_c[j])))) ++bad;
    if (!(std::fabs(h[j] - want_h[j]) <= 1e-6 * (1.0 + std::fabs(want_h[j])))) ++bad;
  }
  KCHECK(bad == 0, "%s n=%lld scale=%g: %d bad", v.name, (long long)n, scale, bad);
}

void check_nan(const LstmCellF32Variant& v) {
  for (int64_t n : {1, 16, 37}) {
    std::vector<float> g(static_cast<size_t>(4 * n), 0.5f), xw(static_cast<size_t>(4 * n), 0.25f);
    std::vector<float> c(static_cast<size_t>(n), 0.1f), h(static_cast<size_t>(n));
    const int64_t at = n / 2;
    g[2 * n + at] = std::numeric_limits<float>::quiet_NaN();  // the forget gate of one unit
    v.fn(g.data(), xw.data(), c.data(), h.data(), n);
    int bad = 0;
    for (int64_t j = 0; j < n; ++j) bad += j == at ? !(std::isnan(c[j]) && std::isnan(h[j])) : std::isnan(h[j]);
    KCHECK(bad == 0, "%s n=%lld NaN forget gate: %d bad", v.name, (long long)n, bad);
  }
}

}  // namespace

int main() {
  for (const LstmCellF32Variant& v : kLstmCellF32Variants) {
    if (!cpu_supports(v.tier)) {
      std::printf("SKIP %s: this CPU lacks %s\n", v.name, isa_tier_name(v.tier));
      continue;
    }
    const int before = ktest::failures;
    std::vector<int64_t> lengths;
    for (int64_t n = 1; n <= 80; ++n) lengths.push_back(n);
    for (int64_t n : {128, 256, 512, 1000}) lengths.push_back(n);
    for (int64_t n : lengths)
      for (float scale : {0.5f, 4.0f, 40.0f}) check_case(v, n, scale);
    check_nan(v);
    std::printf("%s %s\n", ktest::failures == before ? "PASS" : "FAIL", v.name);
  }
  std::printf("dispatched: %s\n", lstm_cell_f32_kernel_name());
  return ktest::finish("test_lstm_cell_f32");
}
