#include <algorithm>
#include <iterator>

#include "ops/axis_view.h"
#include "ops/elementwise_types.h"
#include "ops/op_table.h"
#include "ops/shape_check.h"

// Operators that pick or place elements by index or mask: Compress, NonZero, ReverseSequence,
// OneHot.
namespace onyxrt::ops {
namespace {

void unsupported_type(const KernelContext& ctx, DataType type) {
  ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(type), " is not supported");
}

// Compress: the slices along `axis` (or the elements of the flattened input) whose condition is
// true; a condition shorter than the axis counts as false beyond its end.
class CompressKernel final : public OpKernel {
 public:
  explicit CompressKernel(const KernelInfo& info) : has_axis_(info.has_attr("axis")), axis_(info.attr_int("axis", 0)) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& cond = ctx.input(1);
    if (cond.dtype() != DataType::Bool || cond.rank() != 1)
      ctx.fail(ErrorCode::InvalidArgument, "condition must be a 1-D bool tensor, got ", data_type_name(cond.dtype()),
               " ", shape_to_string(cond.shape()));
    AxisView v;
    Shape out_shape;
    int64_t axis = 0;
    if (has_axis_) {
      axis = resolve_axis(ctx, axis_, x.shape());
      v = view_around_axis(x.shape(), axis);
      out_shape = x.shape();
    } else {
      v.axis = x.size();
    }
    if (cond.size() > v.axis) {
      for (int64_t i = v.axis; i < cond.size(); ++i)
        if (cond.data<bool>()[i])
          ctx.fail(ErrorCode::InvalidArgument, "condition of length ", cond.size(), " selects beyond the ", v.axis,
                   " slices along the axis");
    }
    std::vector<int64_t> picked;
    const int64_t n = std::min(cond.size(), v.axis);
    for (int64_t i = 0; i < n; ++i)
      if (cond.data<bool>()[i]) picked.push_back(i);
    const int64_t count = static_cast<int64_t>(picked.size());
    if (has_axis_) {
      out_shape[static_cast<size_t>(axis)] = count;
    } else {
      out_shape = {count};
    }
    Tensor& y = ctx.output(0, x.dtype(), out_shape);
    if (y.size() == 0) return;
    bool supported = visit_element_width(x.dtype(), [&](auto tag) {
      using W = typename decltype(tag)::type;
      const W* s = x.data<W>();
      W* d = y.data<W>();
      for (int64_t o = 0; o < v.outer; ++o)
        for (int64_t k = 0; k < count; ++k)
          std::copy_n(s + (o * v.axis + picked[static_cast<size_t>(k)]) * v.inner, v.inner, d + (o * count + k) * v.inner);
    });
    if (!supported) unsupported_type(ctx, x.dtype());
  }

 private:
  bool has_axis_;
  int64_t axis_;
};

template <class T>
bool is_nonzero(const T& v) {
  if constexpr (std::is_same_v<T, std::string>) {
    return !v.empty();
  } else {
    return to_compute(v) != compute_t<T>(0);
  }
}

// NonZero: the [rank, count] indices of the non-zero elements, in row-major order.
class NonZeroKernel final : public OpKernel {
 public:
  explicit NonZeroKernel(const KernelInfo&) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    std::vector<int64_t> flat;
    bool supported = visit_type(x.dtype(), NumericBoolTypeList{} + TypeList<std::string>{}, [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* s = x.data<T>();
      for (int64_t i = 0; i < x.size(); ++i)
        if (is_nonzero(s[i])) flat.push_back(i);
    });
    if (!supported) unsupported_type(ctx, x.dtype());
    const int64_t count = static_cast<int64_t>(flat.size());
    const size_t rank = std::max<size_t>(x.rank(), 1);  // a scalar counts as shape [1]
    Tensor& y = ctx.output(0, DataType::Int64, {static_cast<int64_t>(rank), count});
    int64_t* d = y.data<int64_t>();
    for (int64_t k = 0; k < count; ++k) {
      int64_t rest = flat[static_cast<size_t>(k)];
      for (size_t a = rank; a-- > 0;) {
        const int64_t dim = x.rank() == 0 ? 1 : x.dim(a);
        d[static_cast<int64_t>(a) * count + k] = rest % dim;
        rest /= dim;
      }
    }
  }
};

