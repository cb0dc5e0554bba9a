// The channel-blocked convolution (kernels/conv_blocked.h) against a naive double-precision NCHW
// convolution: the input reordered to blocks, convolved, reordered back. Channel counts below,
// at and across a block (3, 16, 17, 40) so padding channels are exercised, output blocks odd and
// even (the one-block panel), 1x1 (the long-row path) and 3x3 / 5x1 / 7x7 windows with strides,
// dilations and padding wider than the window, rows narrower and wider than the 14-position
// tile, batch 2, 1 and 2 threads, bias, a residual, Relu / Clip and NaN passing the clamp. The
// test runs once as built and once under ONYXRT_ISA=generic (CMakeLists), for the portable rows.
#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

#include "kernel_check.h"
#include "kernels/conv_blocked.h"

using namespace onyxrt::kernels;

namespace {

struct Case {
  int64_t batch, c, m, ih, iw, kh, kw, sh, sw, dh, dw, ph, pw, pe_h, pe_w;
};

int64_t out_dim(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pb, int64_t pe) {
  return (in + pb + pe - ((k - 1) * d + 1)) / s + 1;
}

void check_case(const Case& t, bool bias, bool residual, bool clamp, int threads, uint32_t seed) {
  ConvBlockedShape s;
  s.batch = t.batch, s.c = t.c, s.m = t.m, s.ih = t.ih, s.iw = t.iw, s.kh = t.kh, s.kw = t.kw;
  s.sh = t.sh, s.sw = t.sw, s.dh = t.dh, s.dw = t.dw, s.ph = t.ph, s.pw = t.pw;
  s.oh = out_dim(t.ih, t.kh, t.sh, t.dh, t.ph, t.pe_h), s.ow = out_dim(t.iw, t.kw, t.sw, t.dw, t.pw, t.pe_w);
  const int64_t in_pos = s.ih * s.iw, out_pos = s.oh * s.ow;
  std::vector<float> x = ktest::random_floats(static_cast<size_t>(t.batch * t.c * in_pos), seed);
  std::vector<float> w = ktest::random_floats(static_cast<size_t>(t.m * t.c * t.kh * t.kw), seed + 1);
  std::vector<float> b = ktest::random_floats(static_cast<size_t>(t.m), seed + 2);
  std::vector<float> z = ktest::random_floats(static_cast<size_t>(t.batch * t.m * out_pos), seed + 3);
  if (clamp && !x.empty()) x[0] = std::numeric_limits<float>::quiet_NaN();  // reaches some outputs
  const float lo = clamp ? -0.5f : 0.0f, hi = clamp ? 0.75f : 0.0f;

  std::vector<float> xb(static_cast<size_t>(t.batch * channel_blocks(t.c) * in_pos * 16), -7.0f);
  std::vector<float> zb(static_cast<size_t>(t.batch * channel_blocks(t.m) * out_pos * 16), -7.0f);
  std::vector<float> yb(zb.size(), -7.0f), y(static_cast<size_t>(t.batch * t.m * out_pos), -7.0f);
  reorder_to_blocked_f32(x.data(), t.batch, t.c, in_pos, xb.data(), threads);
  reorder_to_blocked_f32(z.data(), t.batch, t.m, out_pos, zb.data(), threads);
  const ConvBlockedWeights packed = pack_conv_blocked_weights(w.data(), bias ? b.data() : nullptr, t.m, t.c, t.kh, t.kw);
  ConvBlockedEpilogue e;
  e.z = residual ? zb.data() : nullptr, e.clamp = clamp, e.lo = lo, e.hi = hi;
  conv_blocked_f32(s, packed, xb.data(), yb.data(), e, threads);
  reorder_from_blocked_f32(yb.data(), t.batch, t.m, out_pos, y.data(), threads);

  int bad = 0;
  for (int64_t n = 0; n < t.batch; ++n)
    for (int64_t o = 0; o < t.m; ++o)
      for (int64_t oy = 0; oy < s.oh; ++oy)
        for (int64_t ox = 0; ox < s.ow; ++ox) {
          double acc = bias ? b[o] : 0.0, mag = std::fabs(acc);
          for (int64_t c = 0; c < t.c; ++c)
            for (int64_t ky = 0; ky < t.kh; ++ky)
              for (int64_t kx = 0; kx < t.kw; ++kx) {
                const int64_t iy = oy * t.sh - t.ph + ky * t.dh, ix = ox * t.sw - t.pw + kx * t.dw;
                if (iy < 0 || iy >= t.ih || ix < 0 || ix >= t.iw) continue;
                const double p = double(x[((n * t.c + c) * t.ih + iy) * t.iw + ix]) * w[((o * t.c + c) * t.kh + ky) * t.kw + kx];
                acc += p, mag += std::fabs(p);
              }
          const int64_t at = (n * t.m + o) * out_pos + oy * s.ow + ox;
          if (residual) acc += z[at], mag += std::fabs(z[at]);
          if (clamp && !std::isnan(acc)) acc = std::min<double>(hi, std::max<double>(lo, acc));
          const float got = y[at];
          const bool ok = std::isnan(acc) ? std::isnan(got) : std::fabs(got - acc) <= 1e-5 * (mag + 1.0);
          if (!ok && bad++ < 3)
            KCHECK(false, "c%ld m%ld %ldx%ld k%ldx%ld s%ld,%ld d%ld,%ld p%ld,%ld n%ld o%ld (%ld,%ld): got %g want %g",
                   long(t.c), long(t.m), long(t.ih), long(t.iw), long(t.kh), long(t.kw), long(t.sh), long(t.sw),
                   long(t.dh), long(t.dw), long(t.ph), long(t.pw), long(n), long(o), long(oy), long(ox), got, acc);
        }
  KCHECK(bad == 0, "%d mismatches", bad);
  // The padding channels of every block come back as zeros from the reorder and stay finite.
  for (size_t i = 0; i < xb.size(); ++i) {
    const int64_t channel = (int64_t(i) / (in_pos * 16)) % channel_blocks(t.c) * 16 + int64_t(i) % 16;
    if (channel >= t.c && xb[i] != 0.0f) {
      KCHECK(false, "padding channel %ld of the blocked input is %g", long(channel), xb[i]);
      break;
    }
  }
}

}  // namespace

