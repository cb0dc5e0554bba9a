#include <iterator>
#include <type_traits>

#include "base/parallel.h"
#include "ops/broadcast.h"
#include "ops/op_table.h"
#include "ops/tensor/cast_small.h"
#include "ops/tensor/cast_string.h"

namespace onyxrt::ops {
namespace {

// The types converted by the templated loops here; strings and the small types (float8,
// float4, int4, int2: cast_small.cpp) go through their own paths.
using CastTypeList = NumericBoolTypeList;
constexpr TypeSet kCastTypes = type_set_of(CastTypeList{});
constexpr TypeSet kCastTypesNoBf16 = kNumericTypesNoBf16 | kBoolTypes;
constexpr TypeSet kString{DataType::String};
constexpr TypeSet kCast19 = kCastTypes | kString | kFloat8Types;
constexpr TypeSet kCast21 = kCast19 | TypeSet{DataType::Int4, DataType::UInt4};
constexpr TypeSet kCast23 = kCast21 | TypeSet{DataType::Float4E2M1};
constexpr TypeSet kCast24 = kCast23 | TypeSet{DataType::Float8E8M0};
constexpr TypeSet kCast25 = kCast24 | TypeSet{DataType::Int2, DataType::UInt2};

// One element, with numpy's results: float -> int truncates (defined for NaN and overflow, see
// float_to_integer), int -> int wraps, anything -> bool is "!= 0", 16-bit floats go via float.
template <class S, class D>
inline D cast_element(const S& v) {
  auto c = to_compute(v);
  using C = std::decay_t<decltype(c)>;
  if constexpr (std::is_same_v<D, bool>) {
    return c != C(0);
  } else if constexpr (std::is_integral_v<D> && std::is_floating_point_v<C>) {
    return float_to_integer<D>(static_cast<double>(c));
  } else if constexpr (std::is_integral_v<D>) {
    return static_cast<D>(c);
  } else {
    return from_compute<D>(static_cast<compute_t<D>>(c));
  }
}

template <class S, class D>
void cast_numbers(const S* in, D* out, int64_t n, int threads) {
  parallel_for(n, kElementwiseGrain, threads, [&](int64_t begin, int64_t end) {
    const S* __restrict src = in;
    D* __restrict dst = out;
    for (int64_t i = begin; i < end; ++i) dst[i] = cast_element<S, D>(src[i]);
  });
}

bool is_castable(DataType t) { return t == DataType::String || kCastTypes.contains(t) || is_small_type(t); }

// Converts `x` to `to` into output 0; shares the input when the type is already right.
void cast_tensor(KernelContext& ctx, const Tensor& x, DataType to, const CastOptions& options) {
  const DataType from = x.dtype();
  if (from == to) {
    ctx.set_output(0, ctx.input_value(0));
    return;
  }
  if (!is_castable(from))
    ctx.fail(ErrorCode::NotImplemented, "cast from ", data_type_name(from), " is not implemented");
  Tensor& y = ctx.output(0, to, x.shape());
  const int64_t n = x.size();
  const int threads = ctx.threads();
  if (is_small_type(from) || is_small_type(to)) {
    cast_small(ctx, x, y, options);
  } else if (to == DataType::String) {
    visit_type(from, CastTypeList{}, [&](auto tag) {
      using S = typename decltype(tag)::type;
      const S* in = x.data<S>();
      std::string* out = y.data<std::string>();
      parallel_for(n, 1024, threads, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) out[i] = to_numpy_string(in[i]);
      });
    });
  } else if (from == DataType::String) {
    visit_type(to, CastTypeList{}, [&](auto tag) {
      using D = typename decltype(tag)::type;
      const std::string* in = x.data<std::string>();
      D* out = y.data<D>();
      // Sequential: a parse error must be raised here, not on a worker thread. An integer
      // target also takes a decimal or scientific number ("100.5" -> 100), as the spec allows.
      for (int64_t i = 0; i < n; ++i) {
        if (parse_number(in[i], out[i])) continue;
        double v = 0;
        if constexpr (std::is_integral_v<D> && !std::is_same_v<D, bool>) {
          if (parse_number(in[i], v)) {
            out[i] = float_to_integer<D>(v);
            continue;
          }
        }
        ctx.fail(ErrorCode::InvalidArgument, "element ", i, " (\"", in[i].substr(0, 64), "\") is not a valid ",
                 data_type_name(to));
      }
    });
  } else {
    visit_type(from, CastTypeList{}, [&](auto source) {
      using S = typename decltype(source)::type;
      visit_type(to, CastTypeList{}, [&](auto target) {
        using D = typename decltype(target)::type;
        cast_numbers(x.data<S>(), y.data<D>(), n, threads);
      });
    });
  }
}

