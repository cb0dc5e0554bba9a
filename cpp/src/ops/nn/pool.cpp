// MaxPool (opsets 1, 8, 10, 11, 12), AveragePool (1, 7, 10, 11, 19) over 1 to 3 spatial axes,
// GlobalAveragePool and GlobalMaxPool (1) over any number. The window rules (auto_pad, pads,
// strides, dilations, ceil_mode) are the ones Conv uses (ops/window_geometry.h). Each (n, c) plane
// is one unit of parallel work; windows are clipped to the input once per axis and output index.
// Types: float, double, float16 / bfloat16 (through float); MaxPool also int8 / uint8 (opset 12).
#include <algorithm>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include "base/parallel.h"
#include "kernels/pool.h"
#include "ops/float_staging.h"
#include "ops/registry.h"
#include "ops/window_geometry.h"

namespace onyxrt::ops {
namespace {

using kernels::ConvGeometry;

int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// The windows of one axis, per output index: the input position of kernel tap 0, the taps
// [lo, hi) that fall inside the input, and how many fall inside the padded input (for
// count_include_pad; windows never start before the begin padding).
struct AxisWindows {
  int64_t input = 1, dilation = 1, output = 1;
  std::vector<int64_t> start{0}, lo{0}, hi{1}, padded{1};
};

// Pooling runs as a 3-D loop nest: 1-D and 2-D windows get leading unit axes. The leading
// position also keeps the column-major Indices formula (d + h * D + w * D * H) right.

struct PoolWindows {
  AxisWindows axis[kMaxPoolSpatialRank];
};

PoolWindows make_windows(const ConvGeometry& g, const int64_t* pad_end) {
  PoolWindows w;
  const int shift = kMaxPoolSpatialRank - g.rank;
  for (int d = shift; d < kMaxPoolSpatialRank; ++d) {
    const int s = d - shift;
    AxisWindows& a = w.axis[d];
    a.input = g.input[s], a.dilation = g.dilation[s], a.output = g.output[s];
    const size_t n = static_cast<size_t>(a.output);
    a.start.resize(n), a.lo.resize(n), a.hi.resize(n), a.padded.resize(n);
    for (int64_t o = 0; o < a.output; ++o) {
      const int64_t start = o * g.stride[s] - g.pad_begin[s];
      a.start[o] = start;
      a.lo[o] = std::max<int64_t>(0, ceil_div(-start, a.dilation));
      a.hi[o] = std::max(a.lo[o], std::min<int64_t>(g.kernel[s], ceil_div(a.input - start, a.dilation)));
      const int64_t padded_end = ceil_div(a.input + pad_end[s] - start, a.dilation);
      a.padded[o] = std::max<int64_t>(0, std::min<int64_t>(g.kernel[s], padded_end));
    }
  }
  return w;
}

// Runs f(plane) for every (n, c) plane, in parallel chunks big enough to pay for a thread.
template <class F>
void for_each_plane(const PoolWindows& w, int64_t planes, int64_t taps, int threads, F&& f) {
  const int64_t out_size = w.axis[0].output * w.axis[1].output * w.axis[2].output;
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, out_size * taps));
  parallel_for(planes, grain, threads, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) f(p);
  });
}

// Runs f(begin, end) over chunks of the (n, c) planes, in parallel, each big enough to pay for a
// thread.
template <class F>
void for_plane_chunks(const PoolWindows& w, int64_t planes, int64_t taps, int threads, F&& f) {
  const int64_t out_size = w.axis[0].output * w.axis[1].output * w.axis[2].output;
  parallel_for(planes, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, out_size * taps)), threads, f);
}

// Float windows of 1 or 2 spatial axes go to the vectorized kernels (kernels/pool.h), which
// take the same windows and give the same results (averages up to the last bits: they may sum
// a window in another order); false when they do not serve this window.
bool pool_kernel_serves(const ConvGeometry& g) {
  return g.rank <= 2 && kernels::pool_f32(g, kernels::PoolF32Kind::Max, nullptr, nullptr, nullptr, nullptr, 0, 0);
}