int main() {
  const Case cases[] = {
      // batch, c, m, ih, iw, kh, kw, sh, sw, dh, dw, ph, pw, pe_h, pe_w
      {1, 16, 32, 5, 9, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0},      // pointwise: one long row
      {2, 40, 48, 7, 30, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0},     // odd output blocks, c across blocks
      {1, 3, 17, 11, 13, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},     // few inputs, partial output block
      {1, 32, 64, 16, 33, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},    // rows wider than two tiles
      {2, 17, 32, 15, 15, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},    // stride 2
      {1, 16, 16, 12, 20, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2},    // dilation 2
      {1, 16, 48, 9, 10, 5, 1, 1, 2, 1, 1, 2, 0, 2, 0},     // 5x1, stride 2 across
      {1, 16, 32, 4, 5, 3, 3, 1, 1, 1, 1, 3, 4, 2, 3},      // padding wider than the window
      {1, 24, 32, 23, 23, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3},    // a stem-like 7x7 stride 2
      {1, 16, 32, 6, 7, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0},      // 1x1 stride 2 (not the long row)
      {1, 64, 64, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},      // every position at an edge
  };
  uint32_t seed = 1;
  for (const Case& c : cases)
    for (int threads : {1, 2})
      for (int variant = 0; variant < 4; ++variant)
        check_case(c, variant != 1, variant >= 2, variant == 3 || variant == 1, threads, seed += 7);
  return ktest::finish(conv_blocked_f32_fast() ? "conv_blocked (vector rows)" : "conv_blocked (portable rows)");
}
