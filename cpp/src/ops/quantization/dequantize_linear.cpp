// DequantizeLinear (opsets 10, 13, 19, 21, 23, 24, 25): y = (x - x_zero_point) * x_scale, per
// tensor / per axis (13) / in blocks along an axis (21). The output type is 'output_dtype' (23),
// else x_scale's. Integer x subtracts its zero point exactly (in integers) before the float multiply;
// float8 / float4 / packed-integer x are decoded to float first by Cast's small-type conversion.
// The product is a float, narrowed to a 16-bit output type at the end (as the reference does).
#include <iterator>

#include "base/parallel.h"
#include "ops/elementwise_types.h"
#include "ops/float_staging.h"
#include "ops/op_table.h"
#include "ops/quantization/quant_params.h"
#include "ops/tensor/cast_small.h"

namespace onyxrt::ops {
namespace {

struct DequantizeVersion {
  QuantGranularity granularity;
  bool has_output_dtype;
  TypeSet scale_types;
};

constexpr TypeSet kFloatScales{DataType::Float};
constexpr TypeSet kScales19{DataType::Float, DataType::Float16, DataType::BFloat16};
constexpr TypeSet kScales24 = kScales19 | TypeSet{DataType::Float8E8M0};

constexpr DequantizeVersion kVersions[] = {
    {{false, false}, false, kFloatScales},  // 10
    {{true, false}, false, kFloatScales},   // 13: per axis
    {{true, false}, false, kScales19},      // 19: float8 x, 16-bit float scales
    {{true, true}, false, kScales19},       // 21: blocked, 16-bit and 4-bit ints
    {{true, true}, true, kScales19},        // 23: output_dtype, float4
    {{true, true}, true, kScales24},        // 24: float8 E8M0 scales
    {{true, true}, true, kScales24},        // 25: 2-bit ints
};

// x's element as the exact difference from its zero point (Z: int32, int64 for int32 x), then
// the float product.
template <bool kAdvancing, class X, class Z>
void dequantize_run(const X* __restrict x, const Z* __restrict zero, const float* __restrict scale, float* __restrict y,
                    int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const int64_t p = kAdvancing ? i : 0;
    if constexpr (std::is_integral_v<X>) {
      y[i] = static_cast<float>(static_cast<Z>(x[i]) - zero[p]) * scale[p];
    } else {
      y[i] = (x[i] - zero[p]) * scale[p];
    }
  }
}

template <class X, class Z>
void dequantize_all(const QuantLayout& l, const X* x, const std::vector<Z>& zero, const std::vector<float>& scale,
                    float* y, int threads) {
  parallel_for(l.size, 16384, threads, [&](int64_t begin, int64_t end) {
    l.for_each_run(begin, end, [&](int64_t at, int64_t p, int64_t n, bool advancing) {
      if (!advancing) {
        dequantize_run<false>(x + at, zero.data() + p, scale.data() + p, y + at, n);
      } else {
        dequantize_run<true>(x + at, zero.data() + p, scale.data() + p, y + at, n);
      }
    });
  });
}

class DequantizeLinear final : public OpKernel {
 public:
  DequantizeLinear(const KernelInfo& info, const DequantizeVersion& version) : version_(version) {
    if (version.granularity.per_axis) axis_ = info.attr_int("axis", 1);
    if (version.granularity.blocked) {
      block_size_ = info.attr_int("block_size", 0);
      if (block_size_ < 0) info.fail(ErrorCode::InvalidGraph, "attribute 'block_size' must be >= 0, got ", block_size_);
    }
    if (version.has_output_dtype) {
      const int64_t t = info.attr_int("output_dtype", 0);
      if (t != 0 && t != static_cast<int64_t>(DataType::Float) && t != static_cast<int64_t>(DataType::Float16) &&
          t != static_cast<int64_t>(DataType::BFloat16))
        info.fail(ErrorCode::InvalidGraph, "attribute 'output_dtype' (", t, ") must be float, float16 or bfloat16");
      output_dtype_ = static_cast<DataType>(t);
    }
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& scale = ctx.input(1);
    const Tensor* zero = ctx.has_input(2) ? &ctx.input(2) : nullptr;
    if (zero != nullptr && zero->dtype() != x.dtype())
      ctx.fail(ErrorCode::InvalidArgument, "x_zero_point has type ", data_type_name(zero->dtype()),
               " but x has type ", data_type_name(x.dtype()), "; they must match");
    if (!version_.scale_types.contains(scale.dtype()))
      ctx.fail(ErrorCode::InvalidArgument, "x_scale has type ", data_type_name(scale.dtype()), ", expected one of ",
               version_.scale_types.to_string());
    DataType out = output_dtype_ != DataType::Undefined ? output_dtype_ : scale.dtype();
    if (out == DataType::Float8E8M0)
      ctx.fail(ErrorCode::InvalidArgument, "x_scale of type float8e8m0 needs the 'output_dtype' attribute");
    const QuantLayout layout = resolve_quant_layout(ctx, x.shape(), scale, zero, axis_, block_size_,
                                                    version_.granularity, "x_scale", "x_zero_point");
    Tensor& y = ctx.output(0, out, x.shape());
    if (y.size() == 0) return;
    std::vector<float> scales;
    for (double s : param_values(ctx, scale)) scales.push_back(static_cast<float>(s));
    const std::vector<double> zeros = zero ? param_values(ctx, *zero) : std::vector<double>(scales.size(), 0.0);
    Tensor staged = out == DataType::Float ? y : Tensor(DataType::Float, x.shape());
    float* yd = staged.data<float>();
    const int threads = ctx.threads();
    const bool integer = visit_type(x.dtype(), TypeList<int8_t, uint8_t, int16_t, uint16_t, int32_t>{}, [&](auto tag) {
      using X = typename decltype(tag)::type;
      using Z = std::conditional_t<(sizeof(X) < 4), int32_t, int64_t>;
      std::vector<Z> z(zeros.begin(), zeros.end());
      dequantize_all(layout, x.data<X>(), z, scales, yd, threads);
    });
    if (!integer) {  // float8, float4, int4, int2: decoded exactly to float first
      Tensor decoded(DataType::Float, x.shape());
      cast_small(ctx, x, decoded, CastOptions{});
      std::vector<float> z(zeros.begin(), zeros.end());
      dequantize_all(layout, decoded.data<float>(), z, scales, yd, threads);
    }
    if (out != DataType::Float) narrow_from_float(yd, y);
  }

