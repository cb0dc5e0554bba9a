#include <algorithm>
#include <iterator>

#include "base/parallel.h"
#include "ops/elementwise_types.h"
#include "ops/op_table.h"
#include "ops/tensor/slice.h"
#include "ops/tensor/index_args.h"
#include "ops/tensor/tensor_args.h"

// Gather and GatherElements: indexed reads along one axis. Every index is checked (and negative
// ones wrapped) before any copy, so a bad index is an error naming it, never a stray read.
namespace onyxrt::ops {
namespace {

// The indices as int64 in [0, dim), failing on the first one out of [-dim, dim).
int64_t axis_of(const KernelContext& ctx, int64_t axis, int64_t rank) {
  int64_t a = axis;
  if (!normalize_axis(a, rank))
    ctx.fail(ErrorCode::InvalidArgument, "axis ", axis, " is out of range for data of rank ", rank);
  return a;
}

// Gather: out[outer, j..., inner] = data[outer, indices[j...], inner].
class GatherKernel final : public OpKernel {
 public:
  explicit GatherKernel(const KernelInfo& info) : axis_(info.attr_int("axis", 0)) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& data = ctx.input(0);
    const Tensor& indices_tensor = ctx.input(1);
    const auto a = static_cast<size_t>(axis_of(ctx, axis_, static_cast<int64_t>(data.rank())));
    const int64_t dim = data.dim(a);
    const std::vector<int64_t> indices = checked_indices(ctx, indices_tensor, dim, static_cast<int64_t>(a));
    Shape out_shape(data.shape().begin(), data.shape().begin() + static_cast<std::ptrdiff_t>(a));
    out_shape.insert(out_shape.end(), indices_tensor.shape().begin(), indices_tensor.shape().end());
    out_shape.insert(out_shape.end(), data.shape().begin() + static_cast<std::ptrdiff_t>(a) + 1, data.shape().end());
    checked_output_size(ctx, out_shape);
    int64_t outer = 1, inner = 1;
    for (size_t d = 0; d < data.rank(); ++d) {
      if (d < a) outer *= data.dim(d);
      if (d > a) inner *= data.dim(d);
    }
    const auto count = static_cast<int64_t>(indices.size());
    Tensor& out = ctx.output(0, data.dtype(), out_shape);
    bool supported = visit_element_width(data.dtype(), [&](auto tag) {
      using W = typename decltype(tag)::type;
      const W* src = data.data<W>();
      W* dst = out.data<W>();
      const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(inner, 1));
      parallel_for(outer * count, grain, ctx.threads(), [&](int64_t begin, int64_t end) {
        for (int64_t job = begin; job < end; ++job) {
          const int64_t o = job / count, j = job % count;
          std::copy_n(src + (o * dim + indices[static_cast<size_t>(j)]) * inner, inner, dst + job * inner);
        }
      });
    });
    if (!supported)
      ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(data.dtype()), " is not supported");
  }

 private:
  int64_t axis_;
};

// GatherElements: out[i, j, k] = data[i, indices[i, j, k], k] (for axis 1); out has the shape of
// indices, whose other dims may not exceed data's.
class GatherElementsKernel final : public OpKernel {
 public:
  explicit GatherElementsKernel(const KernelInfo& info) : axis_(info.attr_int("axis", 0)) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& data = ctx.input(0);
    const Tensor& indices_tensor = ctx.input(1);
    const size_t rank = data.rank();
    const auto a = static_cast<size_t>(axis_of(ctx, axis_, static_cast<int64_t>(rank)));
    bool fits = indices_tensor.rank() == rank;
    for (size_t d = 0; fits && d < rank; ++d) fits = d == a || indices_tensor.dim(d) <= data.dim(d);
    if (!fits)
      ctx.fail(ErrorCode::InvalidArgument, "indices of shape ", shape_to_string(indices_tensor.shape()),
               " do not fit data of shape ", shape_to_string(data.shape()), " along axis ", a);
    const std::vector<int64_t> indices = checked_indices(ctx, indices_tensor, data.dim(a), static_cast<int64_t>(a));
    std::vector<int64_t> strides(rank, 1);
    for (size_t d = rank; d-- > 1;) strides[d - 1] = strides[d] * data.dim(d);
    const Shape& shape = indices_tensor.shape();
    Tensor& out = ctx.output(0, data.dtype(), shape);
    bool supported = visit_element_width(data.dtype(), [&](auto tag) {
      using W = typename decltype(tag)::type;
      const W* src = data.data<W>();
      W* dst = out.data<W>();
      std::vector<int64_t> index(rank, 0);
      int64_t base = 0;  // offset of the current position in data, without the axis term
      for (size_t k = 0; k < indices.size(); ++k) {
        dst[k] = src[base + indices[k] * strides[a]];
        for (size_t d = rank; d-- > 0;) {  // next position, carrying outward
          if (d != a) base += strides[d];
          if (++index[d] < shape[d]) break;
          if (d != a) base -= shape[d] * strides[d];
          index[d] = 0;
        }
      }
    });
    if (!supported)
      ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(data.dtype()), " is not supported");
  }

 private:
  int64_t axis_;
};

constexpr OpRow kGatherRows[] = {
    {"Gather", 1, kWholeByteTypesNoBf16, make_kernel<GatherKernel>},  // negative indices (11) accepted throughout
    {"Gather", 13, kWholeByteTypes, make_kernel<GatherKernel>},
    {"GatherElements", 11, kWholeByteTypesNoBf16, make_kernel<GatherElementsKernel>},
    {"GatherElements", 13, kWholeByteTypes, make_kernel<GatherElementsKernel>},
};
static_assert(std::size(kGatherRows) == 4, "update the row count together with the table");

}  // namespace

void register_gather(Registry& r) {
  register_rows(r, kGatherRows);
  register_slice(r);
}

}  // namespace onyxrt::ops
