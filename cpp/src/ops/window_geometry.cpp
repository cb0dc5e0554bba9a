#include "ops/window_geometry.h"

#include <algorithm>
#include <string>

namespace onyxrt::ops {
namespace {

// Overflow-checked arithmetic on untrusted attribute values.
bool checked_add(int64_t a, int64_t b, int64_t& out) { return !__builtin_add_overflow(a, b, &out); }
bool checked_mul(int64_t a, int64_t b, int64_t& out) { return !__builtin_mul_overflow(a, b, &out); }

void require_positive(const KernelInfo& info, const char* name, const std::vector<int64_t>& values) {
  for (int64_t v : values)
    if (v <= 0) info.fail(ErrorCode::InvalidGraph, "attribute '", name, "' must be positive, got ", v);
}

}  // namespace

WindowAttributes parse_window_attributes(const KernelInfo& info) {
  WindowAttributes a;
  const std::string pad = info.attr_string("auto_pad", "NOTSET");
  if (pad == "NOTSET") {
    a.auto_pad = AutoPad::NotSet;
  } else if (pad == "SAME_UPPER") {
    a.auto_pad = AutoPad::SameUpper;
  } else if (pad == "SAME_LOWER") {
    a.auto_pad = AutoPad::SameLower;
  } else if (pad == "VALID") {
    a.auto_pad = AutoPad::Valid;
  } else {
    info.fail(ErrorCode::InvalidGraph, "attribute 'auto_pad' is '", pad,
              "'; expected NOTSET, SAME_UPPER, SAME_LOWER or VALID");
  }
  a.kernel_shape = info.attr_ints("kernel_shape");
  a.strides = info.attr_ints("strides");
  a.dilations = info.attr_ints("dilations");
  a.pads = info.attr_ints("pads");
  a.ceil_mode = info.attr_int("ceil_mode", 0) != 0;
  require_positive(info, "kernel_shape", a.kernel_shape);
  require_positive(info, "strides", a.strides);
  require_positive(info, "dilations", a.dilations);
  for (int64_t p : a.pads)
    if (p < 0) info.fail(ErrorCode::InvalidGraph, "attribute 'pads' must not be negative, got ", p);
  if (a.pads.size() % 2 != 0)
    info.fail(ErrorCode::InvalidGraph, "attribute 'pads' needs a begin and an end per axis, got ", a.pads.size(),
              " values");
  // Lists given together must agree on the rank (the input's rank is checked at run time).
  size_t rank = a.kernel_shape.size();
  auto agree = [&](const char* name, size_t n) {
    if (n == 0) return;
    if (rank != 0 && n != rank)
      info.fail(ErrorCode::InvalidGraph, "attribute '", name, "' has ", n, " axes but another window attribute has ",
                rank);
    rank = n;
  };
  agree("strides", a.strides.size());
  agree("dilations", a.dilations.size());
  agree("pads", a.pads.size() / 2);
  return a;
}

namespace {

// Failer: KernelContext at run time, KernelInfo at session creation (both name the node).
template <class Failer>
WindowPlan resolve_window_with(const WindowAttributes& a, const Failer& ctx, const Shape& input,
                               const std::vector<int64_t>& kernel) {
  if (input.size() < 3)
    ctx.fail(ErrorCode::InvalidArgument, "input must have N, C and at least one spatial axis, got shape ",
             shape_to_string(input));
  const size_t rank = input.size() - 2;
  if (rank > static_cast<size_t>(kernels::kMaxConvSpatialRank))
    ctx.fail(ErrorCode::NotImplemented, "at most ", kernels::kMaxConvSpatialRank, " spatial axes are supported, got ",
             rank, " (input shape ", shape_to_string(input), ")");
  auto check_len = [&](const char* name, size_t n, size_t want) {
    if (n != 0 && n != want)
      ctx.fail(ErrorCode::InvalidArgument, "attribute '", name, "' has ", n, " values but input shape ",
               shape_to_string(input), " needs ", want);
  };
  check_len("kernel_shape", kernel.size(), rank);
  if (kernel.size() != rank)
    ctx.fail(ErrorCode::InvalidArgument, "the kernel has ", kernel.size(), " spatial axes but input shape ",
             shape_to_string(input), " has ", rank);
  check_len("strides", a.strides.size(), rank);
  check_len("dilations", a.dilations.size(), rank);
  check_len("pads", a.pads.size(), 2 * rank);

  WindowPlan plan;
  kernels::ConvGeometry& g = plan.geometry;
  g.rank = static_cast<int>(rank);
  for (size_t d = 0; d < rank; ++d) {
    const int64_t in = input[2 + d], k = kernel[d];
    const int64_t s = a.strides.empty() ? 1 : a.strides[d];
    const int64_t dil = a.dilations.empty() ? 1 : a.dilations[d];
    int64_t span = 0;  // (k - 1) * dil + 1, the dilated window
    if (k <= 0 || !checked_mul(k - 1, dil, span) || !checked_add(span, 1, span))
      ctx.fail(ErrorCode::InvalidArgument, "kernel axis ", d, " of size ", k, " with dilation ", dil, " is invalid");
    int64_t pb = 0, pe = 0, out = 0;
    switch (a.auto_pad) {
      case AutoPad::NotSet:
      case AutoPad::Valid: {
        if (a.auto_pad == AutoPad::NotSet && !a.pads.empty()) pb = a.pads[d], pe = a.pads[rank + d];
        int64_t padded = 0;
        if (!checked_add(in, pb, padded) || !checked_add(padded, pe, padded))
          ctx.fail(ErrorCode::InvalidArgument, "pads on axis ", d, " overflow");
        if (padded < span)
          ctx.fail(ErrorCode::InvalidArgument, "the window (", span, " with dilation) is larger than the padded axis ",
                   d, " (", padded, ") of input shape ", shape_to_string(input));
        if (a.ceil_mode) {
          out = (padded - span + s - 1) / s + 1;
          // The last window must start inside the input or its left padding.
          if ((out - 1) * s >= in + pb) --out;
        } else {
          out = (padded - span) / s + 1;
        }
        break;
      }
      case AutoPad::SameUpper:
      case AutoPad::SameLower: {
        out = in / s + (in % s != 0);
        int64_t need = 0;  // (out - 1) * s + span - in, at least 0
        if (out > 0 && (!checked_mul(out - 1, s, need) || !checked_add(need, span, need)))
          ctx.fail(ErrorCode::InvalidArgument, "window on axis ", d, " overflows");
        const int64_t total = std::max<int64_t>(0, need - in);
        if (a.auto_pad == AutoPad::SameUpper) {
          pb = total / 2, pe = total - pb;
        } else {
          pe = total / 2, pb = total - pe;
        }
        break;
      }
    }
    g.input[d] = in, g.kernel[d] = k, g.stride[d] = s, g.dilation[d] = dil;
    g.pad_begin[d] = pb, g.output[d] = out;
    plan.pad_end[d] = pe;
  }
  return plan;
}

}  // namespace

WindowPlan resolve_window(const WindowAttributes& attrs, const KernelContext& ctx, const Shape& input,
                          const std::vector<int64_t>& kernel) {
  return resolve_window_with(attrs, ctx, input, kernel);
}

WindowPlan resolve_window(const WindowAttributes& attrs, const KernelInfo& info, const Shape& input,
                          const std::vector<int64_t>& kernel) {
  return resolve_window_with(attrs, info, input, kernel);
}

WindowPlan resolve_pool_window(const WindowAttributes& attrs, const KernelContext& ctx, const Shape& input) {
  WindowPlan plan = resolve_window(attrs, ctx, input, attrs.kernel_shape);
  if (plan.geometry.rank > kMaxPoolSpatialRank)
    ctx.fail(ErrorCode::NotImplemented, "pooling over ", plan.geometry.rank, " spatial axes is not supported (at most ",
             kMaxPoolSpatialRank, "), input shape ", shape_to_string(input));
  return plan;
}

Shape window_output_shape(const WindowPlan& plan, int64_t batch, int64_t channels) {
  Shape s{batch, channels};
  for (int d = 0; d < plan.geometry.rank; ++d) s.push_back(plan.geometry.output[d]);
  return s;
}

}  // namespace onyxrt::ops