// One window whose taps inside the input are the whole plane, padding or not (a classifier head's
// AveragePool 7x7 on 7x7, or inception_v1's 7x7 with end padding on 6x6).
bool window_covers_plane(const PoolWindows& w) {
  for (const AxisWindows& a : w.axis)
    if (a.output != 1 || a.dilation != 1 || a.start[0] + a.lo[0] != 0 || a.hi[0] - a.lo[0] != a.input) return false;
  return true;
}

template <class F>
bool run_pool_kernels(const PoolWindows& w, const ConvGeometry& g, int64_t planes, bool whole_plane_mean,
                      const float* x, float* y, int threads, F&& window) {
  // The mean of the plane, as GlobalAveragePool computes it, in one pass with no window set-up;
  // average only: the global max starts from the first element, the windowed one from lowest().
  if (whole_plane_mean) {
    const int64_t n = g.input_size();
    parallel_for(planes, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, n)), threads, [&](int64_t begin, int64_t end) {
      kernels::global_pool_f32(kernels::PoolF32Kind::Average, x, n, y, begin, end);
    });
    return true;
  }
  if (!pool_kernel_serves(g)) return false;
  for_plane_chunks(w, planes, g.kernel_size(), threads, window);
  return true;
}

// Max or sum of every window of one plane, computed a row of outputs at a time: for each kernel
// tap the row update y[ow] = op(y[ow], x[ow * stride + offset]) runs over the outputs whose tap
// lies inside the input, a branch-free loop the compiler vectorizes at stride 1.
template <class T, bool kMax>
void reduce_windows(const PoolWindows& w, const int64_t* stride_w, const int64_t* pad_w, int64_t kernel_w,
                    const T* xp, T* yp) {
  const AxisWindows &ad = w.axis[0], &ah = w.axis[1], &aw = w.axis[2];
  const int64_t sw = *stride_w, width = aw.input, out_w = aw.output;
  for (int64_t od = 0; od < ad.output; ++od)
    for (int64_t oh = 0; oh < ah.output; ++oh) {
      T* yrow = yp + (od * ah.output + oh) * out_w;
      std::fill(yrow, yrow + out_w, kMax ? std::numeric_limits<T>::lowest() : T(0));
      for (int64_t kd = ad.lo[od]; kd < ad.hi[od]; ++kd)
        for (int64_t kh = ah.lo[oh]; kh < ah.hi[oh]; ++kh) {
          const int64_t id = ad.start[od] + kd * ad.dilation, ih = ah.start[oh] + kh * ah.dilation;
          const T* xrow = xp + (id * ah.input + ih) * width;
          for (int64_t kw = 0; kw < kernel_w; ++kw) {
            const int64_t off = kw * aw.dilation - *pad_w;  // input column of output 0's tap
            const int64_t lo = std::clamp<int64_t>(ceil_div(-off, sw), 0, out_w);
            const int64_t hi = std::clamp<int64_t>(ceil_div(width - off, sw), lo, out_w);
            if (sw == 1) {
              for (int64_t ow = lo; ow < hi; ++ow)
                yrow[ow] = kMax ? std::max(yrow[ow], xrow[ow + off]) : yrow[ow] + xrow[ow + off];
            } else {
              for (int64_t ow = lo; ow < hi; ++ow) {
                const T v = xrow[ow * sw + off];
                yrow[ow] = kMax ? std::max(yrow[ow], v) : yrow[ow] + v;
              }
            }
          }
        }
    }
}

