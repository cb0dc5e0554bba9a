#include "ops/float_staging.h"

#include <cstring>

#include "base/error.h"
#include "base/float16.h"

namespace onyxrt::ops {

Tensor widen_to_float(const Tensor& t) {
  if (t.dtype() == DataType::Float) return t;
  ONYXRT_ENFORCE(is_half_type(t.dtype()), "widen_to_float: unexpected type ", data_type_name(t.dtype()));
  Tensor out(DataType::Float, t.shape());
  const uint16_t* src = t.data<uint16_t>();
  float* dst = out.data<float>();
  const int64_t n = t.size();
  if (t.dtype() == DataType::Float16) {
    for (int64_t i = 0; i < n; ++i) dst[i] = half_to_float(src[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) dst[i] = bfloat16_to_float(src[i]);
  }
  return out;
}

std::vector<double> values_as_double(const Tensor& t) {
  std::vector<double> out(static_cast<size_t>(t.size()));
  for (int64_t i = 0; i < t.size(); ++i) {
    switch (t.dtype()) {
      case DataType::Float: out[i] = t.data<float>()[i]; break;
      case DataType::Double: out[i] = t.data<double>()[i]; break;
      case DataType::Float16: out[i] = half_to_float(t.data<uint16_t>()[i]); break;
      case DataType::BFloat16: out[i] = bfloat16_to_float(t.data<uint16_t>()[i]); break;
      default: fail(ErrorCode::InvalidArgument, "expected a floating-point tensor, got ", data_type_name(t.dtype()));
    }
  }
  return out;
}

void narrow_from_float(const float* src, Tensor& dst) {
  const int64_t n = dst.size();
  if (dst.dtype() == DataType::Float) {
    if (dst.data<float>() != src) std::memcpy(dst.data<float>(), src, sizeof(float) * n);
    return;
  }
  ONYXRT_ENFORCE(is_half_type(dst.dtype()), "narrow_from_float: unexpected type ", data_type_name(dst.dtype()));
  uint16_t* out = dst.data<uint16_t>();
  if (dst.dtype() == DataType::Float16) {
    for (int64_t i = 0; i < n; ++i) out[i] = float_to_half(src[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = float_to_bfloat16(src[i]);
  }
}

}  // namespace onyxrt::ops
