// QuantizeLinear (opsets 10, 13, 19, 21, 23, 24, 25): y = saturate(round(x / y_scale) + y_zero_point),
// round half to even, per tensor / per axis (13) / in blocks along an axis (21). The output type is
// y_zero_point's, else 'output_dtype' (21), else uint8. Integer targets saturate to their range;
// float8 targets (19) take x / y_scale + y_zero_point rounded once into the format, saturating
// unless 'saturate' is 0; float4 (23) always saturates. The division runs in the precision of
// y_scale's type, or of the 'precision' attribute (23): x and y_scale are rounded to it, and so
// is the quotient. Packed (int4, int2, float4) and float8 results are encoded by Cast's small-type
// conversion from a float staging buffer.
#include <iterator>

#include "base/float16.h"
#include "base/parallel.h"
#include "ops/elementwise_types.h"
#include "ops/float_staging.h"
#include "ops/op_table.h"
#include "ops/quantization/quant_params.h"
#include "ops/tensor/cast_small.h"

namespace onyxrt::ops {
namespace {

// What one version of the operator accepts.
struct QuantizeVersion {
  QuantGranularity granularity;
  bool has_saturate, has_output_dtype, has_precision;
  TypeSet scale_types, output_types;
};

constexpr TypeSet kScales10{DataType::Float};
constexpr TypeSet kScales19{DataType::Float, DataType::Float16, DataType::BFloat16, DataType::Int32};
constexpr TypeSet kScales24 = kScales19 | TypeSet{DataType::Float8E8M0};
constexpr TypeSet kOut10{DataType::Int8, DataType::UInt8};
constexpr TypeSet kOut19 = kOut10 | kFloat8Types;
constexpr TypeSet kOut21 = kOut19 | TypeSet{DataType::Int16, DataType::UInt16, DataType::Int4, DataType::UInt4};
constexpr TypeSet kOut23 = kOut21 | TypeSet{DataType::Float4E2M1};
constexpr TypeSet kOut25 = kOut23 | TypeSet{DataType::Int2, DataType::UInt2};

constexpr QuantizeVersion kVersions[] = {
    {{false, false}, false, false, false, kScales10, kOut10},  // 10
    {{true, false}, false, false, false, kScales10, kOut10},   // 13: per axis
    {{true, false}, true, false, false, kScales19, kOut19},    // 19: float8, 16-bit float inputs
    {{true, true}, true, true, false, kScales19, kOut21},      // 21: blocked, 16-bit and 4-bit ints
    {{true, true}, true, true, true, kScales19, kOut23},       // 23: precision, float4
    {{true, true}, true, true, true, kScales24, kOut23},       // 24: float8 E8M0 scales
    {{true, true}, true, true, true, kScales24, kOut25},       // 25: 2-bit ints
};

// The arithmetic the division is rounded to.
enum class Precision { Float, Half, BFloat, Double };

template <Precision P, class C>
inline C to_precision(C v) {
  if constexpr (P == Precision::Half) {
    return half_to_float(float_to_half(v));
  } else if constexpr (P == Precision::BFloat) {
    return bfloat16_to_float(float_to_bfloat16(v));
  } else {
    return v;
  }
}

// One run of elements. Integer targets get their saturated value; the others x / scale + zero
// point, left for the small-type encoder to round.
template <Precision P, bool kInteger, bool kAdvancing, class C, class Q>
void quantize_run(const C* __restrict x, const C* __restrict scale, const C* __restrict zero, C lo, C hi,
                  Q* __restrict y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const int64_t p = kAdvancing ? i : 0;
    const C q = to_precision<P>(to_precision<P>(x[i]) / scale[p]);
    if constexpr (kInteger) {
      y[i] = static_cast<Q>(quantize_to_range(q, zero[p], lo, hi));
    } else {
      y[i] = static_cast<Q>(q + zero[p]);
    }
  }
}

template <Precision P, class C, class Q>
void quantize_all(const QuantLayout& l, const C* x, const std::vector<C>& scale, const std::vector<C>& zero, C lo,
                  C hi, Q* y, int threads) {
  constexpr bool kInteger = std::is_integral_v<Q>;
  parallel_for(l.size, 16384, threads, [&](int64_t begin, int64_t end) {
    l.for_each_run(begin, end, [&](int64_t at, int64_t p, int64_t n, bool advancing) {
      if (!advancing) {
        quantize_run<P, kInteger, false>(x + at, scale.data() + p, zero.data() + p, lo, hi, y + at, n);
      } else {
        quantize_run<P, kInteger, true>(x + at, scale.data() + p, zero.data() + p, lo, hi, y + at, n);
      }
    });
  });
}

// x's values in the compute type C (float, or double for the int32 precision); float x is used
// in place.
template <class C>
Tensor x_in(const Tensor& x) {
  constexpr DataType kType = std::is_same_v<C, float> ? DataType::Float : DataType::Double;
  if (x.dtype() == kType) return x;
  if (kType == DataType::Float && is_half_type(x.dtype())) return widen_to_float(x);
  Tensor out(kType, x.shape());
  C* dst = out.data<C>();
  visit_type(x.dtype(), TypeList<float, fp16_t, bf16_t, int32_t>{}, [&](auto tag) {
    using X = typename decltype(tag)::type;
    const X* src = x.data<X>();
    for (int64_t i = 0; i < x.size(); ++i) dst[i] = static_cast<C>(to_compute(src[i]));
  });
  return out;
}

class QuantizeLinear final : public OpKernel {
 public:
  QuantizeLinear(const KernelInfo& info, const QuantizeVersion& version) : version_(version) {
    if (version.granularity.per_axis) axis_ = info.attr_int("axis", 1);
    if (version.has_saturate) saturate_ = info.attr_int("saturate", 1) != 0;
    if (version.granularity.blocked) {
      block_size_ = info.attr_int("block_size", 0);
      if (block_size_ < 0) info.fail(ErrorCode::InvalidGraph, "attribute 'block_size' must be >= 0, got ", block_size_);
    }
    if (version.has_output_dtype) {
      const int64_t t = info.attr_int("output_dtype", 0);
      if (t != 0 && (t != static_cast<int32_t>(t) || !data_type_is_valid(static_cast<int32_t>(t)) ||
                     !version.output_types.contains(static_cast<DataType>(t))))
        info.fail(ErrorCode::InvalidGraph, "attribute 'output_dtype' (", t, ") is not one of ",
                  version.output_types.to_string());
      output_dtype_ = static_cast<DataType>(t);
    }
    if (version.has_precision) {
      const int64_t t = info.attr_int("precision", 0);
      const TypeSet allowed{DataType::Float, DataType::Float16, DataType::BFloat16, DataType::Double};
      if (t != 0 && (t != static_cast<int32_t>(t) || !data_type_is_valid(static_cast<int32_t>(t)) ||
                     !allowed.contains(static_cast<DataType>(t))))
        info.fail(ErrorCode::NotImplemented, "attribute 'precision' (", t, ") must name one of ", allowed.to_string());
      precision_ = static_cast<DataType>(t);
    }
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& scale = ctx.input(1);
    const Tensor* zero = ctx.has_input(2) ? &ctx.input(2) : nullptr;
    const DataType out = output_type(ctx, zero);
    if (!version_.scale_types.contains(scale.dtype()))
      ctx.fail(ErrorCode::InvalidArgument, "y_scale has type ", data_type_name(scale.dtype()), ", expected one of ",
               version_.scale_types.to_string());
    const QuantLayout layout = resolve_quant_layout(ctx, x.shape(), scale, zero, axis_, block_size_,
                                                    version_.granularity, "y_scale", "y_zero_point");
    Tensor& y = ctx.output(0, out, x.shape());
    if (y.size() == 0) return;
    const DataType p = precision_ != DataType::Undefined ? precision_ : scale.dtype();
    switch (p) {
      case DataType::Float16: run<Precision::Half, float>(ctx, layout, x, scale, zero, y); break;
      case DataType::BFloat16: run<Precision::BFloat, float>(ctx, layout, x, scale, zero, y); break;
      case DataType::Int32:  // an int32 scale divides as numpy does: in double
      case DataType::Double: run<Precision::Double, double>(ctx, layout, x, scale, zero, y); break;
      default: run<Precision::Float, float>(ctx, layout, x, scale, zero, y); break;  // float, E8M0
    }
  }