// MaxPool with the Indices output: the flat index into X of the first maximum, with the spatial
// part row-major (storage_order 0) or column-major (1). One window at a time, branch-free updates.
template <class T>
void max_pool_indices(const PoolWindows& w, const T* xp, T* yp, int64_t* ip, int64_t plane_offset,
                      bool column_major) {
  const AxisWindows &ad = w.axis[0], &ah = w.axis[1], &aw = w.axis[2];
  int64_t out = 0;
  for (int64_t od = 0; od < ad.output; ++od)
    for (int64_t oh = 0; oh < ah.output; ++oh)
      for (int64_t ow = 0; ow < aw.output; ++ow, ++out) {
        T best = std::numeric_limits<T>::lowest();
        int64_t bd = -1, bh = -1, bw = -1;
        for (int64_t kd = ad.lo[od]; kd < ad.hi[od]; ++kd) {
          const int64_t id = ad.start[od] + kd * ad.dilation;
          for (int64_t kh = ah.lo[oh]; kh < ah.hi[oh]; ++kh) {
            const int64_t ih = ah.start[oh] + kh * ah.dilation;
            const T* row = xp + (id * ah.input + ih) * aw.input;
            for (int64_t kw = aw.lo[ow]; kw < aw.hi[ow]; ++kw) {
              const int64_t iw = aw.start[ow] + kw * aw.dilation;
              const bool better = bd < 0 || row[iw] > best;  // strict: the first maximum wins
              best = better ? row[iw] : best;
              bd = better ? id : bd, bh = better ? ih : bh, bw = better ? iw : bw;
            }
          }
        }
        yp[out] = best;
        const int64_t flat = column_major ? bd + bh * ad.input + bw * ad.input * ah.input
                                          : (bd * ah.input + bh) * aw.input + bw;
        ip[out] = bd < 0 ? -1 : plane_offset + flat;
      }
}

template <class T>
void max_pool(const PoolWindows& w, const ConvGeometry& g, int64_t planes, const T* x, T* y, int64_t* indices,
              bool column_major, int threads) {
  const int64_t in_size = g.input_size(), out_size = g.output_size(), last = g.rank - 1;
  if constexpr (std::is_same_v<T, float>) {
    if (indices == nullptr && run_pool_kernels(w, g, planes, false, x, y, threads,
                                               [&](int64_t begin, int64_t end) {
                                                 kernels::pool_f32(g, kernels::PoolF32Kind::Max, nullptr, nullptr, x,
                                                                   y, begin, end);
                                               }))
      return;
  }
  for_each_plane(w, planes, g.kernel_size(), threads, [&](int64_t p) {
    if (indices != nullptr) {
      max_pool_indices(w, x + p * in_size, y + p * out_size, indices + p * out_size, p * in_size, column_major);
    } else {
      reduce_windows<T, true>(w, &g.stride[last], &g.pad_begin[last], g.kernel[last], x + p * in_size,
                              y + p * out_size);
    }
  });
}

template <class T>
void average_pool(const PoolWindows& w, const ConvGeometry& g, int64_t planes, const T* x, T* y,
                  bool count_include_pad, int threads) {
  const AxisWindows &ad = w.axis[0], &ah = w.axis[1], &aw = w.axis[2];
  const int64_t in_size = g.input_size(), out_size = g.output_size(), last = g.rank - 1;
  auto taps = [&](const AxisWindows& a, int64_t o) { return count_include_pad ? a.padded[o] : a.hi[o] - a.lo[o]; };
  if constexpr (std::is_same_v<T, float>) {
    if (g.rank <= 2) {
      std::vector<float> count_h(static_cast<size_t>(ah.output)), count_w(static_cast<size_t>(aw.output));
      for (int64_t o = 0; o < ah.output; ++o) count_h[o] = static_cast<float>(taps(ad, 0) * taps(ah, o));
      for (int64_t o = 0; o < aw.output; ++o) count_w[o] = static_cast<float>(taps(aw, o));
      // The divisor is then the plane size unless padding counts.
      const bool whole_plane_mean =
          window_covers_plane(w) && count_h[0] * count_w[0] == static_cast<float>(g.input_size());
      if (run_pool_kernels(w, g, planes, whole_plane_mean, x, y, threads,
                           [&](int64_t begin, int64_t end) {
                             kernels::pool_f32(g, kernels::PoolF32Kind::Average, count_h.data(), count_w.data(), x,
                                               y, begin, end);
                           }))
        return;
    }
  }
  for_each_plane(w, planes, g.kernel_size(), threads, [&](int64_t p) {
    T* yp = y + p * out_size;
    reduce_windows<T, false>(w, &g.stride[last], &g.pad_begin[last], g.kernel[last], x + p * in_size, yp);
    for (int64_t od = 0; od < ad.output; ++od)
      for (int64_t oh = 0; oh < ah.output; ++oh) {
        const int64_t outer = taps(ad, od) * taps(ah, oh);
        T* yrow = yp + (od * ah.output + oh) * aw.output;
        for (int64_t ow = 0; ow < aw.output; ++ow) {
          const int64_t count = outer * taps(aw, ow);
          yrow[ow] = count > 0 ? yrow[ow] / static_cast<T>(count) : T(0);
        }
      }
  });
}

