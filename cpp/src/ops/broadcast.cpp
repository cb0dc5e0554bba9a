#include "ops/broadcast.h"

#include <algorithm>

#include "ops/shape_check.h"

namespace onyxrt::ops {

bool broadcast_shape_into(Shape& acc, const Shape& next) {
  if (next.size() > acc.size()) acc.insert(acc.begin(), next.size() - acc.size(), 1);
  size_t shift = acc.size() - next.size();
  for (size_t d = 0; d < next.size(); ++d) {
    int64_t& a = acc[shift + d];
    int64_t b = next[d];
    if (a == b || b == 1) continue;
    if (a != 1) return false;
    a = b;  // note: a 1 broadcasts against 0 too, giving 0
  }
  return true;
}

Shape broadcast_input_shapes(const KernelContext& ctx, size_t first, size_t count) {
  Shape out;
  bool ok = true;
  for (size_t i = first; i < first + count && ok; ++i) ok = broadcast_shape_into(out, ctx.input(i).shape());
  if (ok) {
    checked_output_size(ctx, out);
    return out;
  }
  std::string shapes;
  for (size_t i = first; i < first + count; ++i) {
    if (!shapes.empty()) shapes += ", ";
    shapes += "'" + ctx.node().inputs[i] + "' " + shape_to_string(ctx.input(i).shape());
  }
  ctx.fail(ErrorCode::InvalidArgument, "input shapes cannot be broadcast together: ", shapes);
}

LegacyBroadcast::LegacyBroadcast(const KernelInfo& info)
    : enabled_(info.attr_int("broadcast", 0) != 0), has_axis_(info.has_attr("axis")), axis_(info.attr_int("axis", 0)) {}

Shape LegacyBroadcast::view_of_b(const KernelContext& ctx, const Shape& a, const Shape& b) const {
  const auto rank_a = static_cast<int64_t>(a.size()), rank_b = static_cast<int64_t>(b.size());
  int64_t axis = has_axis_ ? (axis_ < 0 ? axis_ + rank_a : axis_) : rank_a - rank_b;
  bool ok = enabled_ ? axis >= 0 && axis + rank_b <= rank_a : a == b;
  Shape view(a.size(), 1);
  for (int64_t d = 0; ok && d < rank_b; ++d) {
    const int64_t dim = b[static_cast<size_t>(d)], target = a[static_cast<size_t>(axis + d)];
    ok = dim == target || dim == 1;
    view[static_cast<size_t>(axis + d)] = dim;
  }
  // B with a single element broadcasts anywhere (a scalar, or (1, 1) against any A).
  if (!ok && enabled_ && shape_size(b) == 1) return Shape(a.size(), 1);
  if (!ok && enabled_)
    ctx.fail(ErrorCode::InvalidArgument, "second input of shape ", shape_to_string(b),
             " does not broadcast to the first input's shape ", shape_to_string(a),
             has_axis_ ? " at the given 'axis'" : "");
  if (!ok)
    ctx.fail(ErrorCode::InvalidArgument, "second input of shape ", shape_to_string(b), " differs from the first's ",
             shape_to_string(a), " and the 'broadcast' attribute is not set");
  return view;
}

BroadcastPlan::BroadcastPlan(const Shape& output, const std::vector<const Shape*>& operands)
    : output_size_(shape_size(output)), operand_count_(operands.size()) {
  ONYXRT_ENFORCE(operands.size() <= kMaxOperands, "broadcast of ", operands.size(), " operands (at most ",
                 kMaxOperands, ")");
  const size_t n = operands.size(), out_rank = output.size();
  // Element strides of every operand over the output's dims (right-aligned), 0 where broadcast.
  std::vector<int64_t> full(n * out_rank, 0);
  for (size_t i = 0; i < n; ++i) {
    const Shape& s = *operands[i];
    ONYXRT_ENFORCE(s.size() <= out_rank, "operand of shape ", shape_to_string(s), " does not broadcast to ",
                   shape_to_string(output));
    size_t shift = out_rank - s.size();
    int64_t stride = 1;
    for (size_t d = s.size(); d-- > 0;) {
      ONYXRT_ENFORCE(s[d] == output[shift + d] || s[d] == 1, "operand of shape ", shape_to_string(s),
                     " does not broadcast to ", shape_to_string(output));
      full[i * out_rank + shift + d] = s[d] == 1 ? 0 : stride;
      stride *= s[d];
    }
  }
  // Drop dims of 1, then merge a dim into the one outside it when every operand is contiguous
  // across the pair (stride_outer == stride_inner * dim_inner; two zero strides also merge).
  std::vector<int64_t> dims;
  std::vector<std::vector<int64_t>> strides(n);
  for (size_t d = 0; d < out_rank; ++d) {
    if (output[d] == 1) continue;
    bool merge = !dims.empty();
    for (size_t i = 0; i < n && merge; ++i)
      merge = strides[i].back() == full[i * out_rank + d] * output[d];
    if (merge) {
      dims.back() *= output[d];
      for (size_t i = 0; i < n; ++i) strides[i].back() = full[i * out_rank + d];
    } else {
      dims.push_back(output[d]);
      for (size_t i = 0; i < n; ++i) strides[i].push_back(full[i * out_rank + d]);
    }
  }
  if (dims.empty()) {  // a scalar output (or all dims 1): one element
    dims.push_back(1);
    for (size_t i = 0; i < n; ++i) strides[i].push_back(0);
  }
  rank_ = dims.size();
  dims_ = std::move(dims);
  strides_.resize(n * rank_);
  for (size_t i = 0; i < n; ++i) std::copy(strides[i].begin(), strides[i].end(), strides_.begin() + i * rank_);
}

}  // namespace onyxrt::ops
