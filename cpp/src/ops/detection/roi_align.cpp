// RoiAlign (opsets 10, 16, 22): each RoI (x1, y1, x2, y2, scaled by spatial_scale) is cut into
// output_height x output_width bins; each bin samples a grid of points (sampling_ratio per axis,
// or ceil(bin size) when 0) bilinearly and pools them by average or max. half_pixel (16's
// default) shifts the RoI by -0.5 pixel; output_half_pixel (opset 10's only behaviour) does not
// and stretches RoIs smaller than a pixel to one. The arithmetic follows onnxruntime's (which the
// ONNX reference copies), max mode included: the max over points of the largest of the four
// weighted corner values. Bilinear weights are separable, so each RoI keeps one table per axis.
// Units of parallel work are (RoI, channel) ranges.
// Types: float, double, float16 / bfloat16 through float.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "base/parallel.h"
#include "ops/float_staging.h"
#include "ops/registry.h"

namespace onyxrt::ops {
namespace {

enum class PoolMode { Avg, Max };

// Sampling points per channel (and along one axis) beyond which a RoI is refused rather than run
// for hours: far above what a RoI inside any real feature map needs.
constexpr double kMaxSamples = double(int64_t{1} << 26);
constexpr double kMaxAxisSamples = double(int64_t{1} << 20);

// One sample coordinate along an axis: the two neighbours and their weights (both 0 outside).
template <class T>
struct AxisSample {
  int64_t low = 0, high = 0;
  T w_low = 0, w_high = 0;
};

// The samples of all bins along one axis (bins * grid of them), onnxruntime's clamping rules.
template <class T>
void axis_samples(T start, T bin, int64_t bins, int64_t grid, int64_t size, std::vector<AxisSample<T>>& out) {
  out.assign(static_cast<size_t>(bins * grid), AxisSample<T>{});
  for (int64_t p = 0; p < bins; ++p) {
    for (int64_t i = 0; i < grid; ++i) {
      T v = start + static_cast<T>(p) * bin + (static_cast<T>(i) + T(0.5)) * bin / static_cast<T>(grid);
      AxisSample<T>& s = out[p * grid + i];
      if (!(v >= T(-1) && v <= static_cast<T>(size))) continue;  // outside (or NaN): weights stay 0
      v = std::max(v, T(0));
      s.low = static_cast<int64_t>(v);
      if (s.low >= size - 1) {
        s.low = s.high = size - 1;
        v = static_cast<T>(s.low);
      } else {
        s.high = s.low + 1;
      }
      s.w_high = v - static_cast<T>(s.low);
      s.w_low = T(1) - s.w_high;
    }
  }
}

struct RoiAlignAttributes {
  PoolMode mode = PoolMode::Avg;
  int64_t height = 1, width = 1, sampling_ratio = 0;
  float spatial_scale = 1;
  bool half_pixel = false;
};

class RoiAlign final : public OpKernel {
 public:
  RoiAlign(const KernelInfo& info, bool half_pixel_default) {
    const std::string mode = info.attr_string("mode", "avg");
    if (mode != "avg" && mode != "max")
      info.fail(ErrorCode::InvalidGraph, "attribute 'mode' is '", mode, "'; expected avg or max");
    a_.mode = mode == "avg" ? PoolMode::Avg : PoolMode::Max;
    a_.height = info.attr_int("output_height", 1);
    a_.width = info.attr_int("output_width", 1);
    a_.sampling_ratio = info.attr_int("sampling_ratio", 0);
    a_.spatial_scale = info.attr_float("spatial_scale", 1.0f);
    if (a_.height < 1 || a_.width < 1)
      info.fail(ErrorCode::InvalidGraph, "output_height and output_width must be positive, got ", a_.height, " and ",
                a_.width);
    if (a_.sampling_ratio < 0)
      info.fail(ErrorCode::InvalidGraph, "attribute 'sampling_ratio' must not be negative, got ", a_.sampling_ratio);
    a_.half_pixel = half_pixel_default;
    if (half_pixel_default) {  // the attribute exists from opset 16, with half_pixel its default
      const std::string ctm = info.attr_string("coordinate_transformation_mode", "half_pixel");
      if (ctm != "half_pixel" && ctm != "output_half_pixel")
        info.fail(ErrorCode::InvalidGraph, "attribute 'coordinate_transformation_mode' is '", ctm,
                  "'; expected half_pixel or output_half_pixel");
      a_.half_pixel = ctm == "half_pixel";
    }
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& rois = ctx.input(1);
    const Tensor& batch_indices = ctx.input(2);
    if (x.rank() != 4)
      ctx.fail(ErrorCode::InvalidArgument, "X must have shape [N, C, H, W], got ", shape_to_string(x.shape()));
    if (rois.dtype() != x.dtype() || rois.rank() != 2 || rois.dim(1) != 4)
      ctx.fail(ErrorCode::InvalidArgument, "rois must be ", data_type_name(x.dtype()),
               " with shape [num_rois, 4], got ", data_type_name(rois.dtype()), " ", shape_to_string(rois.shape()));
    const int64_t num_rois = rois.dim(0);
    if (batch_indices.dtype() != DataType::Int64 || batch_indices.shape() != Shape{num_rois})
      ctx.fail(ErrorCode::InvalidArgument, "batch_indices must be int64 with shape [", num_rois, "], got ",
               data_type_name(batch_indices.dtype()), " ", shape_to_string(batch_indices.shape()));
    const int64_t* batch = batch_indices.data<int64_t>();
    for (int64_t r = 0; r < num_rois; ++r)
      if (batch[r] < 0 || batch[r] >= x.dim(0))
        ctx.fail(ErrorCode::InvalidArgument, "batch_indices[", r, "] = ", batch[r], " is out of range for X with ",
                 x.dim(0), " images");
    Tensor& y = ctx.output(0, x.dtype(), {num_rois, x.dim(1), a_.height, a_.width});
    if (y.size() == 0) return;
    if (x.dim(2) == 0 || x.dim(3) == 0) {  // every sample falls outside an empty map
      std::memset(y.raw(), 0, y.nbytes());
      return;
    }
    if (x.dtype() == DataType::Double) {
      run(ctx, x.data<double>(), x.shape(), rois.data<double>(), batch, num_rois, y.data<double>());
    } else {
      const Tensor xf = widen_to_float(x), rf = widen_to_float(rois);
      Tensor yf = x.dtype() == DataType::Float ? y : Tensor(DataType::Float, y.shape());
      run(ctx, xf.data<float>(), x.shape(), rf.data<float>(), batch, num_rois, yf.data<float>());
      if (x.dtype() != DataType::Float) narrow_from_float(yf.data<float>(), y);
    }
  }