enum class PoolKind { Max, Average };

class Pool final : public OpKernel {
 public:
  Pool(const KernelInfo& info, PoolKind kind) : kind_(kind), window_(parse_window_attributes(info)) {
    if (window_.kernel_shape.empty())
      info.fail(ErrorCode::InvalidGraph, "required attribute 'kernel_shape' is missing");
    const size_t rank = window_.kernel_shape.size();
    for (size_t d = 0; d < window_.pads.size(); ++d)
      if (window_.pads[d] >= window_.kernel_shape[d % rank])
        info.fail(ErrorCode::InvalidGraph, "pad ", window_.pads[d], " is not smaller than the kernel (",
                  window_.kernel_shape[d % rank], ") on axis ", d % rank);
    count_include_pad_ = info.attr_int("count_include_pad", 0) != 0;
    column_major_ = info.attr_int("storage_order", 0) != 0;
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const WindowPlan plan = resolve_pool_window(window_, ctx, x.shape());
    const Shape out_shape = window_output_shape(plan, x.dim(0), x.dim(1));
    Tensor& y = ctx.output(0, x.dtype(), out_shape);
    int64_t* indices = nullptr;
    if (kind_ == PoolKind::Max && ctx.has_output(1))
      indices = ctx.output(1, DataType::Int64, out_shape).data<int64_t>();
    if (y.size() == 0) return;
    const int64_t planes = x.dim(0) * x.dim(1);
    const ConvGeometry& g = plan.geometry;
    const PoolWindows w = make_windows(g, plan.pad_end);
    auto run = [&](auto* xd, auto* yd) {
      if (kind_ == PoolKind::Max) {
        max_pool(w, g, planes, xd, yd, indices, column_major_, ctx.threads());
      } else {
        average_pool(w, g, planes, xd, yd, count_include_pad_, ctx.threads());
      }
    };
    switch (x.dtype()) {
      case DataType::Float: run(x.data<float>(), y.data<float>()); break;
      case DataType::Double: run(x.data<double>(), y.data<double>()); break;
      case DataType::Int8:  // MaxPool only (AveragePool is not registered for 8-bit types)
        max_pool(w, g, planes, x.data<int8_t>(), y.data<int8_t>(), indices, column_major_, ctx.threads());
        break;
      case DataType::UInt8:
        max_pool(w, g, planes, x.data<uint8_t>(), y.data<uint8_t>(), indices, column_major_, ctx.threads());
        break;
      default: {  // 16-bit floats through float
        const Tensor xf = widen_to_float(x);
        Tensor yf(DataType::Float, y.shape());
        run(xf.data<float>(), yf.data<float>());
        narrow_from_float(yf.data<float>(), y);
      }
    }
  }

