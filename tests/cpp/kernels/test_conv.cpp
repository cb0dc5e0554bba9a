// The convolution helpers of kernels/conv.h against their definitions: im2col for 1-D, 2-D and
// 3-D windows with strides, padding (including padding wider than the kernel), dilations, odd
// sizes and column sub-ranges; the direct depthwise convolution for 1-D to 3-D windows and
// channel multipliers 1 to 3, its 2-D plane kernel across strides, pads, dilations and widths, its
// many-channel kernels and its epilogue (residual, clamp, NaN passing through).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "kernel_check.h"
#include "kernels/conv.h"
#include "kernels/conv/variants.h"
#include "kernels/dispatch.h"

using namespace onyxrt;
using namespace onyxrt::kernels;

namespace {

// Output extent for explicit pads, as the operators compute it (floor mode).
int64_t out_dim(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pb, int64_t pe) {
  int64_t span = (k - 1) * d + 1;
  return in + pb + pe < span ? 0 : (in + pb + pe - span) / s + 1;
}

template <class T>
std::vector<T> naive(const ConvGeometry& g, const std::vector<T>& x) {
  const int64_t ks = g.kernel_size(), os = g.output_size();
  std::vector<T> out(static_cast<size_t>(g.channels * ks * os));
  for (int64_t c = 0; c < g.channels; ++c)
    for (int64_t kr = 0; kr < ks; ++kr)
      for (int64_t q = 0; q < os; ++q) {
        int64_t kk = kr, qq = q, offset = 0;
        bool inside = true;
        int64_t kidx[kMaxConvSpatialRank], oidx[kMaxConvSpatialRank];
        for (int d = g.rank - 1; d >= 0; --d) {
          kidx[d] = kk % g.kernel[d], kk /= g.kernel[d];
          oidx[d] = qq % g.output[d], qq /= g.output[d];
        }
        for (int d = 0; d < g.rank; ++d) {
          int64_t i = oidx[d] * g.stride[d] - g.pad_begin[d] + kidx[d] * g.dilation[d];
          inside = inside && i >= 0 && i < g.input[d];
          offset = offset * g.input[d] + i;
        }
        out[(c * ks + kr) * os + q] = inside ? x[c * g.input_size() + offset] : T(0);
      }
  return out;
}

template <class T>
void check_geometry(const ConvGeometry& g, uint32_t seed) {
  auto xf = ktest::random_floats(static_cast<size_t>(g.channels * g.input_size()), seed);
  std::vector<T> x(xf.begin(), xf.end());
  std::vector<T> want = naive(g, x);
  const int64_t ks = g.kernel_size(), os = g.output_size(), rows = g.channels * ks;
  // The whole matrix, then column chunks of odd widths written into a wider buffer.
  for (int64_t chunk : {os, int64_t{1}, int64_t{7}, int64_t{13}}) {
    if (chunk <= 0) continue;
    const int64_t ld = chunk + 5;
    int bad = 0;
    for (int64_t q0 = 0; q0 < os; q0 += chunk) {
      const int64_t n = std::min(chunk, os - q0);
      std::vector<T> got(static_cast<size_t>(rows * ld), T(-7));
      if constexpr (sizeof(T) == 4) {
        im2col_f32(g, x.data(), q0, n, got.data(), ld);
      } else {
        im2col_f64(g, x.data(), q0, n, got.data(), ld);
      }
      for (int64_t r = 0; r < rows; ++r) {
        for (int64_t j = 0; j < n; ++j) bad += got[r * ld + j] != want[r * os + q0 + j];
        for (int64_t j = n; j < ld; ++j) bad += got[r * ld + j] != T(-7);  // nothing past the chunk
      }
    }
    KCHECK(bad == 0, "im2col rank=%d channels=%lld chunk=%lld elem=%zu: %d bad", g.rank, (long long)g.channels,
           (long long)chunk, sizeof(T), bad);
  }
}

ConvGeometry geometry(int rank, int64_t channels, const int64_t* in, const int64_t* k, const int64_t* s,
                      const int64_t* d, const int64_t* pb, const int64_t* pe) {
  ConvGeometry g;
  g.rank = rank, g.channels = channels;
  for (int i = 0; i < rank; ++i) {
    g.input[i] = in[i], g.kernel[i] = k[i], g.stride[i] = s[i], g.dilation[i] = d[i], g.pad_begin[i] = pb[i];
    g.output[i] = out_dim(in[i], k[i], s[i], d[i], pb[i], pe[i]);
  }
  return g;
}

// Depthwise convolution through the naive im2col of one channel: y[o] = bias[o] + w[o] . cols,
// then the epilogue when `epilogue` is set: a residual z added and a clamp to [-0.5, 0.75] (a few
// inputs NaN, which must come out NaN).
void check_depthwise(const DepthwiseF32Variant& v, const ConvGeometry& g, int64_t multiplier, uint32_t seed,
                     bool epilogue = false) {
  const int64_t channels = g.channels, outputs = channels * multiplier, ks = g.kernel_size(), os = g.output_size();
  auto x = ktest::random_floats(static_cast<size_t>(channels * g.input_size()), seed);
  const auto w = ktest::random_floats(static_cast<size_t>(outputs * ks), seed + 1);
  const auto bias = ktest::random_floats(static_cast<size_t>(outputs), seed + 2);
  const auto z = ktest::random_floats(static_cast<size_t>(outputs * os), seed + 3);
  if (epilogue)
    for (size_t i = 7; i < x.size(); i += 97) x[i] = NAN;
  DepthwiseEpilogue ep;
  if (epilogue) ep.z = z.data(), ep.lo = -0.5f, ep.hi = 0.75f;
  ConvGeometry one = g;
  one.channels = 1;
  std::vector<float> y(static_cast<size_t>(outputs * os), -7.0f);
  // Calls over channel sub-ranges, as the operator's threads make them (blocks of 16 and a rest).
  const int64_t cuts[] = {0, std::min<int64_t>(outputs, 16) / 2, std::min<int64_t>(outputs, 16), outputs / 2 + 3,
                          outputs};
  for (int c = 0; c + 1 < 5; ++c) {
    const int64_t c0 = std::min(cuts[c], outputs), c1 = std::max(c0, std::min(cuts[c + 1], outputs));
    v.fn(g, multiplier, x.data(), w.data(), bias.data(), y.data(), c0, c1, ep);
  }
  int bad = 0;
  for (int64_t o = 0; o < outputs; ++o) {
    const auto channel = x.begin() + (o / multiplier) * g.input_size();
    std::vector<float> xc(channel, channel + g.input_size());
    const std::vector<float> cols = naive(one, xc);
    for (int64_t q = 0; q < os; ++q) {
      double want = bias[o], mag = std::fabs(bias[o]);
      for (int64_t k = 0; k < ks; ++k) {
        want += double(w[o * ks + k]) * cols[k * os + q];
        mag += std::fabs(w[o * ks + k] * cols[k * os + q]);
      }
      const float got = y[o * os + q];
      if (epilogue) {
        want += z[o * os + q], mag += std::fabs(z[o * os + q]);
        if (std::isnan(want)) {
          if (!std::isnan(got)) ++bad;
          continue;
        }
        want = want < -0.5 ? -0.5 : (want > 0.75 ? 0.75 : want);
      }
      if (!(std::fabs(got - want) <= 1e-6 * (mag + 1))) ++bad;
    }
  }
  KCHECK(bad == 0, "%s rank=%d channels=%lld multiplier=%lld epilogue=%d: %d bad", v.name, g.rank, (long long)channels,
         (long long)multiplier, int(epilogue), bad);
}

}  // namespace

