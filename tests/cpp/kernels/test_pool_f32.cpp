// Every variant of kernels/pool/pool_f32.inc against plain loops: max and average windows over
// 1-D and 2-D planes of 1 to 60 (and model-sized 111 / 112) columns, few and many planes per
// call, with strides 1 to 3 on either axis, dilations on either axis, padding on either side
// (including windows that reach past the input as ceil_mode makes them), NaN and -inf inputs;
// the whole-plane reductions over odd lengths. Max windows must match bit for bit (same
// comparisons; the kernels may take the taps in another order, which only matters for zeros of
// both signs, and the random inputs hold none). Averages: the kernels may sum a window row by
// row rather than in one row-major chain, so they must match a double-precision sum within a
// few float ulps of the taps' magnitude (non-finite results exactly, NaN for NaN).
#include <cmath>
#include <cstring>
#include <cstdio>
#include <limits>
#include <utility>
#include <vector>

#include "kernel_check.h"
#include "kernels/dispatch.h"
#include "kernels/pool/variants.h"

using namespace onyxrt;
using namespace onyxrt::kernels;

namespace {

ConvGeometry geometry(int rank, const int64_t* in, const int64_t* k, const int64_t* s, const int64_t* d,
                      const int64_t* pb, const int64_t* extra) {
  ConvGeometry g;
  g.rank = rank, g.channels = 1;
  for (int i = 0; i < rank; ++i) {
    g.input[i] = in[i], g.kernel[i] = k[i], g.stride[i] = s[i], g.dilation[i] = d[i], g.pad_begin[i] = pb[i];
    const int64_t span = (k[i] - 1) * d[i] + 1, padded = in[i] + pb[i] + extra[i];
    g.output[i] = padded < span ? 0 : (padded - span) / s[i] + 1;
  }
  return g;
}

// The reference: y = lowest(), y = x > y ? x : y over inside taps (Max); sum of inside taps from
// +0 in row-major order, / (count_h * count_w) or 0 (Average).
std::vector<float> naive(const ConvGeometry& g, bool max, const std::vector<float>& ch, const std::vector<float>& cw,
                         const std::vector<float>& x, int64_t planes) {
  const int r = g.rank;
  const int64_t ih = r == 2 ? g.input[0] : 1, iw = g.input[r - 1], oh_n = r == 2 ? g.output[0] : 1,
                ow_n = g.output[r - 1], kh = r == 2 ? g.kernel[0] : 1, kw = g.kernel[r - 1];
  const int64_t sh = r == 2 ? g.stride[0] : 1, sw = g.stride[r - 1], dh = r == 2 ? g.dilation[0] : 1,
                dw = g.dilation[r - 1], ph = r == 2 ? g.pad_begin[0] : 0, pw = g.pad_begin[r - 1];
  std::vector<float> y(static_cast<size_t>(planes * oh_n * ow_n));
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t oh = 0; oh < oh_n; ++oh)
      for (int64_t ow = 0; ow < ow_n; ++ow) {
        float acc = max ? std::numeric_limits<float>::lowest() : 0.0f;
        for (int64_t i = 0; i < kh; ++i)
          for (int64_t j = 0; j < kw; ++j) {
            const int64_t h = oh * sh - ph + i * dh, w = ow * sw - pw + j * dw;
            if (h < 0 || h >= ih || w < 0 || w >= iw) continue;
            const float v = x[(p * ih + h) * iw + w];
            acc = max ? (v > acc ? v : acc) : acc + v;
          }
        if (!max) {
          const float d = ch[oh] * cw[ow];
          acc = d > 0.0f ? acc / d : 0.0f;
        }
        y[(p * oh_n + oh) * ow_n + ow] = acc;
      }
  return y;
}

// Average windows in double: (the mean, the mean of the taps' magnitudes), each / the divisor.
std::vector<std::pair<double, double>> naive_mean(const ConvGeometry& g, const std::vector<float>& ch,
                                                  const std::vector<float>& cw, const std::vector<float>& x,
                                                  int64_t planes) {
  const int r = g.rank;
  const int64_t ih = r == 2 ? g.input[0] : 1, iw = g.input[r - 1], oh_n = r == 2 ? g.output[0] : 1,
                ow_n = g.output[r - 1], kh = r == 2 ? g.kernel[0] : 1, kw = g.kernel[r - 1];
  const int64_t sh = r == 2 ? g.stride[0] : 1, sw = g.stride[r - 1], dh = r == 2 ? g.dilation[0] : 1,
                dw = g.dilation[r - 1], ph = r == 2 ? g.pad_begin[0] : 0, pw = g.pad_begin[r - 1];
  std::vector<std::pair<double, double>> y(static_cast<size_t>(planes * oh_n * ow_n));
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t oh = 0; oh < oh_n; ++oh)
      for (int64_t ow = 0; ow < ow_n; ++ow) {
        double s = 0, mag = 0;
        for (int64_t i = 0; i < kh; ++i)
          for (int64_t j = 0; j < kw; ++j) {
            const int64_t h = oh * sh - ph + i * dh, w = ow * sw - pw + j * dw;
            if (h < 0 || h >= ih || w < 0 || w >= iw) continue;
            s += x[(p * ih + h) * iw + w], mag += std::fabs(x[(p * ih + h) * iw + w]);
          }
        const double d = static_cast<double>(ch[oh]) * cw[ow];
        y[(p * oh_n + oh) * ow_n + ow] = d > 0 ? std::make_pair(s / d, mag / d) : std::make_pair(0.0, 0.0);
      }
  return y;
}

