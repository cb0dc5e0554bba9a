#include <algorithm>
#include <iterator>
#include <string>
#include <type_traits>

#include "ops/elementwise_types.h"
#include "ops/op_table.h"
#include "ops/tensor/index_args.h"
#include "ops/tensor/tensor_args.h"

// ScatterElements (and its deprecated alias Scatter), ScatterND and TensorScatter: the output is a
// copy of data with some elements replaced (or combined, with a reduction) by updates. Every index
// is checked, and negative ones wrapped, before anything is written.
namespace onyxrt::ops {
namespace {

enum class Reduction { None, Add, Mul, Max, Min };

Reduction parse_reduction(const KernelInfo& info) {
  const std::string r = info.attr_string("reduction", "none");
  if (r == "none") return Reduction::None;
  if (r == "add") return Reduction::Add;
  if (r == "mul") return Reduction::Mul;
  if (r == "max" && info.opset() >= 18) return Reduction::Max;
  if (r == "min" && info.opset() >= 18) return Reduction::Min;
  info.fail(ErrorCode::InvalidGraph, "attribute 'reduction' is '", r, "', expected ",
            info.opset() >= 18 ? "none, add, mul, max or min" : "none, add or mul");
}

// Copies data into a new output 0 and calls apply(dst, src_updates) with typed pointers, the
// element combination chosen by `reduction` passed as `combine(W& dst, const W& src)`.
template <class Apply>
void scatter_into_copy(KernelContext& ctx, const Tensor& data, const Tensor& updates, Reduction reduction,
                       Apply&& apply) {
  if (updates.dtype() != data.dtype())
    ctx.fail(ErrorCode::InvalidArgument, "updates have element type ", data_type_name(updates.dtype()),
             ", data has ", data_type_name(data.dtype()));
  Tensor& out = ctx.output(0, data.dtype(), data.shape());
  if (reduction == Reduction::None) {
    bool supported = visit_element_width(data.dtype(), [&](auto tag) {
      using W = typename decltype(tag)::type;
      std::copy_n(data.data<W>(), data.size(), out.data<W>());
      apply(out.data<W>(), updates.data<W>(), [](W& d, const W& s) { d = s; });
    });
    if (!supported)
      ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(data.dtype()), " is not supported");
    return;
  }
  bool supported = visit_type(data.dtype(), NumericTypeList{}, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    std::copy_n(data.data<T>(), data.size(), out.data<T>());
    auto run = [&](auto combine) {
      apply(out.data<T>(), updates.data<T>(), [combine](T& d, const T& s) {
        d = from_compute<T>(combine(static_cast<C>(to_compute(d)), static_cast<C>(to_compute(s))));
      });
    };
    switch (reduction) {
      case Reduction::Add:
        run([](C a, C b) -> C {
          if constexpr (std::is_integral_v<C>) return wrapping_add(a, b);
          else return a + b;
        });
        break;
      case Reduction::Mul:
        run([](C a, C b) -> C {
          if constexpr (std::is_integral_v<C>) return wrapping_mul(a, b);
          else return a * b;
        });
        break;
      case Reduction::Max:
        run([](C a, C b) -> C { return b > a ? b : a; });
        break;
      case Reduction::Min:
        run([](C a, C b) -> C { return b < a ? b : a; });
        break;
      case Reduction::None:
        break;
    }
  });
  if (!supported)
    ctx.fail(ErrorCode::NotImplemented, "reduction on element type ", data_type_name(data.dtype()),
             " is not supported");
}