 private:
  DequantizeVersion version_;
  int64_t axis_ = 1;
  int64_t block_size_ = 0;
  DataType output_dtype_ = DataType::Undefined;
};

template <size_t I>
std::unique_ptr<OpKernel> make_dequantize(const KernelInfo& info) {
  return std::make_unique<DequantizeLinear>(info, kVersions[I]);
}

constexpr TypeSet kX10{DataType::Int8, DataType::UInt8, DataType::Int32};
constexpr TypeSet kX19 = kX10 | kFloat8Types;
constexpr TypeSet kX21 = kX19 | TypeSet{DataType::Int16, DataType::UInt16, DataType::Int4, DataType::UInt4};
constexpr TypeSet kX23 = kX21 | TypeSet{DataType::Float4E2M1};
constexpr TypeSet kX25 = kX23 | TypeSet{DataType::Int2, DataType::UInt2};

constexpr OpRow kRows[] = {
    {"DequantizeLinear", 10, kX10, make_dequantize<0>}, {"DequantizeLinear", 13, kX10, make_dequantize<1>},
    {"DequantizeLinear", 19, kX19, make_dequantize<2>}, {"DequantizeLinear", 21, kX21, make_dequantize<3>},
    {"DequantizeLinear", 23, kX23, make_dequantize<4>}, {"DequantizeLinear", 24, kX23, make_dequantize<5>},
    {"DequantizeLinear", 25, kX25, make_dequantize<6>},
};
static_assert(std::size(kRows) == std::size(kVersions), "one row per version");

}  // namespace

void register_dequantize_linear(Registry& r) { register_rows(r, kRows); }

}  // namespace onyxrt::ops
