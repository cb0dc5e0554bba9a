// The direct convolution (kernels/conv_direct.h) against a naive double-precision convolution,
// every variant of conv_direct/conv_direct_f32.inc (and of the transposed conv_direct_t_f32.inc)
// with weights packed for the GEMM microkernel of its tier: pointwise (the input as the source) and windows through the stride-phase planes
// (1-D and 2-D, kernels 1x1 to 7x7, strides 1 to 3, dilations, padding beyond the kernel,
// widths either side of the tile), output channel counts around the tile height, reductions
// deeper than one K slice, 1 and 2 threads, bias, a residual (also in the output's own buffer),
// Relu / Clip clamps and NaN passing through.
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <vector>

#include "kernel_check.h"
#include "kernels/conv_direct.h"
#include "kernels/conv_direct/variants.h"
#include "kernels/dispatch.h"
#include "kernels/gemm/gemm_f32_driver.h"

using namespace onyxrt;
using namespace onyxrt::kernels;

namespace {

struct Case {
  int rank;
  int64_t channels, m;
  int64_t in[2], k[2], s[2], d[2], pb[2], pe[2];
};

ConvGeometry geometry(const Case& c) {
  ConvGeometry g;
  g.rank = c.rank, g.channels = c.channels;
  for (int i = 0; i < c.rank; ++i) {
    const int64_t span = (c.k[i] - 1) * c.d[i] + 1, padded = c.in[i] + c.pb[i] + c.pe[i];
    g.input[i] = c.in[i], g.kernel[i] = c.k[i], g.stride[i] = c.s[i], g.dilation[i] = c.d[i];
    g.pad_begin[i] = c.pb[i];
    g.output[i] = padded < span ? 0 : (padded - span) / c.s[i] + 1;
  }
  return g;
}

// y[i][o] = bias[i] + sum_{c, taps} w[i][c, taps] * x[c][input of o], in double.
std::vector<double> reference(const ConvGeometry& g, int64_t m, const std::vector<float>& x,
                              const std::vector<float>& w, const std::vector<float>& bias) {
  const int64_t os = g.output_size(), ks = g.kernel_size();
  const int64_t oh = g.rank == 2 ? g.output[0] : 1, ow = g.output[g.rank - 1];
  const int64_t ih = g.rank == 2 ? g.input[0] : 1, iw = g.input[g.rank - 1];
  const int64_t kh = g.rank == 2 ? g.kernel[0] : 1, kw = g.kernel[g.rank - 1];
  const int64_t sh = g.rank == 2 ? g.stride[0] : 1, sw = g.stride[g.rank - 1];
  const int64_t dh = g.rank == 2 ? g.dilation[0] : 1, dw = g.dilation[g.rank - 1];
  const int64_t ph = g.rank == 2 ? g.pad_begin[0] : 0, pw = g.pad_begin[g.rank - 1];
  std::vector<double> y(static_cast<size_t>(m * os));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t r = 0; r < oh; ++r)
      for (int64_t col = 0; col < ow; ++col) {
        double sum = bias[i];
        for (int64_t c = 0; c < g.channels; ++c)
          for (int64_t a = 0; a < kh; ++a)
            for (int64_t b = 0; b < kw; ++b) {
              const int64_t yy = r * sh - ph + a * dh, xx = col * sw - pw + b * dw;
              if (yy < 0 || yy >= ih || xx < 0 || xx >= iw) continue;
              sum += double(w[(i * g.channels + c) * ks + a * kw + b]) * x[(c * ih + yy) * iw + xx];
            }
        y[i * os + r * ow + col] = sum;
      }
  return y;
}

enum class Residual { None, Separate, InPlace };

// One form of the kernel: packs w ([M, K]) its way, then runs the convolution.
struct Form {
  const char* name;
  std::function<bool(const ConvGeometry&, int64_t m, const std::vector<float>& w, const float* x, float* y,
                     int64_t ldy, const ConvDirectEpilogue& ep, int threads)>
      run;  // false: the geometry is not served
};

