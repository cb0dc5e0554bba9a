#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ops/elementwise_types.h"
#include "ops/kernel.h"

// What the ai.onnx.ml operators share: their numeric inputs (float, double, int64, int32) read as
// a float matrix, and class labels given as either int64s or strings.
namespace onyxrt::ops::ml {

using MlNumericTypes = TypeList<float, double, int64_t, int32_t>;
inline constexpr TypeSet kMlNumericTypes{DataType::Float, DataType::Double, DataType::Int64, DataType::Int32};

// A [C] input is one row of C features; [N, C] is N rows. `values` is Float: x itself when it is
// Float, else a converted copy (onnxruntime scores these models in float whatever the input).
struct FeatureRows {
  int64_t rows = 0, cols = 0;
  Tensor values;
  const float* data() const { return values.data<float>(); }
};

// Fails naming the node when x is not 1-D or 2-D or not of an ML numeric type.
FeatureRows feature_rows(const KernelContext& ctx, const Tensor& x);

// x's elements as floats (any ML numeric type), shape kept.
Tensor to_float_tensor(const Tensor& x);

// The labels a classifier reports: classlabels_ints / classlabels_strings (`ints_name`,
// `strings_name`); strings win when both are given (onnxruntime's choice).
class ClassLabels {
 public:
  ClassLabels() = default;
  ClassLabels(const KernelInfo& info, const char* ints_name, const char* strings_name);

  bool empty() const { return size() == 0; }
  size_t size() const { return strings_ ? strings.size() : ints.size(); }
  bool strings_used() const { return strings_; }
  DataType dtype() const { return strings_ ? DataType::String : DataType::Int64; }

  // y[row] = label i.
  void write(Tensor& y, int64_t row, size_t i) const {
    if (strings_) {
      y.data<std::string>()[row] = strings[i];
    } else {
      y.data<int64_t>()[row] = ints[i];
    }
  }
  // y[row] = label i when the labels exist, else the fallback (1 / "1", 0 / "0"): the binary
  // classifiers' answer when no two labels are declared.
  void write_or(Tensor& y, int64_t row, size_t i, int64_t fallback) const {
    if (i < size()) return write(y, row, i);
    if (strings_) {
      y.data<std::string>()[row] = std::to_string(fallback);
    } else {
      y.data<int64_t>()[row] = fallback;
    }
  }

  std::vector<int64_t> ints;
  std::vector<std::string> strings;

 private:
  bool strings_ = false;
};

}  // namespace onyxrt::ops::ml
