#pragma once

#include <cstdint>
#include <vector>

#include "ops/elementwise_types.h"
#include "ops/kernel.h"
#include "ops/tensor/tensor_args.h"

// Inputs and attributes the signal operators share: scalar integer inputs (lengths, steps,
// axes) and the `output_datatype` attribute of the window and mel operators.
namespace onyxrt::ops {

// Input i as one integer: a scalar (or one-element 1-D) int32 / int64 tensor.
inline int64_t read_scalar_int(const KernelContext& ctx, size_t i, const char* what) {
  const std::vector<int64_t> values = read_int64_list(ctx, i, what);
  if (values.size() != 1)
    ctx.fail(ErrorCode::InvalidArgument, "'", what, "' must be a scalar, got shape ",
             shape_to_string(ctx.input(i).shape()));
  return values[0];
}

// What `output_datatype` may name (T2 / T3 of the window and mel operators).
using SignalOutputTypeList = NumericTypeList;

inline DataType parse_output_datatype(const KernelInfo& info) {
  const int64_t code = info.attr_int("output_datatype", static_cast<int64_t>(DataType::Float));
  if (code < 0 || code >= kDataTypeCount || !type_set_of(SignalOutputTypeList{}).contains(static_cast<DataType>(code)))
    info.fail(ErrorCode::InvalidGraph, "attribute 'output_datatype' ", code,
              " is not a supported output type (a float or integer TensorProto type)");
  return static_cast<DataType>(code);
}

// Stores values into y (of any type of SignalOutputTypeList); integers truncate toward zero,
// as numpy's astype, which the reference applies.
inline void store_doubles(const std::vector<double>& values, Tensor& y) {
  visit_type(y.dtype(), SignalOutputTypeList{}, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* d = y.data<T>();
    for (size_t i = 0; i < values.size(); ++i) {
      if constexpr (is_float_v<T>) {
        d[i] = from_compute<T>(values[i]);
      } else {
        d[i] = float_to_integer<T>(values[i]);
      }
    }
  });
}

}  // namespace onyxrt::ops