// ReverseSequence: for batch b, the first sequence_lens[b] steps along time_axis are reversed.
class ReverseSequenceKernel final : public OpKernel {
 public:
  explicit ReverseSequenceKernel(const KernelInfo& info)
      : batch_axis_(info.attr_int("batch_axis", 1)), time_axis_(info.attr_int("time_axis", 0)) {
    if ((batch_axis_ != 0 && batch_axis_ != 1) || (time_axis_ != 0 && time_axis_ != 1) || batch_axis_ == time_axis_)
      info.fail(ErrorCode::InvalidGraph, "attributes batch_axis ", batch_axis_, " and time_axis ", time_axis_,
                " must be 0 and 1 in some order");
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& lens = ctx.input(1);
    if (x.rank() < 2) ctx.fail(ErrorCode::InvalidArgument, "input must have rank >= 2, got ", shape_to_string(x.shape()));
    const int64_t batch = x.dim(static_cast<size_t>(batch_axis_)), steps = x.dim(static_cast<size_t>(time_axis_));
    if (lens.dtype() != DataType::Int64 || lens.rank() != 1 || lens.size() != batch)
      ctx.fail(ErrorCode::InvalidArgument, "sequence_lens must be int64 of shape [", batch, "], got ",
               data_type_name(lens.dtype()), " ", shape_to_string(lens.shape()));
    for (int64_t b = 0; b < batch; ++b) {
      const int64_t len = lens.data<int64_t>()[b];
      if (len < 0 || len > steps)
        ctx.fail(ErrorCode::InvalidArgument, "sequence_lens[", b, "] = ", len, " is outside [0, ", steps, "]");
    }
    int64_t inner = 1;
    for (size_t d = 2; d < x.rank(); ++d) inner *= x.dim(d);
    // Element (t, b) block starts at (t * batch + b) * inner when time is axis 0, else (b * steps + t) * inner.
    const int64_t t_stride = time_axis_ == 0 ? batch * inner : inner;
    const int64_t b_stride = time_axis_ == 0 ? inner : steps * inner;
    Tensor& y = ctx.output(0, x.dtype(), x.shape());
    if (y.size() == 0) return;
    bool supported = visit_element_width(x.dtype(), [&](auto tag) {
      using W = typename decltype(tag)::type;
      const W* s = x.data<W>();
      W* d = y.data<W>();
      for (int64_t b = 0; b < batch; ++b) {
        const int64_t len = lens.data<int64_t>()[b];
        for (int64_t t = 0; t < steps; ++t) {
          const int64_t from = t < len ? len - 1 - t : t;
          std::copy_n(s + b * b_stride + from * t_stride, inner, d + b * b_stride + t * t_stride);
        }
      }
    });
    if (!supported) unsupported_type(ctx, x.dtype());
  }

 private:
  int64_t batch_axis_, time_axis_;
};

// One integer from an element of any numeric type (floats truncate toward zero).
template <class T>
int64_t to_index(const T& v) {
  if constexpr (is_float_v<T>) {
    return float_to_integer<int64_t>(static_cast<double>(to_compute(v)));
  } else {
    return static_cast<int64_t>(v);
  }
}

