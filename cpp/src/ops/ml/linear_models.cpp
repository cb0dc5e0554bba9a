// ai.onnx.ml LinearClassifier and LinearRegressor (ml opset 1): scores = X * W^T + intercepts on
// the float GEMM, W = coefficients as [C, F] (C classes or targets, F the input's features).
// Inputs of any ML numeric type score in float, as onnxruntime does; coefficients must hold exactly
// C * F values for the input's F. multi_class (OvR or multinomial) does not change how a trained
// model scores, and onnxruntime ignores it too.
//  LinearRegressor: Y = post_transform(scores), [N, targets].
//  LinearClassifier: C = len(intercepts) (or coefficients / F without intercepts). C > 1: label of
//  the first highest score, Z = post_transform(scores). C == 1 is a binary margin s: label[1]
//  (or 1) when s > 0, else label[0] (or 0); with two labels Z = [1 - p, p] (binary_scores in
//  ml_scores.h), without labels Z = [s] (PROBIT maps it).
#include <algorithm>
#include <vector>

#include "base/parallel.h"
#include "kernels/gemm.h"
#include "ops/ml/ml_features.h"
#include "ops/ml/ml_scores.h"
#include "ops/registry.h"

namespace onyxrt::ops {
namespace {

using namespace ml;

constexpr int64_t kGrain = 1024;  // rows per parallel chunk

// scores[N, C] = X[N, F] * W[C, F]^T + bias (when given).
void linear_scores(const KernelContext& ctx, const FeatureRows& x, const std::vector<float>& w, int64_t c,
                   const std::vector<float>& bias, float* scores) {
  if (x.rows == 0 || c == 0) return;
  if (x.cols == 0) {  // no features: the bias alone
    for (int64_t r = 0; r < x.rows; ++r)
      for (int64_t j = 0; j < c; ++j) scores[r * c + j] = bias.empty() ? 0.f : bias[j];
    return;
  }
  kernels::GemmEpilogue epilogue;
  if (!bias.empty()) {
    epilogue.bias_kind = kernels::GemmEpilogue::Bias::PerColumn;
    epilogue.bias = bias.data();
  }
  kernels::gemm_f32(false, true, x.rows, c, x.cols, 1.f, x.data(), x.cols, w.data(), x.cols, 0.f, scores, c,
                    ctx.threads(), epilogue);
}

class LinearClassifier final : public OpKernel {
 public:
  explicit LinearClassifier(const KernelInfo& info)
      : coefficients_(info.attr_floats("coefficients")),
        intercepts_(info.attr_floats("intercepts")),
        labels_(info, "classlabels_ints", "classlabels_strings"),
        transform_(post_transform_attribute(info)) {
    if (coefficients_.empty()) info.fail(ErrorCode::InvalidGraph, "attribute 'coefficients' is missing or empty");
    if (!labels_.ints.empty() && !labels_.strings.empty())
      info.fail(ErrorCode::InvalidGraph, "only one of 'classlabels_ints' and 'classlabels_strings' may be given");
    if (!intercepts_.empty()) {
      const size_t c = intercepts_.size();
      if (coefficients_.size() % c != 0)
        info.fail(ErrorCode::InvalidGraph, "coefficients size (", coefficients_.size(),
                  ") is not a multiple of the class count (", c, " intercepts)");
      check_classes(info, static_cast<int64_t>(c));
    }
  }