bool same(float a, float b) { return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof(a)) == 0; }

void check_window(const PoolF32Variant& v, const ConvGeometry& g, uint32_t seed) {
  // 21 planes in two calls, 2 and 19: few planes go through a plane-at-a-time kernel, 19 through
  // the channels-in-lanes one where it serves (a whole block of 8 or 16 planes and a partial one).
  const int64_t planes = 21, in_size = g.input_size(), out_size = g.output_size();
  auto x = ktest::random_floats(static_cast<size_t>(planes * in_size), seed);
  // NaNs and -infs in a few places: a NaN tap never wins a max, -inf loses to lowest().
  for (size_t i = 3; i < x.size(); i += 29) x[i] = std::numeric_limits<float>::quiet_NaN();
  for (size_t i = 7; i < x.size(); i += 31) x[i] = -std::numeric_limits<float>::infinity();
  const int64_t oh_n = g.rank == 2 ? g.output[0] : 1, ow_n = g.output[g.rank - 1];
  std::vector<float> ch(static_cast<size_t>(oh_n)), cw(static_cast<size_t>(ow_n));
  for (int64_t i = 0; i < oh_n; ++i) ch[i] = static_cast<float>(1 + (i * 7 + seed) % 4);
  for (int64_t i = 0; i < ow_n; ++i) cw[i] = static_cast<float>(1 + (i * 5 + seed) % 3);
  for (bool max : {true, false}) {
    const auto want = naive(g, max, ch, cw, x, planes);
    std::vector<float> y(static_cast<size_t>(planes * out_size), -7.0f);
    const PoolF32Kind kind = max ? PoolF32Kind::Max : PoolF32Kind::Average;
    // Two calls over plane sub-ranges, as the operator's threads make them.
    const bool served = v.window(g, kind, ch.data(), cw.data(), x.data(), y.data(), 0, 2) &&
                        v.window(g, kind, ch.data(), cw.data(), x.data(), y.data(), 2, planes);
    KCHECK(served, "%s rank=%d: window not served", v.name, g.rank);
    int bad = 0;
    if (max) {
      for (size_t i = 0; i < y.size(); ++i) bad += !same(y[i], want[i]);
    } else {
      const auto exact = naive_mean(g, ch, cw, x, planes);
      for (size_t i = 0; i < y.size(); ++i) {
        const double e = exact[i].first, tol = 4e-7 * exact[i].second + 1e-37;
        bad += std::isfinite(e) ? !(std::fabs(y[i] - e) <= tol) : !same(y[i], want[i]);
      }
    }
    KCHECK(bad == 0, "%s %s rank=%d in=%lldx%lld k=%lldx%lld s=%lldx%lld: %d bad", v.name, max ? "max" : "avg", g.rank,
           (long long)g.input[0], (long long)g.input[g.rank - 1], (long long)g.kernel[0],
           (long long)g.kernel[g.rank - 1], (long long)g.stride[0], (long long)g.stride[g.rank - 1], bad);
  }
}

void check_global(const PoolF32Variant& v, int64_t n, uint32_t seed) {
  const int64_t planes = 4;
  auto x = ktest::random_floats(static_cast<size_t>(planes * n), seed);
  x[0] = std::numeric_limits<float>::quiet_NaN();  // plane 0: NaN first, the max is NaN
  if (n > 2) x[n + n / 2] = std::numeric_limits<float>::quiet_NaN();  // plane 1: a later NaN is skipped
  std::vector<float> y(planes, -7.0f);
  v.global(PoolF32Kind::Max, x.data(), n, y.data(), 0, planes);
  int bad = 0;
  for (int64_t p = 0; p < planes; ++p) {
    float m = x[p * n];
    for (int64_t i = 1; i < n; ++i) m = x[p * n + i] > m ? x[p * n + i] : m;
    bad += !same(y[p], m);
  }
  x = ktest::random_floats(static_cast<size_t>(planes * n), seed + 1);
  y.assign(planes, -7.0f);
  v.global(PoolF32Kind::Average, x.data(), n, y.data(), 1, planes);  // a sub-range: y[0] stays
  bad += y[0] != -7.0f;
  for (int64_t p = 1; p < planes; ++p) {
    double s = 0, mag = 0;
    for (int64_t i = 0; i < n; ++i) s += x[p * n + i], mag += std::fabs(x[p * n + i]);
    bad += !(std::fabs(y[p] - s / n) <= 1e-6 * (mag / n + 1));
  }
  KCHECK(bad == 0, "%s global n=%lld: %d bad", v.name, (long long)n, bad);
}

}  // namespace

