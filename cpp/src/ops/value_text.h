#pragma once

#include <string>

#include "base/error.h"
#include "onyxrt/value.hpp"

namespace onyxrt::ops {

// How errors name a value a kernel did not expect: "tensor(float) of shape [2,3]", "a sequence
// of 4 values", "an empty optional", "a map".
inline std::string describe_value(const Value& v) {
  if (v.is_tensor())
    return str_cat("tensor(", data_type_name(v.tensor().dtype()), ") of shape ", shape_to_string(v.tensor().shape()));
  if (v.is_sequence()) return str_cat("a sequence of ", v.items().size(), " values");
  return v.is_none() ? "an empty optional" : "a map";
}

}  // namespace onyxrt::ops
