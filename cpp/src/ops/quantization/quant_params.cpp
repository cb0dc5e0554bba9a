#include "ops/quantization/quant_params.h"

#include "ops/axis_view.h"
#include "ops/elementwise_types.h"
#include "ops/tensor/cast_small.h"

namespace onyxrt::ops {

QuantLayout resolve_quant_layout(const KernelContext& ctx, const Shape& x, const Tensor& scale,
                                 const Tensor* zero_point, int64_t axis, int64_t block_size,
                                 const QuantGranularity& allowed, const char* scale_name,
                                 const char* zero_point_name) {
  const Shape& s = scale.shape();
  if (zero_point != nullptr && zero_point->shape() != s && !(zero_point->size() == 1 && scale.size() == 1))
    ctx.fail(ErrorCode::InvalidArgument, zero_point_name, " (shape ", shape_to_string(zero_point->shape()),
             ") must have the shape of ", scale_name, " (shape ", shape_to_string(s), ")");
  QuantLayout l;
  l.size = shape_size(x);
  if (scale.size() == 1) {  // per tensor
    l.row = std::max<int64_t>(1, l.size);
    return l;
  }
  const bool blocked = block_size > 0;
  if (!blocked && !allowed.per_axis)
    ctx.fail(ErrorCode::InvalidArgument, scale_name,
             " must be a scalar (per-tensor quantization only at this opset), got shape ", shape_to_string(s));
  if (!blocked && s.size() != 1)
    ctx.fail(ErrorCode::InvalidArgument, scale_name, " must be a scalar or 1-D (per-axis quantization",
             allowed.blocked ? "; blocked quantization needs the block_size attribute" : "", "), got shape ",
             shape_to_string(s));
  const int64_t a = resolve_axis(ctx, axis, x);
  Shape want = x;
  if (blocked) {
    want[a] = (x[a] + block_size - 1) / block_size;
    if (s != want)
      ctx.fail(ErrorCode::InvalidArgument, "blocked quantization along axis ", a, " with block_size ", block_size,
               " needs ", scale_name, " of shape ", shape_to_string(want), " for input shape ", shape_to_string(x),
               ", got ", shape_to_string(s));
  } else if (s[0] != x[a]) {
    ctx.fail(ErrorCode::InvalidArgument, scale_name, " has ", s[0], " values but input shape ", shape_to_string(x),
             " has ", x[a], " along axis ", a);
  }
  const AxisView v = view_around_axis(x, a);
  if (v.inner > 1) {  // rows of `inner` elements, one per position along the axis
    l.row = v.inner, l.rows_per_group = std::max<int64_t>(1, v.axis);
    if (blocked) {
      l.row_block = block_size, l.group_stride = want[a] * v.inner, l.block_stride = v.inner;
      l.chunk_stride = 1;  // the scale has x's inner axes
    } else {
      l.block_stride = 1;
    }
  } else {  // the axis is innermost: rows run along it
    l.row = std::max<int64_t>(1, v.axis);
    l.group_stride = blocked ? want[a] : 0;
    l.chunk = blocked ? block_size : 1, l.chunk_stride = 1;
  }
  return l;
}

std::vector<double> param_values(const KernelContext& ctx, const Tensor& t) {
  std::vector<double> out(static_cast<size_t>(t.size()));
  if (is_small_type(t.dtype())) {
    Tensor wide(DataType::Double, t.shape());
    cast_small(ctx, t, wide, CastOptions{});
    std::copy(wide.data<double>(), wide.data<double>() + t.size(), out.begin());
    return out;
  }
  const bool known = visit_type(t.dtype(), NumericTypeList{}, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* p = t.data<T>();
    for (int64_t i = 0; i < t.size(); ++i) out[i] = static_cast<double>(to_compute(p[i]));
  });
  if (!known) ctx.fail(ErrorCode::InvalidArgument, "unexpected parameter type ", data_type_name(t.dtype()));
  return out;
}

bool quantized_integer_range(DataType type, double& lo, double& hi) {
  switch (type) {
    case DataType::Int8: lo = -128, hi = 127; return true;
    case DataType::UInt8: lo = 0, hi = 255; return true;
    case DataType::Int16: lo = -32768, hi = 32767; return true;
    case DataType::UInt16: lo = 0, hi = 65535; return true;
    case DataType::Int4: lo = -8, hi = 7; return true;
    case DataType::UInt4: lo = 0, hi = 15; return true;
    case DataType::Int2: lo = -2, hi = 1; return true;
    case DataType::UInt2: lo = 0, hi = 3; return true;
    default: return false;
  }
}

}  // namespace onyxrt::ops