int main() {
  uint32_t seed = 1;
  for (const PoolF32Variant& v : kPoolF32Variants) {
    if (!cpu_supports(v.tier)) {
      std::printf("SKIP %s: this CPU lacks %s\n", v.name, isa_tier_name(v.tier));
      continue;
    }
    const int before = ktest::failures;
    for (int64_t in : {1, 2, 3, 5, 7, 8, 13, 14, 16, 17, 28, 31, 33, 47, 56, 60})
      for (int64_t k : {1, 2, 3, 5})
        for (int64_t s : {1, 2, 3})
          for (int64_t d : {1, 2})
            for (int64_t pad = 0; pad < k; ++pad)
              for (int64_t extra : {int64_t{0}, s - 1}) {  // extra: ceil_mode's reach past the end padding
                // The height axis cycles through strides 1..3 and dilations 1..2 on its own.
                const int64_t sh = 1 + (in + k + pad) % 3, dh = 1 + (in + s + d + pad) % 2;
                const int64_t in2[2] = {in + 1, in}, k2[2] = {k == 5 ? 3 : k, k}, s2[2] = {sh, s};
                const int64_t d2[2] = {dh, d}, pb[2] = {pad / 2, pad}, ex[2] = {extra, pad + extra};
                for (int rank = 1; rank <= 2; ++rank) {
                  ConvGeometry g = geometry(rank, in2 + 2 - rank, k2 + 2 - rank, s2 + 2 - rank, d2 + 2 - rank,
                                            pb + 2 - rank, ex + 2 - rank);
                  if (g.output_size() > 0) check_window(v, g, seed++);
                }
              }
    {  // the models' windows: 3x3 stride 2 over 111 (none) and 112 (end padding), 3x3 stride 1 pad 1 over 7
      const int64_t s2[2] = {2, 2}, one[2] = {1, 1}, zero[2] = {0, 0}, k3[2] = {3, 3};
      const int64_t i111[2] = {111, 111}, i112[2] = {112, 112}, i7[2] = {7, 7};
      check_window(v, geometry(2, i111, k3, s2, one, zero, zero), seed++);
      check_window(v, geometry(2, i112, k3, s2, one, zero, one), seed++);
      check_window(v, geometry(2, i7, k3, one, one, one, one), seed++);
    }
    {  // a 7x7 window over 7x7 (the whole plane) and a 13x13 one with stride 1
      const int64_t in2[2] = {7, 7}, k2[2] = {7, 7}, one[2] = {1, 1}, zero[2] = {0, 0};
      check_window(v, geometry(2, in2, k2, one, one, zero, zero), seed++);
      const int64_t big[2] = {20, 19}, k13[2] = {13, 13}, p6[2] = {6, 6};
      check_window(v, geometry(2, big, k13, one, one, p6, p6), seed++);
    }
    for (int64_t n : {1, 2, 7, 15, 16, 17, 31, 32, 33, 49, 64, 65, 169, 200}) check_global(v, n, seed++);
    {  // rank 3 and more than 256 taps are not served
      int64_t in3[3] = {4, 4, 4}, k3[3] = {2, 2, 2}, one[3] = {1, 1, 1}, zero[3] = {0, 0, 0};
      KCHECK(!v.window(geometry(3, in3, k3, one, one, zero, zero), PoolF32Kind::Max, nullptr, nullptr, nullptr,
                       nullptr, 0, 0),
             "%s: rank 3 must not be served", v.name);
      int64_t in2[2] = {17, 17}, k17[2] = {17, 17};
      KCHECK(!v.window(geometry(2, in2, k17, one, one, zero, zero), PoolF32Kind::Max, nullptr, nullptr, nullptr,
                       nullptr, 0, 0),
             "%s: 289 taps must not be served", v.name);
    }
    std::printf("%s %s\n", ktest::failures == before ? "PASS" : "FAIL", v.name);
  }
  return ktest::finish("test_pool_f32");
}
