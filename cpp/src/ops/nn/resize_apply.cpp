// Running a resize: the per-axis tables of ops/nn/resize_plan.h, then either the nearest gather
// below (an exact element copy for every type: one offset table per axis, the innermost axis in
// the inner loop, a row that reads the same source row as the one above it copied whole) or the
// linear / cubic filter of ops/nn/resize_filter.h.
#include "ops/nn/resize_apply.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <type_traits>

#include "base/parallel.h"
#include "ops/elementwise_types.h"
#include "ops/nn/resize_filter.h"
#include "ops/shape_check.h"

namespace onyxrt::ops {
namespace {

constexpr int64_t kGrain = 16384;  // element copies per parallel chunk

const char* mode_name(ResizeMode mode) {
  return mode == ResizeMode::Nearest ? "nearest" : mode == ResizeMode::Linear ? "linear" : "cubic";
}

// ---- nearest: an exact element copy for every type ----

// The extrapolation value as one element of `type`, in a slot of the same width.
template <class W>
W fill_element(const KernelContext& ctx, DataType type, double value) {
  W out{};
  if constexpr (std::is_same_v<W, std::string>) {
    ctx.fail(ErrorCode::InvalidArgument,
             "tf_crop_and_resize extrapolates outside the roi, which a string input cannot");
  } else {
    const bool numeric = visit_type(type, NumericTypeList{} + BoolTypeList{}, [&](auto tag) {
      using T = typename decltype(tag)::type;
      if constexpr (sizeof(T) == sizeof(W)) {
        const T v = resize_store<T>(value);
        std::memcpy(&out, &v, sizeof(T));
      }
    });
    if (numeric) return out;
    // Complex: (value, 0) as two floats or two doubles.
    if constexpr (sizeof(W) == 2 * sizeof(float)) {
      if (type == DataType::Complex64) {
        const float pair[2] = {static_cast<float>(value), 0.0f};
        std::memcpy(&out, pair, sizeof(pair));
      }
    } else if constexpr (sizeof(W) == 2 * sizeof(double)) {
      if (type == DataType::Complex128) {
        const double pair[2] = {value, 0.0};
        std::memcpy(&out, pair, sizeof(pair));
      }
    }
  }
  return out;
}

template <class W>
void gather_nearest(const KernelContext& ctx, const std::vector<AxisTable>& tables, const Tensor& x, Tensor& y,
                    double extrapolation) {
  const size_t rank = tables.size();
  const bool extrapolates =
      std::any_of(tables.begin(), tables.end(), [](const AxisTable& t) { return !t.outside.empty(); });
  const W fill = extrapolates ? fill_element<W>(ctx, x.dtype(), extrapolation) : W{};
  // offsets[d][o]: the input offset contributed by output index o of axis d, -1 to extrapolate.
  std::vector<std::vector<int64_t>> offsets(rank);
  int64_t stride = 1;
  for (size_t d = rank; d-- > 0;) {
    const AxisTable& t = tables[d];
    offsets[d].resize(static_cast<size_t>(t.out));
    for (int64_t o = 0; o < t.out; ++o)
      offsets[d][static_cast<size_t>(o)] = t.is_outside(o) ? -1 : t.first[static_cast<size_t>(o)] * stride;
    stride *= t.in;
  }
  const int64_t row_len = tables[rank - 1].out;
  const int64_t rows = y.size() / row_len;
  const std::vector<int64_t>& last = offsets[rank - 1];
  const W* xd = x.data<W>();
  W* yd = y.data<W>();
  const bool last_outside = !tables[rank - 1].outside.empty();
  parallel_for(rows, std::max<int64_t>(1, kGrain / row_len), ctx.threads(), [&](int64_t begin, int64_t end) {
    int64_t previous_base = -2;  // no row yet
    for (int64_t r = begin; r < end; ++r) {
      int64_t base = 0, rest = r;
      for (size_t d = rank - 1; d-- > 0;) {
        const int64_t n = tables[d].out;
        const int64_t off = offsets[d][static_cast<size_t>(rest % n)];
        rest /= n;
        base = base < 0 || off < 0 ? -1 : base + off;
      }
      W* out = yd + r * row_len;
      if (base == previous_base) {  // upsampling: the same source row (or fill) as the row above
        std::copy(out - row_len, out, out);
        continue;
      }
      previous_base = base;
      if (base < 0) {
        std::fill(out, out + row_len, fill);
        continue;
      }
      const W* in = xd + base;
      if (last_outside) {
        for (int64_t j = 0; j < row_len; ++j) out[j] = last[j] < 0 ? fill : in[last[j]];
      } else {
        for (int64_t j = 0; j < row_len; ++j) out[j] = in[last[j]];
      }
    }
  });
}

}  // namespace

void run_resize(KernelContext& ctx, const ResizeOptions& options, const Tensor& x,
                const std::vector<AxisGeometry>& axes) {
  Shape out_shape;
  for (const AxisGeometry& a : axes) out_shape.push_back(a.out);
  checked_output_size(ctx, out_shape);
  const bool filtered = options.mode != ResizeMode::Nearest;
  if (filtered && !visit_type(x.dtype(), NumericTypeList{}, [](auto) {}))
    ctx.fail(ErrorCode::InvalidArgument, "mode '", mode_name(options.mode), "' needs a numeric input, got ",
             data_type_name(x.dtype()), " (only 'nearest' copies other element types)");
  Tensor& y = ctx.output(0, x.dtype(), out_shape);
  if (y.size() == 0) return;
  std::vector<AxisTable> tables;
  tables.reserve(axes.size());
  for (const AxisGeometry& a : axes) tables.push_back(make_axis_table(options, a));
  if (filtered) {
    resize_filtered(ctx, tables, x, y, options.extrapolation_value);
    return;
  }
  const bool copied = visit_element_width(x.dtype(), [&](auto tag) {
    gather_nearest<typename decltype(tag)::type>(ctx, tables, x, y, options.extrapolation_value);
  });
  if (!copied) ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(x.dtype()), " is not supported");
}

}  // namespace onyxrt::ops