int main() {
  uint32_t seed = 1;
  const int64_t sizes[] = {1, 7, 13, 17};
  // 1-D and 2-D: sizes x kernels x strides x dilations x pads.
  for (int rank = 1; rank <= 2; ++rank)
    for (int64_t in : sizes)
      for (int64_t k : {1, 2, 3, 5})
        for (int64_t s : {1, 2, 3})
          for (int64_t dil : {1, 2})
            for (int64_t pad : {0, 1, 3, 6}) {
              int64_t in2[2] = {in, in + 2}, k2[2] = {k, k == 1 ? 1 : k - 1}, s2[2] = {s, s == 3 ? 1 : s + 1};
              int64_t d2[2] = {dil, 1}, pb[2] = {pad, pad / 2}, pe[2] = {pad / 3, pad};
              ConvGeometry g = geometry(rank, 3, in2, k2, s2, d2, pb, pe);
              if (g.output_size() == 0) continue;
              check_geometry<float>(g, seed++);
            }
  // 3-D.
  for (int64_t in : {1, 5, 7})
    for (int64_t k : {1, 2, 3})
      for (int64_t s : {1, 2})
        for (int64_t pad : {0, 1, 2}) {
          int64_t in3[3] = {in, in + 1, 6}, k3[3] = {k, 2, 1}, s3[3] = {s, 1, 2}, d3[3] = {1, 2, 1};
          int64_t pb[3] = {pad, 0, 1}, pe[3] = {0, pad, 1};
          ConvGeometry g = geometry(3, 2, in3, k3, s3, d3, pb, pe);
          if (g.output_size() == 0) continue;
          check_geometry<float>(g, seed++);
          check_geometry<double>(g, seed++);
        }
  // Depthwise, every variant of kernels/conv/depthwise_f32.inc, 1-D to 3-D.
  for (const DepthwiseF32Variant& v : kDepthwiseF32Variants) {
    if (!cpu_supports(v.tier)) {
      std::printf("SKIP %s: this CPU lacks %s\n", v.name, isa_tier_name(v.tier));
      continue;
    }
    const int before = ktest::failures;
    for (int rank = 1; rank <= 3; ++rank)
      for (int64_t in : {1, 7, 13})
        for (int64_t s : {1, 2})
          for (int64_t pad : {0, 1, 2}) {
            int64_t in3[3] = {in, in + 2, 5}, k3[3] = {3, 2, 1}, s3[3] = {s, 1, s}, d3[3] = {1, 2, 1};
            int64_t pb[3] = {pad, 0, 1}, pe[3] = {pad, 1, 0};
            ConvGeometry g = geometry(rank, 3, in3 + 3 - rank, k3 + 3 - rank, s3 + 3 - rank, d3 + 3 - rank,
                                      pb + 3 - rank, pe + 3 - rank);
            if (g.output_size() == 0) continue;
            check_depthwise(v, g, 1, seed++);
            check_depthwise(v, g, 2, seed++);
          }
    // 2-D windows of the stride-phase plane kernel (conv/depthwise_f32_planes.h): 3x3 and 5x5 (its
    // unrolled tap counts) and others, strides 1 to 3, pads 0 to beyond the kernel, dilations,
    // widths either side of the vector widths (row runs and flat runs), multipliers 1 to 3;
    // a 9x9 kernel (81 taps) takes the row loops.
    for (int64_t in : {1, 5, 7, 8, 14, 16, 17, 28, 33})
      for (int64_t k : {3, 5, 2, 9})
        for (int64_t s : {1, 2, 3})
          for (int64_t pad : {int64_t{0}, k / 2, k})
            for (int64_t dil : {1, 2}) {
              if (k == 9 && (dil == 2 || s == 3)) continue;
              const int64_t in2[2] = {in + 3, in}, k2[2] = {k, k}, s2[2] = {s == 3 ? 1 : s, s}, d2[2] = {1, dil};
              const int64_t pb[2] = {pad, pad}, pe[2] = {pad, pad == 0 ? 0 : pad - 1};
              ConvGeometry g = geometry(2, 4, in2, k2, s2, d2, pb, pe);
              if (g.output_size() == 0) continue;
              check_depthwise(v, g, 1, seed++);
              if (in % 2 == 1) check_depthwise(v, g, in % 4 == 1 ? 2 : 3, seed++);
            }
    // Many channels (the channels-in-lanes and in-place kernels take blocks of them, with a
    // partial last block), the epilogue (residual, clamp, NaN) on every path, 1-D and 2-D:
    // MobileNet's shapes (3x3, pad 1, strides 1 and 2, planes 7 to 28 wide), 5x5, dilation,
    // asymmetric padding, odd widths, and a 1-D window.
    struct Case {
      int rank;
      int64_t h, w, k, s, d, pb, pe;
    };
    const Case cases[] = {{2, 7, 7, 3, 1, 1, 1, 1},   {2, 14, 14, 3, 1, 1, 1, 1}, {2, 14, 14, 3, 2, 1, 1, 1},
                          {2, 28, 28, 3, 2, 1, 1, 1}, {2, 28, 28, 3, 1, 1, 1, 1}, {2, 27, 29, 3, 2, 1, 0, 1},
                          {2, 13, 31, 5, 1, 1, 2, 2}, {2, 17, 26, 5, 2, 1, 2, 1}, {2, 15, 15, 3, 1, 2, 2, 2},
                          {2, 16, 40, 3, 1, 1, 0, 0}, {2, 9, 33, 3, 1, 1, 1, 0},  {2, 12, 12, 2, 1, 1, 0, 1},
                          {2, 6, 100, 3, 2, 1, 1, 1}, {1, 1, 50, 3, 1, 1, 1, 1},  {1, 1, 61, 5, 2, 1, 2, 2},
                          {2, 10, 20, 7, 1, 1, 3, 3}, {2, 5, 5, 3, 1, 1, 3, 3}};
    for (const Case& c : cases)
      for (int64_t channels : {8, 21, 37}) {
        const int64_t in2[2] = {c.h, c.w}, k2[2] = {c.k, c.k}, s2[2] = {c.s, c.s}, d2[2] = {c.d, c.d};
        const int64_t pb[2] = {c.pb, c.pb}, pe[2] = {c.pe, c.pe};
        ConvGeometry g = c.rank == 2 ? geometry(2, channels, in2, k2, s2, d2, pb, pe)
                                     : geometry(1, channels, in2 + 1, k2 + 1, s2 + 1, d2 + 1, pb + 1, pe + 1);
        if (g.output_size() == 0) continue;
        check_depthwise(v, g, 1, seed++, channels != 21);
        check_depthwise(v, g, 1, seed++, channels == 21);
        if (channels != 37) check_depthwise(v, g, 2, seed++, true);
      }
    std::printf("%s %s\n", ktest::failures == before ? "PASS" : "FAIL", v.name);
  }
  // Pointwise detection: only 1x1, stride 1, no padding is the identity.
  {
    int64_t in[2] = {5, 7}, one[2] = {1, 1}, zero[2] = {0, 0}, two[2] = {2, 2};
    KCHECK(geometry(2, 4, in, one, one, one, zero, zero).is_pointwise(), "1x1 stride 1 is pointwise");
    KCHECK(!geometry(2, 4, in, one, two, one, zero, zero).is_pointwise(), "stride 2 is not pointwise");
    KCHECK(!geometry(2, 4, in, one, one, one, one, one).is_pointwise(), "padding is not pointwise");
  }
  return ktest::finish("test_conv");
}