 private:
  DataType output_type(const KernelContext& ctx, const Tensor* zero) const {
    DataType out = output_dtype_ != DataType::Undefined ? output_dtype_ : DataType::UInt8;
    if (zero != nullptr) {
      if (output_dtype_ != DataType::Undefined && zero->dtype() != output_dtype_)
        ctx.fail(ErrorCode::InvalidArgument, "y_zero_point has type ", data_type_name(zero->dtype()),
                 " but attribute 'output_dtype' is ", data_type_name(output_dtype_));
      out = zero->dtype();
    }
    if (!version_.output_types.contains(out))
      ctx.fail(ErrorCode::InvalidArgument, "y_zero_point has type ", data_type_name(out),
               ", not a quantized type of this opset (", version_.output_types.to_string(), ")");
    return out;
  }

  template <Precision P, class C>
  void run(KernelContext& ctx, const QuantLayout& layout, const Tensor& x, const Tensor& scale_t, const Tensor* zero_t,
           Tensor& y) const {
    std::vector<C> scale, zero;
    for (double s : param_values(ctx, scale_t)) scale.push_back(to_precision<P>(static_cast<C>(s)));
    if (zero_t != nullptr) {
      for (double z : param_values(ctx, *zero_t)) zero.push_back(static_cast<C>(z));
    } else {
      zero.assign(scale.size(), C(0));
    }
    const Tensor xc = x_in<C>(x);
    const C* xd = xc.data<C>();
    const int threads = ctx.threads();
    double lo = 0, hi = 0;
    const bool integer = quantized_integer_range(y.dtype(), lo, hi);
    const C clo = static_cast<C>(lo), chi = static_cast<C>(hi);
    switch (y.dtype()) {
      case DataType::Int8: quantize_all<P>(layout, xd, scale, zero, clo, chi, y.data<int8_t>(), threads); return;
      case DataType::UInt8: quantize_all<P>(layout, xd, scale, zero, clo, chi, y.data<uint8_t>(), threads); return;
      case DataType::Int16: quantize_all<P>(layout, xd, scale, zero, clo, chi, y.data<int16_t>(), threads); return;
      case DataType::UInt16: quantize_all<P>(layout, xd, scale, zero, clo, chi, y.data<uint16_t>(), threads); return;
      default: break;
    }
    // Packed integers: saturated values in int8, then packed. Float8 / float4: the exact
    // quotient, then rounded into the format.
    Tensor staged(integer ? DataType::Int8 : xc.dtype(), x.shape());
    if (integer) {
      quantize_all<P>(layout, xd, scale, zero, clo, chi, staged.data<int8_t>(), threads);
    } else {
      quantize_all<P>(layout, xd, scale, zero, clo, chi, staged.data<C>(), threads);
    }
    CastOptions options;
    options.saturate = saturate_;
    cast_small(ctx, staged, y, options);
  }