// ScatterElements: out[i, indices[i, j, k], k] (op)= updates[i, j, k] for axis 1; indices and updates
// have one shape, of data's rank, no larger than data except along the axis.
class ScatterElementsKernel final : public OpKernel {
 public:
  explicit ScatterElementsKernel(const KernelInfo& info)
      : axis_(info.attr_int("axis", 0)),
        reduction_(info.opset() >= 16 ? parse_reduction(info) : Reduction::None) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& data = ctx.input(0);
    const Tensor& indices_tensor = ctx.input(1);
    const Tensor& updates = ctx.input(2);
    const size_t rank = data.rank();
    int64_t axis = axis_;
    if (!normalize_axis(axis, static_cast<int64_t>(rank)))
      ctx.fail(ErrorCode::InvalidArgument, "axis ", axis_, " is out of range for data of rank ", rank);
    const auto a = static_cast<size_t>(axis);
    if (updates.shape() != indices_tensor.shape())
      ctx.fail(ErrorCode::InvalidArgument, "updates of shape ", shape_to_string(updates.shape()),
               " differ from indices of shape ", shape_to_string(indices_tensor.shape()));
    bool fits = indices_tensor.rank() == rank;
    for (size_t d = 0; fits && d < rank; ++d) fits = d == a || indices_tensor.dim(d) <= data.dim(d);
    if (!fits)
      ctx.fail(ErrorCode::InvalidArgument, "indices of shape ", shape_to_string(indices_tensor.shape()),
               " do not fit data of shape ", shape_to_string(data.shape()), " along axis ", a);
    std::vector<int64_t> indices = index_values(ctx, indices_tensor);
    for (size_t k = 0; k < indices.size(); ++k) indices[k] = wrap_index(ctx, indices[k], data.dim(a), k, axis);
    std::vector<int64_t> strides(rank, 1);
    for (size_t d = rank; d-- > 1;) strides[d - 1] = strides[d] * data.dim(d);
    const Shape& shape = indices_tensor.shape();
    scatter_into_copy(ctx, data, updates, reduction_, [&](auto* dst, const auto* src, auto combine) {
      std::vector<int64_t> index(rank, 0);
      int64_t base = 0;  // offset in data of the current position, without the axis term
      for (size_t k = 0; k < indices.size(); ++k) {
        combine(dst[base + indices[k] * strides[a]], src[k]);
        for (size_t d = rank; d-- > 0;) {
          if (d != a) base += strides[d];
          if (++index[d] < shape[d]) break;
          if (d != a) base -= shape[d] * strides[d];
          index[d] = 0;
        }
      }
    });
  }

 private:
  int64_t axis_;
  Reduction reduction_;
};

// ScatterND: indices of shape [..., k] address slices data[i0, ..., ik-1, :...]; updates has
// shape indices.shape[:-1] + data.shape[k:].
class ScatterNDKernel final : public OpKernel {
 public:
  explicit ScatterNDKernel(const KernelInfo& info)
      : reduction_(info.opset() >= 16 ? parse_reduction(info) : Reduction::None) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& data = ctx.input(0);
    const Tensor& indices_tensor = ctx.input(1);
    const Tensor& updates = ctx.input(2);
    if (indices_tensor.rank() < 1)
      ctx.fail(ErrorCode::InvalidArgument, "indices must have rank >= 1, got a scalar");
    const auto k = static_cast<size_t>(indices_tensor.dim(indices_tensor.rank() - 1));
    if (k > data.rank())
      ctx.fail(ErrorCode::InvalidArgument, "indices address ", k, " dims, data has rank ", data.rank());
    Shape expected(indices_tensor.shape().begin(), indices_tensor.shape().end() - 1);
    expected.insert(expected.end(), data.shape().begin() + static_cast<std::ptrdiff_t>(k), data.shape().end());
    if (updates.shape() != expected)
      ctx.fail(ErrorCode::InvalidArgument, "updates have shape ", shape_to_string(updates.shape()), ", expected ",
               shape_to_string(expected));
    int64_t slice = 1;
    for (size_t d = k; d < data.rank(); ++d) slice *= data.dim(d);
    std::vector<int64_t> strides(data.rank(), 1);
    for (size_t d = data.rank(); d-- > 1;) strides[d - 1] = strides[d] * data.dim(d);
    const std::vector<int64_t> raw = index_values(ctx, indices_tensor);
    size_t tuples = 1;
    for (size_t d = 0; d + 1 < indices_tensor.rank(); ++d) tuples *= static_cast<size_t>(indices_tensor.dim(d));
    std::vector<int64_t> offsets(tuples, 0);
    for (size_t t = 0; t < offsets.size() && k > 0; ++t)
      for (size_t d = 0; d < k; ++d)
        offsets[t] += wrap_index(ctx, raw[t * k + d], data.dim(d), t * k + d, static_cast<int64_t>(d)) * strides[d];
    scatter_into_copy(ctx, data, updates, reduction_, [&](auto* dst, const auto* src, auto combine) {
      for (size_t t = 0; t < offsets.size(); ++t)
        for (int64_t i = 0; i < slice; ++i) combine(dst[offsets[t] + i], src[static_cast<int64_t>(t) * slice + i]);
    });
  }

 private:
  Reduction reduction_;
};

