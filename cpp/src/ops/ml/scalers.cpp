// ai.onnx.ml Scaler, Normalizer, Binarizer and Imputer (ml opset 1): per-element rescaling of a
// [C] or [N, C] feature input. Arithmetic follows onnxruntime: float inputs compute in float,
// double in double, integers through float.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "base/parallel.h"
#include "ops/ml/ml_features.h"
#include "ops/registry.h"

namespace onyxrt::ops {
namespace {

using namespace ml;

constexpr int64_t kGrain = 16384;  // elements per parallel chunk

template <class T>
using arith_t = std::conditional_t<std::is_same_v<T, double>, double, float>;

// How a per-feature parameter list of `count` values applies to x: one value for every element,
// or one per feature (the last axis of a [C] or [N, C] input). Returns the feature count, or 1
// for a single shared value; fails otherwise.
template <class Ctx>
int64_t parameter_stride(const Ctx& ctx, const Tensor& x, size_t count, const char* what) {
  if (x.rank() == 0) ctx.fail(ErrorCode::InvalidArgument, "input X must have at least one dimension, got a scalar");
  if (count == 1) return 1;
  const int64_t features = x.dim(x.rank() - 1);
  if (x.rank() <= 2 && static_cast<int64_t>(count) == features) return features;
  ctx.fail(ErrorCode::InvalidArgument, "'", what, "' has ", count,
           " values; expected 1 or one per feature of a [C] or [N, C] input, got X of shape ",
           shape_to_string(x.shape()));
}

// y = (x - offset) * scale, offset and scale per feature or shared.
class Scaler final : public OpKernel {
 public:
  explicit Scaler(const KernelInfo& info) : scale_(info.attr_floats("scale")), offset_(info.attr_floats("offset")) {
    if (scale_.empty()) info.fail(ErrorCode::InvalidGraph, "attribute 'scale' is missing or empty");
    if (offset_.size() != scale_.size())
      info.fail(ErrorCode::InvalidGraph, "attributes 'offset' (", offset_.size(), " values) and 'scale' (",
                scale_.size(), " values) must have the same length");
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const int64_t stride = parameter_stride(ctx, x, scale_.size(), "scale");
    Tensor& y = ctx.output(0, DataType::Float, x.shape());
    float* yd = y.data<float>();
    visit_type(x.dtype(), MlNumericTypes{}, [&](auto tag) {
      using T = typename decltype(tag)::type;
      using A = arith_t<T>;
      const T* xd = x.data<T>();
      parallel_for(x.size(), kGrain, ctx.threads(), [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
          const size_t f = static_cast<size_t>(stride == 1 ? 0 : i % stride);
          yd[i] = static_cast<float>((static_cast<A>(xd[i]) - static_cast<A>(offset_[f])) * static_cast<A>(scale_[f]));
        }
      });
    });
  }

 private:
  std::vector<float> scale_, offset_;
};

enum class Norm { Max, L1, L2 };

// Each row divided by its max, L1 or L2 norm; a row whose norm is 0 is copied unchanged.
class Normalizer final : public OpKernel {
 public:
  explicit Normalizer(const KernelInfo& info) {
    const std::string norm = info.attr_string("norm", "MAX");
    if (norm == "MAX") {
      norm_ = Norm::Max;
    } else if (norm == "L1") {
      norm_ = Norm::L1;
    } else if (norm == "L2") {
      norm_ = Norm::L2;
    } else {
      info.fail(ErrorCode::InvalidGraph, "attribute 'norm' must be MAX, L1 or L2, got '", norm, "'");
    }
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const FeatureRows f = feature_rows(ctx, x);
    Tensor& y = ctx.output(0, DataType::Float, x.shape());
    const float* xd = f.data();
    float* yd = y.data<float>();
    const int64_t c = f.cols;
    parallel_for(f.rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, c)), ctx.threads(),
                 [&](int64_t begin, int64_t end) {
                   for (int64_t r = begin; r < end; ++r) normalize_row(xd + r * c, yd + r * c, c);
                 });
  }

 private:
  void normalize_row(const float* x, float* y, int64_t c) const {
    if (norm_ == Norm::L2) {
      // sqrt(x^2 / sum) with x's sign, as onnxruntime writes it (bit-identical results).
      float sum = 0.f;
      for (int64_t i = 0; i < c; ++i) sum += x[i] * x[i];
      for (int64_t i = 0; i < c; ++i) {
        const float v = std::sqrt(x[i] * x[i] / sum);
        y[i] = sum == 0.f ? x[i] : (x[i] < 0 ? -v : v);
      }
      return;
    }
    float norm = 0.f;
    if (norm_ == Norm::Max) {
      norm = std::numeric_limits<float>::lowest();
      for (int64_t i = 0; i < c; ++i) norm = std::max(norm, x[i]);
    } else {
      for (int64_t i = 0; i < c; ++i) norm += std::fabs(x[i]);
    }
    for (int64_t i = 0; i < c; ++i) y[i] = norm == 0.f ? x[i] : x[i] / norm;
  }

  Norm norm_ = Norm::Max;
};