void check(const Form& v, const Case& c, int threads, int clamp, bool nan, uint32_t seed,
           Residual residual = Residual::None) {
  const ConvGeometry g = geometry(c);
  const int64_t os = g.output_size(), ks = g.kernel_size(), k = c.channels * ks;
  if (os == 0) return;
  auto x = ktest::random_floats(static_cast<size_t>(c.channels * g.input_size()), seed);
  const auto w = ktest::random_floats(static_cast<size_t>(c.m * k), seed + 1);
  const auto bias = ktest::random_floats(static_cast<size_t>(c.m), seed + 2);
  if (nan) x[x.size() / 2] = std::numeric_limits<float>::quiet_NaN();
  ConvDirectEpilogue ep;
  ep.bias = bias.data();
  ep.clamp = clamp != 0;
  ep.lo = clamp == 1 ? 0.0f : -0.25f;
  ep.hi = clamp == 1 ? std::numeric_limits<float>::infinity() : 0.5f;
  const int64_t ldy = os + 3;  // rows wider than the output: nothing may be written past a row
  std::vector<float> y(static_cast<size_t>(c.m * ldy), -7.0f);
  std::vector<float> z = ktest::random_floats(static_cast<size_t>(c.m * ldy), seed + 3);
  for (int64_t i = 0; i < c.m; ++i)
    for (int64_t o = os; o < ldy; ++o) z[i * ldy + o] = -7.0f;
  if (residual == Residual::InPlace) y = z;
  if (residual != Residual::None) ep.z = residual == Residual::InPlace ? y.data() : z.data();
  KCHECK(v.run(g, c.m, w, x.data(), y.data(), ldy, ep, threads), "%s: geometry unexpectedly unsupported", v.name);
  std::vector<double> want = reference(g, c.m, x, w, bias);
  if (residual != Residual::None)
    for (int64_t i = 0; i < c.m; ++i)
      for (int64_t o = 0; o < os; ++o) want[i * os + o] = float(float(want[i * os + o]) + z[i * ldy + o]);
  int bad = 0;
  for (int64_t i = 0; i < c.m; ++i) {
    for (int64_t o = 0; o < os; ++o) {
      double expect = want[i * os + o];
      if (ep.clamp && !std::isnan(expect)) expect = std::fmin(ep.hi, std::fmax(ep.lo, expect));
      const float got = y[i * ldy + o];
      const bool ok = std::isnan(expect) ? std::isnan(got) : std::fabs(got - expect) <= 2e-5 * (std::sqrt(double(k)) + 1);
      bad += !ok;
    }
    for (int64_t o = os; o < ldy; ++o) bad += y[i * ldy + o] != -7.0f;
  }
  KCHECK(bad == 0, "%s rank=%d C=%lld M=%lld in=%lldx%lld k=%lldx%lld s=%lld,%lld d=%lld,%lld pad=%lld,%lld threads=%d "
         "clamp=%d nan=%d residual=%d: %d bad", v.name, c.rank, (long long)c.channels, (long long)c.m, (long long)c.in[0],
         (long long)c.in[1], (long long)c.k[0], (long long)c.k[1], (long long)c.s[0], (long long)c.s[1],
         (long long)c.d[0], (long long)c.d[1], (long long)c.pb[0], (long long)c.pb[1], threads, clamp, nan,
         static_cast<int>(residual), bad);
}

}  // namespace