// TensorScatter (KV-cache update): present = past with update written along `axis` at
// write_indices[batch] (+ sequence position), modulo the axis size in circular mode.
class TensorScatterKernel final : public OpKernel {
 public:
  explicit TensorScatterKernel(const KernelInfo& info) : axis_(info.attr_int("axis", -2)) {
    const std::string mode = info.attr_string("mode", "linear");
    if (mode == "circular") {
      circular_ = true;
    } else if (mode != "linear") {
      info.fail(ErrorCode::InvalidGraph, "attribute 'mode' is '", mode, "', expected 'linear' or 'circular'");
    }
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& past = ctx.input(0);
    const Tensor& update = ctx.input(1);
    const size_t rank = past.rank();
    int64_t axis = axis_;
    if (rank < 2 || !normalize_axis(axis, static_cast<int64_t>(rank)) || axis == 0)
      ctx.fail(ErrorCode::InvalidArgument, "axis ", axis_, " is not a non-batch axis of past_cache of rank ", rank);
    const auto a = static_cast<size_t>(axis);
    bool fits = update.rank() == rank && update.dtype() == past.dtype();
    for (size_t d = 0; fits && d < rank; ++d) fits = d == a ? update.dim(d) <= past.dim(d) : update.dim(d) == past.dim(d);
    if (!fits)
      ctx.fail(ErrorCode::InvalidArgument, "update (", data_type_name(update.dtype()), ", shape ",
               shape_to_string(update.shape()), ") does not fit past_cache (", data_type_name(past.dtype()),
               ", shape ", shape_to_string(past.shape()), ") along axis ", a);
    const int64_t batch = past.dim(0), max_len = past.dim(a), seq = update.dim(a);
    std::vector<int64_t> write(static_cast<size_t>(batch), 0);
    if (ctx.has_input(2)) {
      const Tensor& wi = ctx.input(2);
      if (wi.dtype() != DataType::Int64 || wi.rank() != 1 || wi.dim(0) != batch)
        ctx.fail(ErrorCode::InvalidArgument, "write_indices must be int64 of shape [", batch, "]");
      std::copy_n(wi.data<int64_t>(), batch, write.begin());
    }
    for (int64_t b = 0; b < batch; ++b) {
      const int64_t w = write[static_cast<size_t>(b)];
      if (w < 0 || (!circular_ && w > max_len - seq))
        ctx.fail(ErrorCode::InvalidArgument, "write index ", w, " for batch ", b,
                 " does not fit a sequence of ", seq, " into axis ", a, " of size ", max_len);
    }
    int64_t outer = 1, inner = 1;
    for (size_t d = 1; d < a; ++d) outer *= past.dim(d);
    for (size_t d = a + 1; d < rank; ++d) inner *= past.dim(d);
    Tensor& out = ctx.output(0, past.dtype(), past.shape());
    bool supported = visit_element_width(past.dtype(), [&](auto tag) {
      using W = typename decltype(tag)::type;
      const W* src = update.data<W>();
      W* dst = out.data<W>();
      std::copy_n(past.data<W>(), past.size(), dst);
      for (int64_t b = 0; b < batch; ++b)
        for (int64_t o = 0; o < outer; ++o)
          for (int64_t s = 0; s < seq; ++s) {
            const int64_t w = write[static_cast<size_t>(b)];
            int64_t pos = circular_ ? w % max_len + s : w + s;  // no overflow for a large circular index
            if (pos >= max_len) pos -= max_len;
            std::copy_n(src + ((b * outer + o) * seq + s) * inner, inner, dst + ((b * outer + o) * max_len + pos) * inner);
          }
    });
    if (!supported)
      ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(past.dtype()), " is not supported");
  }

 private:
  int64_t axis_;
  bool circular_ = false;
};

constexpr OpRow kScatterRows[] = {
    {"Scatter", 9, kWholeByteTypesNoBf16, make_kernel<ScatterElementsKernel>},
    {"Scatter", 11, kWholeByteTypesNoBf16, make_kernel<ScatterElementsKernel>},  // negative indices
    {"ScatterElements", 11, kWholeByteTypesNoBf16, make_kernel<ScatterElementsKernel>},
    {"ScatterElements", 13, kWholeByteTypes, make_kernel<ScatterElementsKernel>},
    {"ScatterElements", 16, kWholeByteTypes, make_kernel<ScatterElementsKernel>},  // reduction add / mul
    {"ScatterElements", 18, kWholeByteTypes, make_kernel<ScatterElementsKernel>},  // reduction max / min
    {"ScatterND", 11, kWholeByteTypesNoBf16, make_kernel<ScatterNDKernel>},
    {"ScatterND", 13, kWholeByteTypes, make_kernel<ScatterNDKernel>},
    {"ScatterND", 16, kWholeByteTypes, make_kernel<ScatterNDKernel>},
    {"ScatterND", 18, kWholeByteTypes, make_kernel<ScatterNDKernel>},
    {"TensorScatter", 24, kWholeByteTypes | kFloat8Types, make_kernel<TensorScatterKernel>},
};
static_assert(std::size(kScatterRows) == 11, "update the row count together with the table");

}  // namespace

void register_scatter(Registry& r) { register_rows(r, kScatterRows); }

}  // namespace onyxrt::ops
