// DynamicQuantizeLinear (opset 11): uint8 quantization of float x with parameters from its range:
//   y_scale = (max(0, max x) - min(0, min x)) / 255,  y_zero_point = round(saturate(-min / y_scale)),
//   y = saturate(round(x / y_scale) + y_zero_point),  rounding half to even.
// An all-zero (or empty) x has no range: the scale is then 1, as onnxruntime sets it (the formula
// would divide by zero). NaN elements take no part in the range and quantize to 0.
#include <algorithm>
#include <vector>

#include "base/parallel.h"
#include "ops/quantization/quant_params.h"
#include "ops/registry.h"

namespace onyxrt::ops {
namespace {

constexpr int64_t kGrain = 16384;

// [min, max] of x, NaN skipped (a comparison with NaN is false), starting from 0.
void value_range(const float* x, int64_t n, int threads, float& lo, float& hi) {
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(threads, n / kGrain));
  std::vector<float> los(static_cast<size_t>(chunks), 0.0f), his(static_cast<size_t>(chunks), 0.0f);
  parallel_for(chunks, 1, threads, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) {
      float l = 0, h = 0;
      for (int64_t i = n * c / chunks; i < n * (c + 1) / chunks; ++i) {
        l = x[i] < l ? x[i] : l;
        h = x[i] > h ? x[i] : h;
      }
      los[c] = l, his[c] = h;
    }
  });
  lo = *std::min_element(los.begin(), los.end());
  hi = *std::max_element(his.begin(), his.end());
}

class DynamicQuantizeLinear final : public OpKernel {
 public:
  explicit DynamicQuantizeLinear(const KernelInfo&) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const int64_t n = x.size();
    const float* xd = x.data<float>();
    float lo = 0, hi = 0;
    value_range(xd, n, ctx.threads(), lo, hi);
    const float scale = hi == lo ? 1.0f : (hi - lo) / 255.0f;
    const float zero = quantize_to_range(0.0f - lo / scale, 0.0f, 0.0f, 255.0f);
    Tensor& y = ctx.output(0, DataType::UInt8, x.shape());
    ctx.output(1, DataType::Float, {}).data<float>()[0] = scale;
    ctx.output(2, DataType::UInt8, {}).data<uint8_t>()[0] = static_cast<uint8_t>(zero);
    uint8_t* yd = y.data<uint8_t>();
    parallel_for(n, kGrain, ctx.threads(), [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i)
        yd[i] = static_cast<uint8_t>(quantize_to_range(xd[i] / scale, zero, 0.0f, 255.0f));
    });
  }
};

}  // namespace

void register_dynamic_quantize(Registry& r) {
  r.add({"", "DynamicQuantizeLinear", 11, TypeSet{DataType::Float}, make_kernel<DynamicQuantizeLinear>});
}

}  // namespace onyxrt::ops
