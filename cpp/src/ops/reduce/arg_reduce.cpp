#include <algorithm>
#include <cmath>
#include <iterator>
#include <type_traits>

#include "base/parallel.h"
#include "ops/elementwise_types.h"
#include "ops/op_table.h"
#include "ops/reduce/reduce_parts.h"
#include "ops/reduce/reducers.h"
#include "ops/reduce/reduction_engine.h"

// ArgMax, ArgMin: the int64 index of the extreme element along one axis. Ties go to the first
// index, or the last with select_last_index (opset 12). NaN counts as the extreme, as in numpy's
// argmax / argmin (which the reference implements): the first NaN wins, or the last one.
namespace onyxrt::ops {
namespace {

// True when v should replace the current best b (kMax: larger; kLast: equal ones too).
template <bool kMax, bool kLast, class C>
inline bool replaces(C v, C b) {
  if constexpr (std::is_floating_point_v<C>) {
    if (std::isnan(b)) return kLast && std::isnan(v);
    if (std::isnan(v)) return true;
  }
  if constexpr (kLast) {
    return kMax ? v >= b : v <= b;
  } else {
    return kMax ? v > b : v < b;
  }
}

constexpr int64_t kColumnBlock = 256;

// Indices of the extremes of the columns [c0, c0 + width) of one [n, inner] slab.
template <bool kMax, bool kLast, class T>
void arg_columns(const T* slab, int64_t n, int64_t inner, int64_t c0, int64_t width, int64_t* out) {
  using C = compute_t<T>;
  if (inner == 1) {  // contiguous: the extreme through the engine's vectorised fold, then its index
    const reducers::ExtremeOf<T, kMax> extreme;
    const C best = reduce_detail::fold_run(extreme, slab, n, extreme.identity());
    const auto is_best = [best](C v) {
      if constexpr (std::is_floating_point_v<C>) {
        if (std::isnan(best)) return std::isnan(v);
      }
      return v == best;
    };
    int64_t at = 0;
    if constexpr (kLast) {
      for (at = n - 1; at > 0 && !is_best(to_compute(slab[at])); --at) {
      }
    } else {
      for (at = 0; at < n - 1 && !is_best(to_compute(slab[at])); ++at) {
      }
    }
    out[0] = at;
    return;
  }
  C best[kColumnBlock];
  for (int64_t j = 0; j < width; ++j) best[j] = to_compute(slab[c0 + j]), out[j] = 0;
  for (int64_t i = 1; i < n; ++i) {
    const T* row = slab + i * inner + c0;
    for (int64_t j = 0; j < width; ++j) {
      const C v = to_compute(row[j]);
      if (replaces<kMax, kLast>(v, best[j])) best[j] = v, out[j] = i;
    }
  }
}

template <bool kMax, bool kLast, class T>
void arg_reduce(const T* in, int64_t* out, const AxisSplit& s, int threads) {
  const int64_t blocks = (s.inner + kColumnBlock - 1) / kColumnBlock;
  const int64_t tasks = s.outer * blocks;
  const int64_t per_task = std::max<int64_t>(1, s.axis_size * std::min(s.inner, kColumnBlock));
  const int64_t grain = std::max<int64_t>(1, kReduceGrain / per_task);
  parallel_for(tasks, grain, threads, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t o = t / blocks, c0 = (t % blocks) * kColumnBlock;
      arg_columns<kMax, kLast>(in + o * s.axis_size * s.inner, s.axis_size, s.inner, c0,
                               std::min(kColumnBlock, s.inner - c0), out + o * s.inner + c0);
    }
  });
}

// kSelectLast: the version reads select_last_index (opset 12 on).
template <bool kMax, bool kSelectLast>
class ArgKernel final : public OpKernel {
 public:
  explicit ArgKernel(const KernelInfo& info)
      : axis_(info.attr_int("axis", 0)),
        keepdims_(info.attr_int("keepdims", 1) != 0),
        select_last_(kSelectLast && info.attr_int("select_last_index", 0) != 0) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    int64_t axis = axis_;
    const AxisSplit split = split_at_axis(ctx, x.shape(), axis);
    Shape out_shape = x.shape();
    if (keepdims_) {
      out_shape[static_cast<size_t>(axis)] = 1;
    } else {
      out_shape.erase(out_shape.begin() + axis);
    }
    Tensor& y = ctx.output(0, DataType::Int64, out_shape);
    if (y.size() == 0) return;
    if (split.axis_size == 0)
      ctx.fail(ErrorCode::InvalidArgument, "cannot take the index of an extreme over axis ", axis, " of size 0");

    const bool supported = visit_type(x.dtype(), NumericTypeList{}, [&](auto tag) {
      using T = typename decltype(tag)::type;
      if (select_last_) {
        arg_reduce<kMax, true>(x.data<T>(), y.data<int64_t>(), split, ctx.threads());
      } else {
        arg_reduce<kMax, false>(x.data<T>(), y.data<int64_t>(), split, ctx.threads());
      }
    });
    if (!supported)
      ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(x.dtype()), " is not supported");
  }

 private:
  int64_t axis_;
  bool keepdims_;
  bool select_last_;
};

constexpr TypeSet kArgTypes1 = kNumericTypesNoBf16;  // float, double, float16 and every integer
constexpr TypeSet kArgTypes13 = kNumericTypes;

constexpr OpRow kArgRows[] = {
    {"ArgMax", 1, kArgTypes1, make_kernel<ArgKernel<true, false>>},
    {"ArgMax", 12, kArgTypes1, make_kernel<ArgKernel<true, true>>},
    {"ArgMax", 13, kArgTypes13, make_kernel<ArgKernel<true, true>>},
    {"ArgMin", 1, kArgTypes1, make_kernel<ArgKernel<false, false>>},
    {"ArgMin", 12, kArgTypes1, make_kernel<ArgKernel<false, true>>},
    {"ArgMin", 13, kArgTypes13, make_kernel<ArgKernel<false, true>>},
};
static_assert(std::size(kArgRows) == 6, "update the row count together with the table");

}  // namespace

void register_arg_reduce(Registry& r) { register_rows(r, kArgRows); }

}  // namespace onyxrt::ops