  QuantizeVersion version_;
  int64_t axis_ = 1;
  int64_t block_size_ = 0;
  bool saturate_ = true;
  DataType output_dtype_ = DataType::Undefined;
  DataType precision_ = DataType::Undefined;
};

template <size_t I>
std::unique_ptr<OpKernel> make_quantize(const KernelInfo& info) {
  return std::make_unique<QuantizeLinear>(info, kVersions[I]);
}

constexpr TypeSet kX10{DataType::Float, DataType::Int32};
constexpr TypeSet kX19{DataType::Float, DataType::Float16, DataType::BFloat16, DataType::Int32};

constexpr OpRow kRows[] = {
    {"QuantizeLinear", 10, kX10, make_quantize<0>}, {"QuantizeLinear", 13, kX10, make_quantize<1>},
    {"QuantizeLinear", 19, kX19, make_quantize<2>}, {"QuantizeLinear", 21, kX19, make_quantize<3>},
    {"QuantizeLinear", 23, kX19, make_quantize<4>}, {"QuantizeLinear", 24, kX19, make_quantize<5>},
    {"QuantizeLinear", 25, kX19, make_quantize<6>},
};
static_assert(std::size(kRows) == std::size(kVersions), "one row per version");

}  // namespace

void register_quantize_linear(Registry& r) { register_rows(r, kRows); }

}  // namespace onyxrt::ops
