// MaxUnpool (opsets 9, 11, 22): Y is zero except Y[I[i]] = X[i], the partial inverse of MaxPool
// whose Indices output I is (flat indices over the whole N, C, spatial tensor). Without the
// output_shape input Y has the pooled-from size
//   (X - 1) * stride - pad_begin - pad_end + kernel
// per spatial axis. A given output_shape may be larger per spatial axis (an input the pool could
// have floored down): the indices still address the inferred shape, and each value keeps its
// position in it, i.e. the inferred block sits at the start of every axis of Y, as the ONNX
// reference and its conformance case have it.
// Types: float, double, float16 / bfloat16 (values are moved, not computed).
#include <cstring>
#include <vector>

#include "ops/registry.h"
#include "ops/shape_check.h"
#include "ops/tensor/tensor_args.h"
#include "ops/window_geometry.h"

namespace onyxrt::ops {
namespace {

class MaxUnpool final : public OpKernel {
 public:
  explicit MaxUnpool(const KernelInfo& info) : window_(parse_window_attributes(info)) {
    if (window_.kernel_shape.empty())
      info.fail(ErrorCode::InvalidGraph, "required attribute 'kernel_shape' is missing");
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& indices = ctx.input(1);
    const size_t rank = window_.kernel_shape.size();
    if (x.rank() != rank + 2)
      ctx.fail(ErrorCode::InvalidArgument, "X has shape ", shape_to_string(x.shape()), " but kernel_shape has ",
               rank, " axes; X needs N, C and that many spatial axes");
    if (indices.dtype() != DataType::Int64 || indices.shape() != x.shape())
      ctx.fail(ErrorCode::InvalidArgument, "I must be int64 with X's shape ", shape_to_string(x.shape()), ", got ",
               data_type_name(indices.dtype()), " ", shape_to_string(indices.shape()));
    const Shape inferred = inferred_shape(ctx, x.shape());
    const Shape out_shape = ctx.has_input(2) ? given_shape(ctx, inferred) : inferred;
    checked_output_size(ctx, out_shape);
    Tensor& y = ctx.output(0, x.dtype(), out_shape);
    const size_t bytes = static_cast<size_t>(data_type_bits(x.dtype()) / 8);
    std::memset(y.raw(), 0, y.nbytes());
    const int64_t total = checked_output_size(ctx, inferred);
    // Row-major strides of both shapes, to move an index of the inferred shape into Y.
    std::vector<int64_t> from(rank + 2, 1), to(rank + 2, 1);
    for (size_t d = rank + 1; d-- > 0;) from[d] = from[d + 1] * inferred[d + 1], to[d] = to[d + 1] * out_shape[d + 1];
    const bool same = inferred == out_shape;
    const int64_t* idx = indices.data<int64_t>();
    const auto* src = static_cast<const unsigned char*>(x.raw());
    auto* dst = static_cast<unsigned char*>(y.raw());
    // One pass in order, so that a repeated index keeps the last value, as a sequential scatter does.
    for (int64_t i = 0; i < x.size(); ++i) {
      int64_t v = idx[i];
      if (v < 0 || v >= total)
        ctx.fail(ErrorCode::InvalidArgument, "index ", v, " (element ", i, " of I) is out of range for the ",
                 shape_to_string(inferred), " unpooled tensor (", total, " elements)");
      int64_t target = v;
      if (!same) {
        target = 0;
        for (size_t d = 0; d < rank + 2; ++d) target += (v / from[d]) * to[d], v %= from[d];
      }
      std::memcpy(dst + target * bytes, src + i * bytes, bytes);
    }
  }

 private:
  Shape inferred_shape(const KernelContext& ctx, const Shape& x) const {
    const size_t rank = window_.kernel_shape.size();
    auto check_len = [&](const char* name, size_t n, size_t want) {
      if (n != 0 && n != want)
        ctx.fail(ErrorCode::InvalidArgument, "attribute '", name, "' has ", n, " values but X (shape ",
                 shape_to_string(x), ") needs ", want);
    };
    check_len("strides", window_.strides.size(), rank);
    check_len("pads", window_.pads.size(), 2 * rank);
    Shape out{x[0], x[1]};
    for (size_t d = 0; d < rank; ++d) {
      const int64_t stride = window_.strides.empty() ? 1 : window_.strides[d];
      const int64_t pads = window_.pads.empty() ? 0 : window_.pads[d] + window_.pads[rank + d];
      int64_t dim = 0;
      if (__builtin_mul_overflow(x[2 + d] - 1, stride, &dim) ||
          __builtin_add_overflow(dim, window_.kernel_shape[d] - pads, &dim) || dim < 0)
        ctx.fail(ErrorCode::InvalidArgument, "the unpooled size of axis ", d, " of X (shape ", shape_to_string(x),
                 ") is invalid with kernel ", window_.kernel_shape[d], ", stride ", stride, " and pads ", pads);
      out.push_back(dim);
    }
    return out;
  }

  static Shape given_shape(const KernelContext& ctx, const Shape& inferred) {
    const std::vector<int64_t> given = read_int64_list(ctx, 2, "output_shape");
    bool fits = given.size() == inferred.size() && given[0] == inferred[0] && given[1] == inferred[1];
    for (size_t d = 2; fits && d < given.size(); ++d) fits = given[d] >= inferred[d];
    if (!fits)
      ctx.fail(ErrorCode::InvalidArgument, "output_shape ", shape_to_string(Shape(given.begin(), given.end())),
               " must keep X's N and C and be at least the unpooled shape ", shape_to_string(inferred),
               " on every spatial axis");
    return Shape(given.begin(), given.end());
  }

  WindowAttributes window_;  // kernel_shape, strides, pads
};

}  // namespace

void register_max_unpool(Registry& r) {
  const TypeSet types{DataType::Float, DataType::Double, DataType::Float16};
  // 11 only restates how output_shape resolves the ambiguity; 22 adds bfloat16.
  r.add({"", "MaxUnpool", 9, types, make_kernel<MaxUnpool>});
  r.add({"", "MaxUnpool", 11, types, make_kernel<MaxUnpool>});
  r.add({"", "MaxUnpool", 22, types | TypeSet{DataType::BFloat16}, make_kernel<MaxUnpool>});
}

}  // namespace onyxrt::ops