  void compute(KernelContext& ctx) const override {
    const FeatureRows x = feature_rows(ctx, ctx.input(0));
    const int64_t coef = static_cast<int64_t>(coefficients_.size());
    int64_t c = static_cast<int64_t>(intercepts_.size());
    if (c == 0) {  // no intercepts: the class count follows from the coefficients
      if (x.cols == 0 || coef % x.cols != 0)
        ctx.fail(ErrorCode::InvalidArgument, "without 'intercepts', the ", coef,
                 " coefficients must be a multiple of the input's ", x.cols, " features");
      c = coef / x.cols;
      check_classes(ctx, c);
    }
    if (coef != c * x.cols)
      ctx.fail(ErrorCode::InvalidArgument, "coefficients size (", coef, ") does not match class count (", c,
               ") * input features (", x.cols, ")");
    const bool binary = c == 1;
    const bool two_columns = binary && labels_.size() == 2;  // the margin as two class scores
    const int64_t z_cols = two_columns ? 2 : c;
    Tensor& y = ctx.output(0, labels_.dtype(), {x.rows});
    Tensor& z = ctx.output(1, DataType::Float, {x.rows, z_cols});
    std::vector<float> scores(static_cast<size_t>(x.rows * c));
    linear_scores(ctx, x, coefficients_, c, intercepts_, scores.data());
    float* zd = z.data<float>();
    parallel_for(x.rows, kGrain, ctx.threads(), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const float* s = scores.data() + r * c;
        if (binary) {
          labels_.write_or(y, r, s[0] > 0 ? 1 : 0, s[0] > 0 ? 1 : 0);
        } else {
          labels_.write(y, r, static_cast<size_t>(std::max_element(s, s + c) - s));
        }
        if (two_columns) {
          binary_scores(transform_, s[0], zd + 2 * r);
        } else {
          std::copy_n(s, c, zd + r * c);
          post_transform_scores(transform_, zd + r * c, 1, c);
        }
      }
    });
  }

 private:
  // A binary margin takes two labels or none; C classes need (at least) C labels.
  template <class Owner>
  void check_classes(const Owner& owner, int64_t c) const {
    const int64_t n = static_cast<int64_t>(labels_.size());
    if (c == 1 && n != 0 && n != 2)
      owner.fail(ErrorCode::InvalidGraph, "a single class score (binary) needs exactly 2 class labels, got ", n);
    if (c > 1 && n < c)
      owner.fail(ErrorCode::InvalidGraph, "the model scores ", c, " classes but has ", n, " class labels");
  }

  std::vector<float> coefficients_, intercepts_;
  ClassLabels labels_;
  PostTransform transform_;
};

class LinearRegressor final : public OpKernel {
 public:
  explicit LinearRegressor(const KernelInfo& info)
      : coefficients_(info.attr_floats("coefficients")),
        intercepts_(info.attr_floats("intercepts")),
        targets_(info.attr_int("targets", 1)),
        transform_(post_transform_attribute(info)) {
    if (targets_ < 1) info.fail(ErrorCode::InvalidGraph, "attribute 'targets' must be >= 1, got ", targets_);
    if (!intercepts_.empty() && static_cast<int64_t>(intercepts_.size()) != targets_)
      info.fail(ErrorCode::InvalidGraph, "attribute 'intercepts' has ", intercepts_.size(), " values for ", targets_,
                " targets");
    if (coefficients_.size() % static_cast<size_t>(targets_) != 0)
      info.fail(ErrorCode::InvalidGraph, "coefficients size (", coefficients_.size(),
                ") is not a multiple of targets (", targets_, ")");
  }

  void compute(KernelContext& ctx) const override {
    const FeatureRows x = feature_rows(ctx, ctx.input(0));
    if (static_cast<int64_t>(coefficients_.size()) != targets_ * x.cols)
      ctx.fail(ErrorCode::InvalidArgument, "coefficients size (", coefficients_.size(), ") does not match targets (",
               targets_, ") * input features (", x.cols, ")");
    Tensor& y = ctx.output(0, DataType::Float, {x.rows, targets_});
    linear_scores(ctx, x, coefficients_, targets_, intercepts_, y.data<float>());
    post_transform_scores(transform_, y.data<float>(), x.rows, targets_);
  }

 private:
  std::vector<float> coefficients_, intercepts_;
  int64_t targets_;
  PostTransform transform_;
};

}  // namespace

void register_ml_linear_models(Registry& r) {
  r.add({"ai.onnx.ml", "LinearClassifier", 1, kMlNumericTypes, make_kernel<LinearClassifier>});
  r.add({"ai.onnx.ml", "LinearRegressor", 1, kMlNumericTypes, make_kernel<LinearRegressor>});
}

}  // namespace onyxrt::ops