 private:
  // One RoI in bins: where the first bin starts, the bin size and the sampling grid per bin.
  template <class T>
  struct RoiBins {
    T start_h = 0, start_w = 0, bin_h = 0, bin_w = 0;
    int64_t grid_h = 0, grid_w = 0;  // <= 0 (a reversed RoI in half_pixel mode): no samples
  };

  template <class T>
  RoiBins<T> bins_of(const KernelContext& ctx, const T* roi, int64_t index) const {
    RoiBins<T> b;
    const T offset = a_.half_pixel ? T(0.5) : T(0);
    const T scale = static_cast<T>(a_.spatial_scale);
    b.start_w = roi[0] * scale - offset, b.start_h = roi[1] * scale - offset;
    T roi_w = roi[2] * scale - offset - b.start_w, roi_h = roi[3] * scale - offset - b.start_h;
    if (!a_.half_pixel) roi_w = std::max(roi_w, T(1)), roi_h = std::max(roi_h, T(1));  // malformed: 1x1
    b.bin_h = roi_h / static_cast<T>(a_.height), b.bin_w = roi_w / static_cast<T>(a_.width);
    const double gh = a_.sampling_ratio > 0 ? double(a_.sampling_ratio) : std::ceil(double(b.bin_h));
    const double gw = a_.sampling_ratio > 0 ? double(a_.sampling_ratio) : std::ceil(double(b.bin_w));
    const double along_h = std::max(gh, 0.0) * double(a_.height), along_w = std::max(gw, 0.0) * double(a_.width);
    if (!(along_h <= kMaxAxisSamples && along_w <= kMaxAxisSamples && along_h * along_w <= kMaxSamples))
      ctx.fail(ErrorCode::InvalidArgument, "RoI ", index, " (", roi[0], ", ", roi[1], ", ", roi[2], ", ", roi[3],
               ") needs a sampling grid of ", gh, " x ", gw, " points per bin, too many to run");
    b.grid_h = static_cast<int64_t>(gh), b.grid_w = static_cast<int64_t>(gw);
    return b;
  }

