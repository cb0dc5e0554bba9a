#include <algorithm>
#include <iterator>

#include "ops/elementwise_types.h"
#include "ops/op_table.h"
#include "ops/tensor/tensor_args.h"

// GatherND: indices of shape [b..., m..., k] pick slices data[b..., i0, ..., ik-1, :...] (the first
// batch_dims dims of data and indices are matched). Indices are checked before any copy.
namespace onyxrt::ops {
namespace {

class GatherNDKernel final : public OpKernel {
 public:
  explicit GatherNDKernel(const KernelInfo& info) : batch_dims_(info.attr_int("batch_dims", 0)) {
    if (batch_dims_ < 0) info.fail(ErrorCode::InvalidGraph, "attribute 'batch_dims' is ", batch_dims_, ", expected >= 0");
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& data = ctx.input(0);
    const Tensor& indices_tensor = ctx.input(1);
    const auto b = static_cast<size_t>(batch_dims_);
    const size_t q = indices_tensor.rank(), r = data.rank();
    if (q < 1 || b >= q || b >= r)
      ctx.fail(ErrorCode::InvalidArgument, "batch_dims ", b, " must be less than the ranks of data (", r,
               ") and indices (", q, ")");
    for (size_t d = 0; d < b; ++d)
      if (data.dim(d) != indices_tensor.dim(d))
        ctx.fail(ErrorCode::InvalidArgument, "batch dim ", d, " differs: data ", shape_to_string(data.shape()),
                 ", indices ", shape_to_string(indices_tensor.shape()));
    const auto k = static_cast<size_t>(indices_tensor.dim(q - 1));
    if (k < 1 || b + k > r)
      ctx.fail(ErrorCode::InvalidArgument, "indices address ", k, " dims after ", b, " batch dims; data has rank ", r);
    Shape out_shape(indices_tensor.shape().begin(), indices_tensor.shape().end() - 1);
    out_shape.insert(out_shape.end(), data.shape().begin() + static_cast<std::ptrdiff_t>(b + k), data.shape().end());
    checked_output_size(ctx, out_shape);
    int64_t batch = 1, slice = 1, batch_stride = 1;
    for (size_t d = 0; d < b; ++d) batch *= data.dim(d);
    for (size_t d = b + k; d < r; ++d) slice *= data.dim(d);
    for (size_t d = b; d < r; ++d) batch_stride *= data.dim(d);
    std::vector<int64_t> strides(r, 1);
    for (size_t d = r; d-- > 1;) strides[d - 1] = strides[d] * data.dim(d);
    // Offsets of each picked slice, checked.
    std::vector<int64_t> raw(static_cast<size_t>(indices_tensor.size()));
    bool int_ok = visit_type(indices_tensor.dtype(), TypeList<int32_t, int64_t>{}, [&](auto tag) {
      using I = typename decltype(tag)::type;
      std::copy_n(indices_tensor.data<I>(), raw.size(), raw.begin());
    });
    if (!int_ok)
      ctx.fail(ErrorCode::InvalidArgument, "indices have element type ", data_type_name(indices_tensor.dtype()),
               ", expected int64");
    const size_t tuples = raw.size() / k;
    const size_t per_batch = batch == 0 ? 0 : tuples / static_cast<size_t>(batch);
    std::vector<int64_t> offsets(tuples, 0);
    for (size_t t = 0; t < tuples; ++t) {
      int64_t off = static_cast<int64_t>(t / std::max<size_t>(per_batch, 1)) * batch_stride;
      for (size_t d = 0; d < k; ++d) {
        const int64_t dim = data.dim(b + d);
        int64_t v = raw[t * k + d];
        if (v < -dim || v >= dim)
          ctx.fail(ErrorCode::InvalidArgument, "index ", v, " (element ", t * k + d, " of '", ctx.node().inputs[1],
                   "') is out of range for axis ", b + d, " of size ", dim);
        off += (v < 0 ? v + dim : v) * strides[b + d];
      }
      offsets[t] = off;
    }
    Tensor& out = ctx.output(0, data.dtype(), out_shape);
    bool supported = visit_element_width(data.dtype(), [&](auto tag) {
      using W = typename decltype(tag)::type;
      const W* src = data.data<W>();
      W* dst = out.data<W>();
      for (size_t t = 0; t < tuples; ++t) std::copy_n(src + offsets[t], slice, dst + static_cast<int64_t>(t) * slice);
    });
    if (!supported)
      ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(data.dtype()), " is not supported");
  }

 private:
  int64_t batch_dims_;
};

constexpr OpRow kGatherNDRows[] = {
    {"GatherND", 11, kWholeByteTypesNoBf16, make_kernel<GatherNDKernel>},
    {"GatherND", 12, kWholeByteTypesNoBf16, make_kernel<GatherNDKernel>},  // batch_dims
    {"GatherND", 13, kWholeByteTypes, make_kernel<GatherNDKernel>},
};
static_assert(std::size(kGatherNDRows) == 3, "update the row count together with the table");

}  // namespace

void register_gather_nd(Registry& r) { register_rows(r, kGatherNDRows); }

}  // namespace onyxrt::ops
