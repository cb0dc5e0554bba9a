#include <algorithm>
#include <iterator>
#include <random>

#include "ops/elementwise_types.h"
#include "ops/op_table.h"
#include "ops/tensor/shape_ops_parts.h"

namespace onyxrt::ops {
namespace {

// A mask of ones (true, or 1 of the input's float type before opset 10) for inference mode.
void write_ones_mask(KernelContext& ctx, const Tensor& x, DataType mask_type) {
  if (!ctx.has_output(1)) return;
  Tensor& mask = ctx.output(1, mask_type, x.shape());
  if (mask_type == DataType::Bool) {
    std::fill_n(mask.data<bool>(), mask.size(), true);
    return;
  }
  visit_type(mask_type, FloatTypeList{}, [&](auto tag) {
    using T = typename decltype(tag)::type;
    std::fill_n(mask.data<T>(), mask.size(), from_compute<T>(compute_t<T>(1)));
  });
}

// Dropout-6 / 7 / 10 have no training mode input: the output is the input (shared), the mask
// all ones.
template <bool kBoolMask>
class DropoutInferenceKernel final : public OpKernel {
 public:
  explicit DropoutInferenceKernel(const KernelInfo&) {}
  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    ctx.set_output(0, ctx.input_value(0));
    write_ones_mask(ctx, x, kBoolMask ? DataType::Bool : x.dtype());
  }
};

// numpy's RandomState(seed).uniform(0, 1): MT19937 seeded like std::mt19937, 53-bit doubles
// from two draws. Matching it makes training-mode results equal the ONNX reference's.
double numpy_random_sample(std::mt19937& gen) {
  uint32_t a = gen() >> 5, b = gen() >> 6;
  return (a * 67108864.0 + b) / 9007199254740992.0;
}

// Dropout-12 and later: optional inputs ratio (default 0.5) and training_mode (default false).
// In training mode each element is kept with probability 1 - ratio and scaled by 1 / (1 - ratio);
// the 'seed' attribute makes the mask reproducible (the same for every run).
class DropoutKernel final : public OpKernel {
 public:
  explicit DropoutKernel(const KernelInfo& info) : has_seed_(info.has_attr("seed")), seed_(info.attr_int("seed", 0)) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    double ratio = ctx.has_input(1) ? read_ratio(ctx) : 0.5;
    bool training = ctx.has_input(2) && read_training_mode(ctx);
    if (!training || ratio == 0) {
      ctx.set_output(0, ctx.input_value(0));
      write_ones_mask(ctx, x, DataType::Bool);
      return;
    }
    if (!(ratio >= 0 && ratio < 1)) ctx.fail(ErrorCode::InvalidArgument, "ratio ", ratio, " is not in [0, 1)");
    std::mt19937 gen(has_seed_ ? static_cast<uint32_t>(seed_) : std::random_device{}());
    Tensor& mask = ctx.output(1, DataType::Bool, x.shape());
    bool* keep = mask.data<bool>();
    for (int64_t i = 0; i < x.size(); ++i) keep[i] = numpy_random_sample(gen) >= ratio;
    Tensor& y = ctx.output(0, x.dtype(), x.shape());
    bool supported = visit_type(x.dtype(), FloatTypeList{}, [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      const C scale = static_cast<C>(1.0 / (1.0 - ratio));
      const T* in = x.data<T>();
      T* out = y.data<T>();
      for (int64_t i = 0; i < x.size(); ++i) out[i] = from_compute<T>(keep[i] ? to_compute(in[i]) * scale : C(0));
    });
    if (!supported) ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(x.dtype()), " is not supported");
  }

 private:
  static double read_ratio(const KernelContext& ctx) {
    const Tensor& r = ctx.input(1);
    double ratio = 0;
    if (r.size() != 1 || !visit_type(r.dtype(), FloatTypeList{}, [&](auto tag) {
          using T = typename decltype(tag)::type;
          ratio = static_cast<double>(to_compute(r.data<T>()[0]));
        }))
      ctx.fail(ErrorCode::InvalidArgument, "ratio must be a floating-point scalar, got ", data_type_name(r.dtype()),
               " of shape ", shape_to_string(r.shape()));
    return ratio;
  }

  static bool read_training_mode(const KernelContext& ctx) {
    const Tensor& t = ctx.input(2);
    if (t.dtype() != DataType::Bool || t.size() != 1)
      ctx.fail(ErrorCode::InvalidArgument, "training_mode must be a bool scalar, got ", data_type_name(t.dtype()),
               " of shape ", shape_to_string(t.shape()));
    return t.data<bool>()[0];
  }

  bool has_seed_;
  int64_t seed_;
};

// NOTE: Dropout-22 also allows float8 types, which are not supported.
// Dropout-6 is served as inference (its 'is_test' attribute only asked for training behaviour).
constexpr OpRow kDropoutRows[] = {
    {"Dropout", 6, kIeeeFloatTypes, make_kernel<DropoutInferenceKernel<false>>},
    {"Dropout", 7, kIeeeFloatTypes, make_kernel<DropoutInferenceKernel<false>>},
    {"Dropout", 10, kIeeeFloatTypes, make_kernel<DropoutInferenceKernel<true>>},
    {"Dropout", 12, kIeeeFloatTypes, make_kernel<DropoutKernel>},
    {"Dropout", 13, kFloatTypes, make_kernel<DropoutKernel>},
};
static_assert(std::size(kDropoutRows) == 5, "update the row count together with the table");

}  // namespace

void register_dropout(Registry& r) { register_rows(r, kDropoutRows); }

}  // namespace onyxrt::ops
