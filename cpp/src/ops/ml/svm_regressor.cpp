// ai.onnx.ml SVMRegressor (ml opset 1): Y [N, 1].
//  n_supports > 0: y = sum_v coefficients[v] K(x, support_vector_v) + rho[0];
//  otherwise (linear): y = x . coefficients + rho[0].
// one_class = 1 turns y into +1 / -1 by its sign (> 0 is +1). post_transform is the one-score
// rule of the linear models (ml_scores.h): only PROBIT maps a single score.
#include <vector>

#include "base/parallel.h"
#include "ops/ml/ml_features.h"
#include "ops/ml/ml_scores.h"
#include "ops/ml/svm_kernels.h"
#include "ops/registry.h"

namespace onyxrt::ops {
namespace {

using namespace ml;

class SVMRegressor final : public OpKernel {
 public:
  explicit SVMRegressor(const KernelInfo& info)
      : kernel_(svm_kernel_attributes(info)),
        transform_(post_transform_attribute(info)),
        coefficients_(info.attr_floats("coefficients")),
        support_vectors_(info.attr_floats("support_vectors")),
        rho_(info.attr_floats("rho")),
        vectors_(info.attr_int("n_supports", 0)),
        one_class_(info.attr_int("one_class", 0) != 0) {
    if (coefficients_.empty()) info.fail(ErrorCode::InvalidGraph, "attribute 'coefficients' is missing or empty");
    if (rho_.empty()) info.fail(ErrorCode::InvalidGraph, "attribute 'rho' is missing or empty");
    if (vectors_ < 0) info.fail(ErrorCode::InvalidGraph, "attribute 'n_supports' must be >= 0, got ", vectors_);
    if (vectors_ > 0) {
      if (static_cast<int64_t>(support_vectors_.size()) % vectors_ != 0)
        info.fail(ErrorCode::InvalidGraph, "support_vectors size (", support_vectors_.size(),
                  ") is not a multiple of n_supports (", vectors_, ")");
      if (static_cast<int64_t>(coefficients_.size()) < vectors_)
        info.fail(ErrorCode::InvalidGraph, "attribute 'coefficients' has ", coefficients_.size(), " values for ",
                  vectors_, " support vectors");
      features_ = static_cast<int64_t>(support_vectors_.size()) / vectors_;
    } else {
      kernel_.type = SvmKernelType::Linear;  // no support vectors: a linear model on the coefficients
      features_ = static_cast<int64_t>(coefficients_.size());
    }
  }

  void compute(KernelContext& ctx) const override {
    const FeatureRows x = feature_rows(ctx, ctx.input(0));
    if (x.cols != features_)
      ctx.fail(ErrorCode::InvalidArgument, "input X has ", x.cols, " features (shape ",
               shape_to_string(ctx.input(0).shape()), ") but the model has ", features_);
    Tensor& y = ctx.output(0, DataType::Float, {x.rows, 1});
    float* yd = y.data<float>();
    if (vectors_ > 0) {
      std::vector<float> k(static_cast<size_t>(x.rows * vectors_));
      svm_kernel_matrix(kernel_, x.data(), x.rows, features_, support_vectors_.data(), vectors_, k.data(),
                        ctx.threads());
      parallel_for(x.rows, 256, ctx.threads(), [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
          float sum = 0.f;
          for (int64_t v = 0; v < vectors_; ++v) sum += k[r * vectors_ + v] * coefficients_[v];
          yd[r] = sum + rho_[0];
        }
      });
    } else {
      svm_kernel_matrix(kernel_, x.data(), x.rows, features_, coefficients_.data(), 1, yd, ctx.threads());
      for (int64_t r = 0; r < x.rows; ++r) yd[r] += rho_[0];
    }
    if (one_class_)
      for (int64_t r = 0; r < x.rows; ++r) yd[r] = yd[r] > 0.f ? 1.f : -1.f;
    post_transform_scores(transform_, yd, x.rows, 1);
  }

 private:
  SvmKernel kernel_;
  PostTransform transform_;
  std::vector<float> coefficients_, support_vectors_, rho_;
  int64_t vectors_, features_ = 0;
  bool one_class_;
};

}  // namespace

void register_ml_svm_regressor(Registry& r) {
  r.add({"ai.onnx.ml", "SVMRegressor", 1, kMlNumericTypes, make_kernel<SVMRegressor>});
}

}  // namespace onyxrt::ops