// OneHot: output[..., i, ...] = on where i == indices[...] (negative indices count from depth),
// else off; the new axis of length depth goes at `axis`.
class OneHotKernel final : public OpKernel {
 public:
  explicit OneHotKernel(const KernelInfo& info) : axis_(info.attr_int("axis", -1)) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& indices = ctx.input(0);
    const Tensor& depth_t = ctx.input(1);
    const Tensor& values = ctx.input(2);
    if (depth_t.size() != 1 || depth_t.rank() > 1)
      ctx.fail(ErrorCode::InvalidArgument, "depth must be a scalar (or one element), got shape ",
               shape_to_string(depth_t.shape()));
    int64_t depth = 0;
    if (!visit_type(depth_t.dtype(), NumericTypeList{}, [&](auto tag) {
          using T = typename decltype(tag)::type;
          depth = to_index(depth_t.data<T>()[0]);
        }))
      unsupported_type(ctx, depth_t.dtype());
    if (depth <= 0) ctx.fail(ErrorCode::InvalidArgument, "depth must be positive, got ", depth);
    if (values.rank() != 1 || values.size() != 2)
      ctx.fail(ErrorCode::InvalidArgument, "values must have shape [2], got ", shape_to_string(values.shape()));
    const int64_t rank = static_cast<int64_t>(indices.rank());  // the output has rank + 1 dims
    if (axis_ < -rank - 1 || axis_ > rank)
      ctx.fail(ErrorCode::InvalidArgument, "axis ", axis_, " is out of range for indices of shape ",
               shape_to_string(indices.shape()));
    const int64_t axis = axis_ < 0 ? axis_ + rank + 1 : axis_;
    Shape out_shape = indices.shape();
    out_shape.insert(out_shape.begin() + axis, depth);
    checked_output_size(ctx, out_shape);
    std::vector<int64_t> idx(static_cast<size_t>(indices.size()));
    if (!visit_type(indices.dtype(), NumericTypeList{}, [&](auto tag) {
          using T = typename decltype(tag)::type;
          const T* s = indices.data<T>();
          for (size_t i = 0; i < idx.size(); ++i) idx[i] = to_index(s[i]);
        }))
      unsupported_type(ctx, indices.dtype());
    const AxisView v = view_around_axis(out_shape, axis);  // v.outer x depth x v.inner
    Tensor& y = ctx.output(0, values.dtype(), out_shape);
    if (y.size() == 0) return;
    bool supported = visit_element_width(values.dtype(), [&](auto tag) {
      using W = typename decltype(tag)::type;
      const W off = values.data<W>()[0], on = values.data<W>()[1];
      W* d = y.data<W>();
      std::fill_n(d, y.size(), off);
      for (int64_t o = 0; o < v.outer; ++o)
        for (int64_t i = 0; i < v.inner; ++i) {
          int64_t k = idx[static_cast<size_t>(o * v.inner + i)];
          if (k < 0) k += depth;
          if (k >= 0 && k < depth) d[(o * depth + k) * v.inner + i] = on;
        }
    });
    if (!supported) unsupported_type(ctx, values.dtype());
  }

 private:
  int64_t axis_;
};

constexpr TypeSet kNumericBool = kNumericTypes | kBoolTypes;
constexpr OpRow kSelectRows[] = {
    {"Compress", 9, kWholeByteTypesNoBf16, make_kernel<CompressKernel>},
    {"Compress", 11, kWholeByteTypesNoBf16, make_kernel<CompressKernel>},
    {"Compress", 28, kWholeByteTypes, make_kernel<CompressKernel>},  // adds bfloat16
    {"NonZero", 9, kNumericTypesNoBf16 | kBoolTypes, make_kernel<NonZeroKernel>},
    {"NonZero", 13, kNumericBool | TypeSet{DataType::String}, make_kernel<NonZeroKernel>},
    {"ReverseSequence", 10, kWholeByteTypesNoBf16, make_kernel<ReverseSequenceKernel>},
    {"ReverseSequence", 28, kWholeByteTypes, make_kernel<ReverseSequenceKernel>},  // adds bfloat16
    {"OneHot", 9, kNumericTypes, make_kernel<OneHotKernel>},
    {"OneHot", 11, kNumericTypes, make_kernel<OneHotKernel>},
    {"OneHot", 28, kNumericTypes, make_kernel<OneHotKernel>},  // bfloat16 values
};
static_assert(std::size(kSelectRows) == 10, "update the row count together with the table");

}  // namespace

void register_select(Registry& r) { register_rows(r, kSelectRows); }

}  // namespace onyxrt::ops
