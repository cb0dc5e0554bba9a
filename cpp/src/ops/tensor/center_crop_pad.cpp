// CenterCropPad (18): resizes the given axes (all when `axes` is absent; negative counts from the
// back) to `shape` around their centers: a larger input is cropped, the window starting
// floor((in - out) / 2) in; a smaller one is padded with zeros, floor((out - in) / 2) in front
// and the odd one behind. Crop and pad mix freely across axes.
// A pure crop is a strided view copied by strided_copy (Slice's engine); otherwise the output is
// zero-filled and the kept box copied in row by row. Moves elements of any whole-byte type.
#include <algorithm>
#include <string>
#include <vector>

#include "base/parallel.h"
#include "ops/elementwise_types.h"
#include "ops/registry.h"
#include "ops/shape_check.h"
#include "ops/tensor/strided_copy.h"
#include "ops/tensor/tensor_args.h"

namespace onyxrt::ops {
namespace {

// Per axis: the kept extent and where it starts in the input and in the output.
struct Window {
  Shape kept;
  std::vector<int64_t> in_start, out_start;
  bool padded = false;
};

Window center_window(const Shape& in, const Shape& out) {
  Window w;
  for (size_t d = 0; d < in.size(); ++d) {
    w.kept.push_back(std::min(in[d], out[d]));
    w.in_start.push_back(std::max<int64_t>(0, (in[d] - out[d]) / 2));
    w.out_start.push_back(std::max<int64_t>(0, (out[d] - in[d]) / 2));
    w.padded = w.padded || out[d] > in[d];
  }
  return w;
}

std::vector<int64_t> row_major_strides(const Shape& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * shape[d];
  return strides;
}

// Copies the kept box of src into the zero-filled dst, one innermost run at a time.
template <class W>
void copy_box(const W* src, const Shape& in, W* dst, const Shape& out, const Window& w, int threads) {
  const size_t rank = in.size();
  const std::vector<int64_t> in_strides = row_major_strides(in), out_strides = row_major_strides(out);
  int64_t src_base = 0, dst_base = 0, rows = 1;
  for (size_t d = 0; d < rank; ++d) {
    src_base += w.in_start[d] * in_strides[d];
    dst_base += w.out_start[d] * out_strides[d];
    if (d + 1 < rank) rows *= w.kept[d];
  }
  const int64_t run = w.kept[rank - 1];
  parallel_for(rows, std::max<int64_t>(1, kCopyGrain / std::max<int64_t>(1, run)), threads,
               [&](int64_t begin, int64_t end) {
                 for (int64_t row = begin; row < end; ++row) {
                   int64_t s = src_base, t = dst_base, rest = row;
                   for (size_t d = rank - 1; d-- > 0;) {
                     const int64_t i = rest % w.kept[d];
                     rest /= w.kept[d];
                     s += i * in_strides[d];
                     t += i * out_strides[d];
                   }
                   std::copy_n(src + s, run, dst + t);
                 }
               });
}

class CenterCropPad final : public OpKernel {
 public:
  explicit CenterCropPad(const KernelInfo& info) : has_axes_(info.has_attr("axes")), axes_(info.attr_ints("axes")) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const int64_t rank = static_cast<int64_t>(x.rank());
    const std::vector<int64_t> shape = read_int64_list(ctx, 1, "shape");
    std::vector<int64_t> axes = axes_;
    if (has_axes_) {
      normalize_axes(ctx, axes, rank);
    } else {
      for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
    }
    if (shape.size() != axes.size())
      ctx.fail(ErrorCode::InvalidArgument, "'shape' has ", shape.size(), " values, expected ", axes.size(),
               has_axes_ ? " (one per axis in 'axes')" : " (the rank of the input)");
    Shape out_shape = x.shape();
    for (size_t k = 0; k < axes.size(); ++k) {
      if (shape[k] < 0) ctx.fail(ErrorCode::InvalidArgument, "'shape' has a negative value ", shape[k]);
      out_shape[static_cast<size_t>(axes[k])] = shape[k];
    }
    checked_output_size(ctx, out_shape);
    Tensor& y = ctx.output(0, x.dtype(), out_shape);
    if (y.size() == 0) return;
    const Window w = center_window(x.shape(), out_shape);
    const bool supported = visit_element_width(x.dtype(), [&](auto tag) {
      using W = typename decltype(tag)::type;
      const W* src = x.data<W>();
      W* dst = y.data<W>();
      if (!w.padded) {  // a crop: a view of the input
        int64_t offset = 0;
        const std::vector<int64_t> strides = row_major_strides(x.shape());
        for (size_t d = 0; d < strides.size(); ++d) offset += w.in_start[d] * strides[d];
        strided_copy(src + offset, out_shape, strides, dst, ctx.threads());
        return;
      }
      std::fill_n(dst, y.size(), W{});
      bool any = true;
      for (int64_t k : w.kept) any = any && k > 0;
      if (any && rank > 0) copy_box(src, x.shape(), dst, out_shape, w, ctx.threads());
    });
    if (!supported)
      ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(x.dtype()), " is not supported");
  }

 private:
  bool has_axes_;
  std::vector<int64_t> axes_;
};

}  // namespace

void register_center_crop_pad(Registry& r) {
  r.add({"", "CenterCropPad", 18, kWholeByteTypes, make_kernel<CenterCropPad>});
}

}  // namespace onyxrt::ops
