// ai.onnx.ml SVMClassifier (ml opset 1), libsvm's one-vs-one model as onnxruntime scores it.
//  SVC mode (vectors_per_class given): for each class pair i < j, in that order,
//    s_ij = sum_{v in i} coef[j-1][v] K(x, sv_v) + sum_{v in j} coef[i][v] K(x, sv_v) + rho_ij
//  and s_ij > 0 votes for i, else j; the label is the first class with the most votes.
//  With prob_a / prob_b, Platt's sigmoid turns each s_ij into P(i | i or j) and pairwise coupling
//  gives one probability per class: Z [N, classes]. Without, Z holds the pair scores
//  [N, pairs], or for two classes [-s, s] (NONE) / [1 - p, p] (binary_scores in ml_scores.h).
//  Linear mode (no support vectors): score_c = x . coef_c + rho[0] for each class, Z [N, classes];
//  two classes without probabilities pick label[1] when the best score is positive (>= 0.5 when
//  all coefficients are >= 0), else the best class.
// post_transform applies to Z as for the linear models (ml_scores.h).
#include <algorithm>
#include <vector>

#include "base/parallel.h"
#include "ops/ml/ml_features.h"
#include "ops/ml/ml_scores.h"
#include "ops/ml/svm_coupling.h"
#include "ops/ml/svm_kernels.h"
#include "ops/registry.h"

namespace onyxrt::ops {
namespace {

using namespace ml;

constexpr int64_t kGrain = 64;  // rows per parallel chunk

class SVMClassifier final : public OpKernel {
 public:
  explicit SVMClassifier(const KernelInfo& info)
      : kernel_(svm_kernel_attributes(info)),
        labels_(info, "classlabels_ints", "classlabels_strings"),
        transform_(post_transform_attribute(info)),
        coefficients_(info.attr_floats("coefficients")),
        support_vectors_(info.attr_floats("support_vectors")),
        rho_(info.attr_floats("rho")),
        prob_a_(info.attr_floats("prob_a")),
        prob_b_(info.attr_floats("prob_b")),
        vectors_per_class_(info.attr_ints("vectors_per_class")) {
    classes_ = static_cast<int64_t>(labels_.size());
    if (classes_ == 0)
      info.fail(ErrorCode::InvalidGraph, "one of 'classlabels_ints', 'classlabels_strings' is required");
    if (coefficients_.empty()) info.fail(ErrorCode::InvalidGraph, "attribute 'coefficients' is missing or empty");
    if (prob_a_.size() != prob_b_.size())
      info.fail(ErrorCode::InvalidGraph, "attributes 'prob_a' (", prob_a_.size(), ") and 'prob_b' (", prob_b_.size(),
                ") must have the same length");
    for (int64_t count : vectors_per_class_) {
      if (count < 0) info.fail(ErrorCode::InvalidGraph, "attribute 'vectors_per_class' has a negative count ", count);
      starts_.push_back(vectors_);
      vectors_ += count;
    }
    all_positive_ = std::all_of(coefficients_.begin(), coefficients_.end(), [](float c) { return c >= 0.f; });
    svc_ = vectors_ > 0;
    const int64_t coef = static_cast<int64_t>(coefficients_.size());
    if (svc_) {
      pairs_ = classes_ * (classes_ - 1) / 2;
      if (classes_ < 2) info.fail(ErrorCode::InvalidGraph, "an SVC model needs at least 2 class labels");
      if (static_cast<int64_t>(vectors_per_class_.size()) != classes_)
        info.fail(ErrorCode::InvalidGraph, "attribute 'vectors_per_class' has ", vectors_per_class_.size(),
                  " values for ", classes_, " class labels");
      if (static_cast<int64_t>(support_vectors_.size()) % vectors_ != 0)
        info.fail(ErrorCode::InvalidGraph, "support_vectors size (", support_vectors_.size(),
                  ") is not a multiple of the vector count (", vectors_, ")");
      features_ = static_cast<int64_t>(support_vectors_.size()) / vectors_;
      if (coef < (classes_ - 1) * vectors_)
        info.fail(ErrorCode::InvalidGraph, "coefficients size (", coef, ") is less than (classes - 1) * vectors (",
                  (classes_ - 1) * vectors_, ")");
      if (static_cast<int64_t>(rho_.size()) < pairs_)
        info.fail(ErrorCode::InvalidGraph, "attribute 'rho' has ", rho_.size(), " values for ", pairs_, " class pairs");
      if (!prob_a_.empty() && static_cast<int64_t>(prob_a_.size()) < pairs_)
        info.fail(ErrorCode::InvalidGraph, "attribute 'prob_a' has ", prob_a_.size(), " values for ", pairs_,
                  " class pairs");
    } else {
      if (coef % classes_ != 0)
        info.fail(ErrorCode::InvalidGraph, "coefficients size (", coef, ") is not a multiple of the class count (",
                  classes_, ")");
      features_ = coef / classes_;
      if (rho_.empty()) info.fail(ErrorCode::InvalidGraph, "attribute 'rho' is missing or empty");
    }
  }

