#pragma once

// Depthwise 2-D (and 1-D) convolution over the stride-phase planes of conv/window_planes.h,
// written once over a vector vocabulary S (simd/f32_<isa>.h): each input plane is copied once
// (shared by its `multiplier` output channels), then every run of outputs is
//   acc = bias; acc += w[t] * load(tap t's plane + q) for each tap t
// with the tap weights broadcast in registers and four vectors in flight. 3x3 and 5x5 windows
// get their tap loops unrolled at compile time. Windows the layout does not serve (3-D, large
// planes or kernels) take the row loops of conv/depthwise_f32_loops.h. Blocks of channels
// (enough to fill most of a vector's lanes) go to the channels-in-lanes kernel of
// conv/depthwise_f32_lanes.h instead, which has no per-channel set-up.
#include <cstdint>

#include "kernels/conv.h"
#include "kernels/conv/depthwise_f32_lanes.h"
#include "kernels/conv/depthwise_f32_loops.h"
#include "kernels/conv/window_planes.h"
#include "kernels/scratch.h"

namespace onyxrt::kernels {
namespace {

constexpr int kDwMaxTaps = 64;  // weights of larger kernels would not stay in registers
// Channel ranges at least this long take the channels-in-lanes kernel (a partial block wastes
// lanes; fewer channels than this do better a plane at a time).
template <class S>
constexpr int64_t kDwLaneMinChannels = S::kLanes / 2;

// Runs n grid positions from q: vector i gets bias + sum_t w[t] * tap[t][q + i ...] and goes to
// sink.put(i, v). kTaps > 0 fixes the tap count.
template <class S, int kTaps, class Sink>
inline void dw_run(const float* const* tap, const typename S::vf32* wv, int taps_rt, typename S::vf32 vb, int64_t q,
                   int64_t n, Sink& sink) {
  using V = typename S::vf32;
  constexpr int L = S::kLanes;
  const int taps = kTaps > 0 ? kTaps : taps_rt;
  int64_t i = 0;
  for (; i + 4 * L <= n; i += 4 * L) {
    V a0 = vb, a1 = vb, a2 = vb, a3 = vb;
#pragma GCC unroll 25
    for (int t = 0; t < taps; ++t) {
      const float* p = tap[t] + q + i;
      a0 = S::fmadd(S::load(p), wv[t], a0);
      a1 = S::fmadd(S::load(p + L), wv[t], a1);
      a2 = S::fmadd(S::load(p + 2 * L), wv[t], a2);
      a3 = S::fmadd(S::load(p + 3 * L), wv[t], a3);
    }
    sink.put(i, a0), sink.put(i + L, a1), sink.put(i + 2 * L, a2), sink.put(i + 3 * L, a3);
  }
  for (; i < n; i += L) {
    V a = vb;
#pragma GCC unroll 25
    for (int t = 0; t < taps; ++t) a = S::fmadd(S::load(tap[t] + q + i), wv[t], a);
    sink.put(i, a);
  }
}

// The epilogue over n outputs already stored at y (residual z, then the clamp), for the paths
// whose stores do not map one to one onto Y's layout; run on each channel while it is in L1.
// Plain loops: the compiler vectorizes them at the unit's width.
inline void dw_epilogue_pass(const DepthwiseEpilogue& ep, float* y, const float* z, int64_t n) {
  const float lo = ep.lo, hi = ep.hi;
  if (z != nullptr)
    for (int64_t i = 0; i < n; ++i) y[i] += z[i];
  for (int64_t i = 0; i < n; ++i) {
    const float v = lo > y[i] ? lo : y[i];  // max(lo, v) and min(hi, v), NaN passing through
    y[i] = hi < v ? hi : v;
  }
}

// Flattened: whether GCC inlines the tap runs into this loop otherwise depends on what else the
// unit instantiates, and out of line the portable vocabulary's vectors go through memory
// (measured 8% slower on a generic build).
template <class S, int kTaps>
[[gnu::flatten]] inline void dw_planes_channels(const WindowPlanes& p, int64_t multiplier, const float* x,
                                                const float* w, const float* bias, float* y, int64_t c0, int64_t c1,
                                                const DepthwiseEpilogue& ep) {
  using V = typename S::vf32;
  const int64_t in_size = p.in_h * p.in_w, out_size = p.out_h * p.out_w;
  const bool flat = window_planes_flat(p, S::kLanes);
  // Two plane buffers: the next input channel is copied in while the current one is read, so the
  // taps' loads never wait on the copy's just-issued (partly masked) stores.
  float* buf[2] = {thread_scratch_f32(0, p.size), thread_scratch_f32(1, p.size)};
  clear_window_planes(p, buf[0], 0.0f);
  const int64_t first = c0 / multiplier, last = (c1 - 1) / multiplier;
  if (last > first) clear_window_planes(p, buf[1], 0.0f);
  load_window_planes<S>(p, x + first * in_size, buf[0]);
  const float* tap[2][kDwMaxTaps];
  for (int t = 0; t < p.taps; ++t) tap[0][t] = buf[0] + p.tap_offset[t], tap[1][t] = buf[1] + p.tap_offset[t];
  V wv[kDwMaxTaps];
  const bool epilogue = !ep.is_identity();
  for (int64_t o = c0; o < c1; ++o) {
    const int64_t ci = o / multiplier;
    const int cur = static_cast<int>((ci - first) & 1);
    if (o == c0 || o % multiplier == 0) {  // first output of input channel ci
      if (ci < last) load_window_planes<S>(p, x + (ci + 1) * in_size, buf[cur ^ 1]);
    }
    for (int t = 0; t < p.taps; ++t) wv[t] = S::set1(w[o * p.taps + t]);
    const V vb = S::set1(bias != nullptr ? bias[o] : 0.0f);
    float* yc = y + o * out_size;
    if (flat) {
      WindowGridSink<S> sink{p, yc};
      dw_run<S, kTaps>(tap[cur], wv, p.taps, vb, 0, (p.out_h - 1) * p.cols + p.out_w, sink);
    } else {
      for (int64_t oh = 0; oh < p.out_h; ++oh) {
        WindowRowSink<S> sink{yc + oh * p.out_w, p.out_w};
        dw_run<S, kTaps>(tap[cur], wv, p.taps, vb, oh * p.cols, p.out_w, sink);
      }
    }
    if (epilogue) dw_epilogue_pass(ep, yc, ep.z != nullptr ? ep.z + o * out_size : nullptr, out_size);
  }
}

// kernels::depthwise_conv_f32's contract.
template <class S>
inline void depthwise_planes(const ConvGeometry& g, int64_t multiplier, const float* x, const float* w,
                             const float* bias, float* y, int64_t c0, int64_t c1, const DepthwiseEpilogue& ep) {
  if (c0 >= c1) return;
  // 2-D windows only: a 1-D row is one long run of the plane kernel, with no per-row costs to save.
  if constexpr (S::kLaneKernel) {
    DwLaneGeometry q;
    if (g.rank == 2 && c1 - c0 >= kDwLaneMinChannels<S> && make_lane_geometry(g, S::kLanes, q)) {
      if (q.kh == 3 && q.kw == 3) {
        depthwise_lanes<S, 3, 3>(q, multiplier, x, w, bias, y, c0, c1, ep);
      } else if (q.kh == 5 && q.kw == 5) {
        depthwise_lanes<S, 5, 5>(q, multiplier, x, w, bias, y, c0, c1, ep);
      } else {
        depthwise_lanes<S, 0, 0>(q, multiplier, x, w, bias, y, c0, c1, ep);
      }
      return;
    }
  }
  WindowPlanes p;
  if (!make_window_planes(g, p) || p.taps > kDwMaxTaps) {
    const int64_t out_size = g.output_size();
    for (int64_t o = c0; o < c1; ++o) {  // a channel at a time, so the epilogue finds it in cache
      depthwise_rows(g, multiplier, x, w, bias, y, o, o + 1);
      if (!ep.is_identity())
        dw_epilogue_pass(ep, y + o * out_size, ep.z != nullptr ? ep.z + o * out_size : nullptr, out_size);
    }
    return;
  }
  switch (p.taps) {
    case 9: dw_planes_channels<S, 9>(p, multiplier, x, w, bias, y, c0, c1, ep); break;
    case 25: dw_planes_channels<S, 25>(p, multiplier, x, w, bias, y, c0, c1, ep); break;
    default: dw_planes_channels<S, 0>(p, multiplier, x, w, bias, y, c0, c1, ep);
  }
}

}  // namespace
}  // namespace onyxrt::kernels