// y = x > threshold ? 1 : 0 in x's type (NaN gives 0).
class Binarizer final : public OpKernel {
 public:
  explicit Binarizer(const KernelInfo& info) : threshold_(info.attr_float("threshold", 0.f)) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0, x.dtype(), x.shape());
    visit_type(x.dtype(), MlNumericTypes{}, [&](auto tag) {
      using T = typename decltype(tag)::type;
      using A = arith_t<T>;
      const T* xd = x.data<T>();
      T* yd = y.data<T>();
      const A threshold = static_cast<A>(threshold_);
      parallel_for(x.size(), kGrain, ctx.threads(), [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) yd[i] = static_cast<A>(xd[i]) > threshold ? T(1) : T(0);
      });
    });
  }

 private:
  float threshold_;
};

// Replaces the elements equal to the replaced value (NaN matching NaN) by the imputed value of
// their feature. Float and double inputs use the *_float(s) attributes, integers the *_int64(s).
class Imputer final : public OpKernel {
 public:
  explicit Imputer(const KernelInfo& info)
      : floats_(info.attr_floats("imputed_value_floats")),
        ints_(info.attr_ints("imputed_value_int64s")),
        replaced_float_(info.attr_float("replaced_value_float", 0.f)),
        replaced_int_(info.attr_int("replaced_value_int64", 0)) {
    if (floats_.empty() == ints_.empty())
      info.fail(ErrorCode::InvalidGraph, "exactly one of 'imputed_value_floats' and 'imputed_value_int64s' must be ",
                "given (non-empty)");
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const bool float_input = x.dtype() == DataType::Float || x.dtype() == DataType::Double;
    if (float_input && floats_.empty())
      ctx.fail(ErrorCode::InvalidArgument, "input of type ", data_type_name(x.dtype()),
               " needs 'imputed_value_floats', but only 'imputed_value_int64s' is given");
    if (!float_input && ints_.empty())
      ctx.fail(ErrorCode::InvalidArgument, "input of type ", data_type_name(x.dtype()),
               " needs 'imputed_value_int64s', but only 'imputed_value_floats' is given");
    const size_t count = float_input ? floats_.size() : ints_.size();
    const char* what = float_input ? "imputed_value_floats" : "imputed_value_int64s";
    const int64_t stride = parameter_stride(ctx, x, count, what);
    Tensor& y = ctx.output(0, x.dtype(), x.shape());
    visit_type(x.dtype(), MlNumericTypes{}, [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* xd = x.data<T>();
      T* yd = y.data<T>();
      parallel_for(x.size(), kGrain, ctx.threads(), [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
          const size_t f = static_cast<size_t>(stride == 1 ? 0 : i % stride);
          if constexpr (std::is_floating_point_v<T>) {
            const T replaced = static_cast<T>(replaced_float_);
            const bool hit = std::isnan(replaced) ? std::isnan(xd[i]) : xd[i] == replaced;
            yd[i] = hit ? static_cast<T>(floats_[f]) : xd[i];
          } else {
            yd[i] = static_cast<int64_t>(xd[i]) == replaced_int_ ? static_cast<T>(ints_[f]) : xd[i];
          }
        }
      });
    });
  }

 private:
  std::vector<float> floats_;
  std::vector<int64_t> ints_;
  float replaced_float_;
  int64_t replaced_int_;
};

}  // namespace

void register_ml_scalers(Registry& r) {
  r.add({"ai.onnx.ml", "Scaler", 1, kMlNumericTypes, make_kernel<Scaler>});
  r.add({"ai.onnx.ml", "Normalizer", 1, kMlNumericTypes, make_kernel<Normalizer>});
  r.add({"ai.onnx.ml", "Binarizer", 1, kMlNumericTypes, make_kernel<Binarizer>});
  r.add({"ai.onnx.ml", "Imputer", 1, kMlNumericTypes, make_kernel<Imputer>});
}

}  // namespace onyxrt::ops