 private:
  PoolKind kind_;
  WindowAttributes window_;
  bool count_include_pad_ = false;
  bool column_major_ = false;
};

// GlobalAveragePool / GlobalMaxPool: one value per (n, c) plane, spatial axes kept as 1s.
class GlobalPool final : public OpKernel {
 public:
  GlobalPool(const KernelInfo&, PoolKind kind) : kind_(kind) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.rank() < 3)
      ctx.fail(ErrorCode::InvalidArgument, "input must have N, C and spatial axes, got shape ",
               shape_to_string(x.shape()));
    Shape out_shape = x.shape();
    std::fill(out_shape.begin() + 2, out_shape.end(), 1);
    Tensor& y = ctx.output(0, x.dtype(), out_shape);
    const int64_t planes = x.dim(0) * x.dim(1), plane = planes == 0 ? 0 : x.size() / planes;
    auto run = [&](auto* xd, auto* yd) {
      using T = std::remove_const_t<std::remove_pointer_t<decltype(xd)>>;
      if constexpr (std::is_same_v<T, float>) {
        if (plane > 0) {
          const auto kind = kind_ == PoolKind::Max ? kernels::PoolF32Kind::Max : kernels::PoolF32Kind::Average;
          parallel_for(planes, std::max<int64_t>(1, 16384 / plane), ctx.threads(),
                       [&](int64_t begin, int64_t end) { kernels::global_pool_f32(kind, xd, plane, yd, begin, end); });
          return;
        }
      }
      parallel_for(planes, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, plane)), ctx.threads(),
                   [&](int64_t begin, int64_t end) {
                     for (int64_t p = begin; p < end; ++p) {
                       const T* xp = xd + p * plane;
                       if (kind_ == PoolKind::Max) {
                         T m = plane > 0 ? xp[0] : T(0);
                         for (int64_t i = 1; i < plane; ++i) m = xp[i] > m ? xp[i] : m;
                         yd[p] = m;
                       } else {
                         T s = 0;
                         for (int64_t i = 0; i < plane; ++i) s += xp[i];
                         yd[p] = plane > 0 ? s / static_cast<T>(plane) : T(0);
                       }
                     }
                   });
    };
    if (x.dtype() == DataType::Float) {
      run(x.data<float>(), y.data<float>());
    } else if (x.dtype() == DataType::Double) {
      run(x.data<double>(), y.data<double>());
    } else {
      const Tensor xf = widen_to_float(x);
      Tensor yf(DataType::Float, y.shape());
      run(xf.data<float>(), yf.data<float>());
      narrow_from_float(yf.data<float>(), y);
    }
  }

 private:
  PoolKind kind_;
};

template <class K, PoolKind kind>
std::unique_ptr<OpKernel> make_pool(const KernelInfo& info) {
  return std::make_unique<K>(info, kind);
}

}  // namespace

void register_pool(Registry& r) {
  const TypeSet floats{DataType::Float, DataType::Double, DataType::Float16};
  const auto max_pool = make_pool<Pool, PoolKind::Max>;
  const auto avg_pool = make_pool<Pool, PoolKind::Average>;
  // MaxPool: 8 adds Indices and storage_order, 10 ceil_mode and dilations, 12 int8 / uint8.
  for (int since : {1, 8, 10, 11}) r.add({"", "MaxPool", since, floats, max_pool});
  r.add({"", "MaxPool", 12, floats | TypeSet{DataType::Int8, DataType::UInt8}, max_pool});
  // AveragePool: 7 adds count_include_pad, 10 ceil_mode, 19 dilations.
  for (int since : {1, 7, 10, 11, 19}) r.add({"", "AveragePool", since, floats, avg_pool});
  r.add({"", "GlobalAveragePool", 1, floats, make_pool<GlobalPool, PoolKind::Average>});
  r.add({"", "GlobalMaxPool", 1, floats, make_pool<GlobalPool, PoolKind::Max>});
}

}  // namespace onyxrt::ops