  void compute(KernelContext& ctx) const override {
    const FeatureRows x = feature_rows(ctx, ctx.input(0));
    if (x.cols != features_)
      ctx.fail(ErrorCode::InvalidArgument, "input X has ", x.cols, " features (shape ",
               shape_to_string(ctx.input(0).shape()), ") but the model has ", features_);
    Tensor& y = ctx.output(0, labels_.dtype(), {x.rows});
    if (svc_) {
      compute_svc(ctx, x, y);
    } else {
      compute_linear(ctx, x, y);
    }
  }

 private:
  void compute_linear(KernelContext& ctx, const FeatureRows& x, Tensor& y) const {
    Tensor& z = ctx.output(1, DataType::Float, {x.rows, classes_});
    float* zd = z.data<float>();
    svm_kernel_matrix(SvmKernel{}, x.data(), x.rows, features_, coefficients_.data(), classes_, zd, ctx.threads());
    const bool proba = !prob_a_.empty();
    parallel_for(x.rows, kGrain * 16, ctx.threads(), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        float* s = zd + r * classes_;
        for (int64_t c = 0; c < classes_; ++c) s[c] += rho_[0];
        const int64_t best = std::max_element(s, s + classes_) - s;
        int64_t label = best;
        if (classes_ == 2 && !proba && ((all_positive_ && s[best] >= 0.5f) || (!all_positive_ && s[best] > 0.f)))
          label = 1;
        labels_.write(y, r, static_cast<size_t>(label));
        post_transform_scores(transform_, s, 1, classes_);
      }
    });
  }

  void compute_svc(KernelContext& ctx, const FeatureRows& x, Tensor& y) const {
    const bool proba = !prob_a_.empty();
    const int64_t z_cols = proba ? classes_ : (classes_ == 2 ? 2 : pairs_);
    Tensor& z = ctx.output(1, DataType::Float, {x.rows, z_cols});
    float* zd = z.data<float>();
    std::vector<float> k(static_cast<size_t>(x.rows * vectors_));
    svm_kernel_matrix(kernel_, x.data(), x.rows, features_, support_vectors_.data(), vectors_, k.data(),
                      ctx.threads());
    parallel_for(x.rows, kGrain, ctx.threads(), [&](int64_t begin, int64_t end) {
      std::vector<float> scores(static_cast<size_t>(pairs_));
      std::vector<int64_t> votes(static_cast<size_t>(classes_));
      PairwiseCoupling coupling(proba ? classes_ : 0);
      for (int64_t r = begin; r < end; ++r) {
        pair_scores(k.data() + r * vectors_, scores.data(), votes.data());
        labels_.write(y, r, static_cast<size_t>(std::max_element(votes.begin(), votes.end()) - votes.begin()));
        float* zr = zd + r * z_cols;
        if (proba) {
          for (int64_t p = 0; p < pairs_; ++p) coupling.set_pair(p, platt(scores[p], prob_a_[p], prob_b_[p]));
          coupling.solve(zr);
          post_transform_scores(transform_, zr, 1, classes_);
        } else if (classes_ == 2) {
          if (transform_ == PostTransform::None) {
            zr[0] = -scores[0], zr[1] = scores[0];
          } else {
            binary_scores(transform_, scores[0], zr);
          }
        } else {
          std::copy(scores.begin(), scores.end(), zr);
          post_transform_scores(transform_, zr, 1, pairs_);
        }
      }
    });
  }

  // The one-vs-one decision values of a row from its kernel values, and the votes they cast.
  void pair_scores(const float* k, float* scores, int64_t* votes) const {
    std::fill(votes, votes + classes_, 0);
    int64_t pair = 0;
    for (int64_t i = 0; i < classes_; ++i) {
      for (int64_t j = i + 1; j < classes_; ++j, ++pair) {
        const float* coef_i = coefficients_.data() + (j - 1) * vectors_;  // class i's vectors vs class j
        const float* coef_j = coefficients_.data() + i * vectors_;        // class j's vectors vs class i
        double sum = 0;
        for (int64_t v = starts_[i]; v < starts_[i] + vectors_per_class_[i]; ++v) sum += coef_i[v] * k[v];
        for (int64_t v = starts_[j]; v < starts_[j] + vectors_per_class_[j]; ++v) sum += coef_j[v] * k[v];
        sum += rho_[pair];
        scores[pair] = static_cast<float>(sum);
        ++votes[sum > 0 ? i : j];
      }
    }
  }

  // Platt's estimate of P(i | i or j) from a decision value, kept inside [1e-7, 1 - 1e-7].
  static float platt(float score, float a, float b) {
    const float p = 1.f - logistic_score(score * a + b);
    return std::min(std::max(p, 1.0e-7f), 1.f - 1.0e-7f);
  }

  SvmKernel kernel_;
  ClassLabels labels_;
  PostTransform transform_;
  std::vector<float> coefficients_, support_vectors_, rho_, prob_a_, prob_b_;
  std::vector<int64_t> vectors_per_class_, starts_;
  int64_t classes_ = 0, vectors_ = 0, features_ = 0, pairs_ = 0;
  bool svc_ = false, all_positive_ = false;
};

}  // namespace

void register_ml_svm_classifier(Registry& r) {
  r.add({"ai.onnx.ml", "SVMClassifier", 1, kMlNumericTypes, make_kernel<SVMClassifier>});
}

}  // namespace onyxrt::ops
