#include "ops/ml/ml_features.h"

namespace onyxrt::ops::ml {

Tensor to_float_tensor(const Tensor& x) {
  if (x.dtype() == DataType::Float) return x;
  Tensor out(DataType::Float, x.shape());
  float* dst = out.data<float>();
  const bool known = visit_type(x.dtype(), MlNumericTypes{}, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* src = x.data<T>();
    for (int64_t i = 0; i < x.size(); ++i) dst[i] = static_cast<float>(src[i]);
  });
  if (!known)
    fail(ErrorCode::InvalidArgument, "expected float, double, int64 or int32, got ", data_type_name(x.dtype()));
  return out;
}

FeatureRows feature_rows(const KernelContext& ctx, const Tensor& x) {
  if (x.rank() != 1 && x.rank() != 2)
    ctx.fail(ErrorCode::InvalidArgument, "input X must be 1-D [C] or 2-D [N, C], got shape ",
             shape_to_string(x.shape()));
  if (!kMlNumericTypes.contains(x.dtype()))
    ctx.fail(ErrorCode::InvalidArgument, "input X has element type ", data_type_name(x.dtype()),
             ", expected float, double, int64 or int32");
  FeatureRows f;
  f.rows = x.rank() == 1 ? 1 : x.dim(0);
  f.cols = x.rank() == 1 ? x.dim(0) : x.dim(1);
  f.values = to_float_tensor(x);
  return f;
}

ClassLabels::ClassLabels(const KernelInfo& info, const char* ints_name, const char* strings_name)
    : ints(info.attr_ints(ints_name)), strings(info.attr_strings(strings_name)), strings_(!strings.empty()) {}

}  // namespace onyxrt::ops::ml