  // Pools one channel plane of a RoI whose per-axis samples are ys (bins * gh) and xs.
  template <class T>
  void pool_plane(const std::vector<AxisSample<T>>& ys, const std::vector<AxisSample<T>>& xs, int64_t gh,
                  int64_t gw, T count, const T* plane, int64_t width, T* out) const {
    for (int64_t ph = 0; ph < a_.height; ++ph) {
      for (int64_t pw = 0; pw < a_.width; ++pw) {
        T acc = 0;
        for (int64_t iy = 0; iy < gh; ++iy) {
          const AxisSample<T>& sy = ys[ph * gh + iy];
          const T* row_low = plane + sy.low * width;
          const T* row_high = plane + sy.high * width;
          for (int64_t ix = 0; ix < gw; ++ix) {
            const AxisSample<T>& sx = xs[pw * gw + ix];
            const T v1 = sy.w_low * sx.w_low * row_low[sx.low], v2 = sy.w_low * sx.w_high * row_low[sx.high];
            const T v3 = sy.w_high * sx.w_low * row_high[sx.low], v4 = sy.w_high * sx.w_high * row_high[sx.high];
            if (a_.mode == PoolMode::Avg) {
              acc += v1 + v2 + v3 + v4;
            } else {
              const T v = std::max(std::max(v1, v2), std::max(v3, v4));
              acc = iy == 0 && ix == 0 ? v : std::max(acc, v);
            }
          }
        }
        out[ph * a_.width + pw] = a_.mode == PoolMode::Avg ? acc / count : acc;
      }
    }
  }

  template <class T>
  void run(const KernelContext& ctx, const T* x, const Shape& shape, const T* rois, const int64_t* batch,
           int64_t num_rois, T* y) const {
    const int64_t channels = shape[1], height = shape[2], width = shape[3];
    std::vector<RoiBins<T>> bins(static_cast<size_t>(num_rois));
    for (int64_t r = 0; r < num_rois; ++r) bins[r] = bins_of(ctx, rois + r * 4, r);  // fails here, not in threads
    const int64_t plane_out = a_.height * a_.width;
    const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, plane_out * 4));
    parallel_for(num_rois * channels, grain, ctx.threads(), [&](int64_t begin, int64_t end) {
      std::vector<AxisSample<T>> ys, xs;
      int64_t current = -1;
      for (int64_t u = begin; u < end; ++u) {
        const int64_t r = u / channels, c = u % channels;
        const RoiBins<T>& b = bins[r];
        const int64_t gh = std::max<int64_t>(b.grid_h, 0), gw = std::max<int64_t>(b.grid_w, 0);
        if (r != current) {
          axis_samples(b.start_h, b.bin_h, a_.height, gh, height, ys);
          axis_samples(b.start_w, b.bin_w, a_.width, gw, width, xs);
          current = r;
        }
        const T count = static_cast<T>(std::max<int64_t>(b.grid_h * b.grid_w, 1));
        pool_plane(ys, xs, gh, gw, count, x + (batch[r] * channels + c) * height * width, width, y + u * plane_out);
      }
    });
  }

  RoiAlignAttributes a_;
};

template <bool kHalfPixelDefault>
std::unique_ptr<OpKernel> make_roi_align(const KernelInfo& info) {
  return std::make_unique<RoiAlign>(info, kHalfPixelDefault);
}

}  // namespace

void register_roi_align(Registry& r) {
  const TypeSet types{DataType::Float, DataType::Double, DataType::Float16};
  // 10 has no coordinate_transformation_mode (output_half_pixel); 16 adds it, defaulting to
  // half_pixel; 22 adds bfloat16.
  r.add({"", "RoiAlign", 10, types, make_roi_align<false>});
  r.add({"", "RoiAlign", 16, types, make_roi_align<true>});
  r.add({"", "RoiAlign", 22, types | TypeSet{DataType::BFloat16}, make_roi_align<true>});
}

}  // namespace onyxrt::ops