// 'saturate' (opset 19) and 'round_mode' (opset 24) matter only for float8 targets.
CastOptions read_cast_options(const KernelInfo& info) {
  CastOptions options;
  options.saturate = info.attr_int("saturate", 1) != 0;
  std::string mode = info.attr_string("round_mode", "up");
  if (mode == "up") {
    options.e8m0_rounding = E8M0Rounding::Up;
  } else if (mode == "down") {
    options.e8m0_rounding = E8M0Rounding::Down;
  } else if (mode == "nearest") {
    options.e8m0_rounding = E8M0Rounding::Nearest;
  } else {
    info.fail(ErrorCode::InvalidGraph, "attribute 'round_mode' is '", mode, "', expected 'up', 'down' or 'nearest'");
  }
  return options;
}

class CastKernel final : public OpKernel {
 public:
  explicit CastKernel(const KernelInfo& info) : options_(read_cast_options(info)) {
    int64_t to = info.required_int("to");
    if (!data_type_is_valid(static_cast<int32_t>(to)) || to != static_cast<int32_t>(to))
      info.fail(ErrorCode::InvalidGraph, "attribute 'to' is ", to, ", not an element type");
    to_ = static_cast<DataType>(to);
    if (!is_castable(to_))
      info.fail(ErrorCode::NotImplemented, "cast to ", data_type_name(to_), " is not implemented");
  }

  void compute(KernelContext& ctx) const override { cast_tensor(ctx, ctx.input(0), to_, options_); }

 private:
  DataType to_;
  CastOptions options_;
};

// CastLike: the target type is that of the second input.
class CastLikeKernel final : public OpKernel {
 public:
  explicit CastLikeKernel(const KernelInfo& info) : options_(read_cast_options(info)) {}

  void compute(KernelContext& ctx) const override {
    DataType to = ctx.input(1).dtype();
    if (!is_castable(to)) ctx.fail(ErrorCode::NotImplemented, "cast to ", data_type_name(to), " is not implemented");
    cast_tensor(ctx, ctx.input(0), to, options_);
  }

 private:
  CastOptions options_;
};

// Versions from 19 on add types (float8, int4, float4, e8m0, int2) and the float8 attributes.
// NOTE: Cast-28's float6 types are not implemented (DataType has no codes for them yet).
constexpr OpRow kCastRows[] = {
    {"Cast", 6, kCastTypesNoBf16, make_kernel<CastKernel>},
    {"Cast", 9, kCastTypesNoBf16 | kString, make_kernel<CastKernel>},
    {"Cast", 13, kCastTypes | kString, make_kernel<CastKernel>},
    {"Cast", 19, kCast19, make_kernel<CastKernel>},
    {"Cast", 21, kCast21, make_kernel<CastKernel>},
    {"Cast", 23, kCast23, make_kernel<CastKernel>},
    {"Cast", 24, kCast24, make_kernel<CastKernel>},
    {"Cast", 25, kCast25, make_kernel<CastKernel>},
    {"CastLike", 15, kCastTypes | kString, make_kernel<CastLikeKernel>},
    {"CastLike", 19, kCast19, make_kernel<CastLikeKernel>},
    {"CastLike", 21, kCast21, make_kernel<CastLikeKernel>},
    {"CastLike", 23, kCast23, make_kernel<CastLikeKernel>},
    {"CastLike", 24, kCast24, make_kernel<CastLikeKernel>},
    {"CastLike", 25, kCast25, make_kernel<CastLikeKernel>},
};
static_assert(std::size(kCastRows) == 14, "update the row count together with the table");

}  // namespace

void register_cast(Registry& r) { register_rows(r, kCastRows); }

}  // namespace onyxrt::ops