int main() {
  uint32_t seed = 1;
  std::vector<Form> forms;
  for (const ConvDirectF32Variant& v : kConvDirectF32Variants) {
    if (!cpu_supports(v.tier)) {
      std::printf("SKIP %s: this CPU lacks %s\n", v.name, isa_tier_name(v.tier));
      continue;
    }
    const GemmF32Ukernel* uk = nullptr;
    for (const GemmF32Ukernel& u : kGemmF32Ukernels)
      if (u.tier == v.tier) uk = &u;
    KCHECK(uk != nullptr && uk->mr == v.mr && uk->nr == v.nr, "%s: no GEMM microkernel of its tile", v.name);
    if (uk == nullptr) continue;
    const GemmF32Config cfg = gemm_f32_config_for(*uk);
    forms.push_back(Form{v.name, [v, cfg](const ConvGeometry& g, int64_t m, const std::vector<float>& w, const float* x,
                                          float* y, int64_t ldy, const ConvDirectEpilogue& ep, int threads) {
      const int64_t k = g.channels * g.kernel_size();
      const PackedMatrixA packed = pack_a_f32_with(cfg, false, m, k, w.data(), k);
      if (!conv_direct_f32_supported_with(v, cfg, g, packed)) return false;
      conv_direct_f32_with(v, cfg, g, packed, x, y, ldy, ep, threads);
      return true;
    }});
    for (const ConvDirectTF32Variant& t : kConvDirectTF32Variants) {
      if (t.tiles == nullptr || t.tier != v.tier) continue;
      KCHECK(t.nr == uk->nr, "%s: not the NR of the GEMM microkernel of its tier", t.name);
      forms.push_back(Form{t.name, [t, v, cfg](const ConvGeometry& g, int64_t m, const std::vector<float>& w,
                                               const float* x, float* y, int64_t ldy, const ConvDirectEpilogue& ep,
                                               int threads) {
        const int64_t k = g.channels * g.kernel_size();
        const PackedMatrixB packed = pack_b_f32_with(cfg, true, k, m, w.data(), k);
        if (!conv_direct_t_f32_supported_with(t, cfg, g, packed)) return false;
        conv_direct_t_f32_with(t, v, cfg, g, packed, x, y, ldy, ep, threads);
        return true;
      }});
    }
  }
  for (const Form& v : forms) {
    const int before = ktest::failures;
    // Pointwise: the input itself is the source; position counts around the tile width.
    for (int64_t hw : {1, 5, 16, 33, 49, 100})
      for (int64_t m : {int64_t{1}, int64_t{5}, int64_t{12}, int64_t{13}, int64_t{16}, int64_t{24}, int64_t{33}, int64_t{40}})
        for (int64_t channels : {1, 3, 24}) {
          const Case c{2, channels, m, {hw, 1}, {1, 1}, {1, 1}, {1, 1}, {0, 0}, {0, 0}};
          check(v, c, hw == 100 ? 2 : 1, static_cast<int>(m % 3), false, seed++);
        }
    // Windows through the planes.
    for (int64_t in : {1, 4, 7, 14, 17, 33})
      for (int64_t k : {1, 2, 3, 5, 7})
        for (int64_t s : {1, 2, 3})
          for (int64_t pad : {int64_t{0}, k / 2, k + 1}) {
            const int64_t dil = in % 2 == 1 && k > 1 ? 2 : 1;
            const Case c2{2, 3, 13, {in, in + 3}, {k, k > 2 ? k - 1 : k}, {s, s == 3 ? 1 : s}, {1, dil},
                          {pad, pad / 2}, {pad / 2, pad}};
            check(v, c2, 1, static_cast<int>((in + k) % 3), false, seed++);
            const Case c1{1, 2, 6, {in + 9, 1}, {k, 1}, {s, 1}, {dil, 1}, {pad, 0}, {0, 0}};
            check(v, c1, 1, 0, false, seed++);
          }
    // Reductions deeper than one K slice, several threads, the network shapes' tile counts.
    const Case deep{2, 120, 32, {9, 11}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}};
    check(v, deep, 1, 1, false, seed++);
    check(v, deep, 2, 2, false, seed++);
    const Case deep_pointwise{2, 1100, 7, {7, 7}, {1, 1}, {1, 1}, {1, 1}, {0, 0}, {0, 0}};
    check(v, deep_pointwise, 2, 0, false, seed++);
    const Case wide{2, 16, 36, {28, 28}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}};
    check(v, wide, 2, 1, false, seed++);
    const Case stem{2, 3, 32, {32, 30}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}};
    check(v, stem, 2, 2, false, seed++);
    // Grid rows at least a tile wide: stored straight into the output past the padding columns.
    const Case stem_wide{2, 3, 32, {20, 70}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}};
    check(v, stem_wide, 2, 1, false, seed++);
    const Case wide_deep{2, 120, 20, {6, 40}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}};
    check(v, wide_deep, 1, 2, false, seed++);
    check(v, wide_deep, 2, 0, false, seed++);
    // Output rows of at most 7 positions: the transposed form takes channel panels two at a time
    // (64 channels, then a partial pair or a single panel), also deeper than a slice at stride 2.
    const Case narrow{2, 20, 70, {7, 7}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}};
    check(v, narrow, 1, 1, false, seed++);
    check(v, narrow, 2, 2, false, seed++);
    const Case narrow_deep{2, 120, 40, {10, 12}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}};
    check(v, narrow_deep, 1, 0, false, seed++);
    check(v, narrow_deep, 2, 1, false, seed++);
    // A residual added before the clamp: pointwise, on the planes (compacted or stored past the
    // padding columns), deeper than a slice, and in the output's own buffer.
    for (Residual r : {Residual::Separate, Residual::InPlace}) {
      check(v, Case{2, 24, 13, {10, 10}, {1, 1}, {1, 1}, {1, 1}, {0, 0}, {0, 0}}, 1, 1, false, seed++, r);
      check(v, wide, 2, 2, false, seed++, r);
      check(v, Case{2, 8, 13, {9, 12}, {1, 1}, {2, 2}, {1, 1}, {0, 0}, {0, 0}}, 1, 0, false, seed++, r);
      check(v, deep, 2, 1, false, seed++, r);
      check(v, wide_deep, 2, 1, false, seed++, r);
      check(v, stem_wide, 1, 2, false, seed++, r);
      check(v, deep_pointwise, 2, 1, false, seed++, r);
      check(v, narrow_deep, 1, 2, false, seed++, r);
    }
    // NaN in the input stays NaN through the clamps, as through Relu and Clip.
    check(v, wide, 1, 1, true, seed++);
    check(v, wide_deep, 1, 1, true, seed++);
    check(v, narrow, 1, 1, true, seed++);
    check(v, Case{2, 24, 13, {10, 10}, {1, 1}, {1, 1}, {1, 1}, {0, 0}, {0, 0}}, 1, 2, true, seed++);
    std::printf("%s %s\n", ktest::failures == before ? "PASS" : "FAIL", v.name);
  }
  return ktest::finish("test_conv_direct");
}
