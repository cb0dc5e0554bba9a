// TreeEnsembleClassifier and TreeEnsembleRegressor (ai.onnx.ml 1; 3 adds the *_as_tensor double
// attributes) and TreeEnsemble (ai.onnx.ml 5). The attributes become a TreeEnsembleLayout at
// construction; compute() checks X, runs the batch evaluator and finishes each block of scores:
// AVERAGE division, base values, the post-transform, and for the classifier the label.
//
// The classifier follows onnxruntime where converters rely on it: a two-class model whose weights
// all go to class 0 (scikit-learn, LightGBM, XGBoost binary models) reports one score s per row
// as [logistic(-s), logistic(s)] under LOGISTIC, else [1 - s, s] (all weights >= 0) or [-s, s];
// the label is class 1 when s > 0.5 (all weights >= 0) or s > 0. Other models take the top class
// among the classes some leaf scored.
//
// NOTE: where onnxruntime 1.32 departs from the specification, onyxrt follows the specification:
// a single-target regressor applies LOGISTIC / SOFTMAX (onnxruntime only PROBIT); base values add
// to targets no leaf scored (onnxruntime reports 0); TreeEnsemble's post_transform 1 is SOFTMAX
// and 2 LOGISTIC (onnxruntime swaps them); a two-class classifier with weights for both classes
// reports its top class (onnxruntime the literal label 1 or 0 from the class-1 score's sign).
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "base/float16.h"
#include "ops/ml/ml_post_transform.h"
#include "ops/ml/tree_ensemble_eval.h"
#include "ops/ml/tree_ensemble_layout.h"
#include "ops/registry.h"

namespace onyxrt::ops {
namespace {

// X as [rows, features]; a 1-D X is one row.
TreeInput tree_input(const KernelContext& ctx, const Tensor& x, const TreeEnsembleLayout& layout) {
  if (x.rank() != 1 && x.rank() != 2)
    ctx.fail(ErrorCode::InvalidArgument, "input X must be [N, F] (or [F]), got shape ", shape_to_string(x.shape()));
  TreeInput in{x.raw(), x.dtype(), x.rank() == 2 ? x.dim(0) : 1, x.rank() == 2 ? x.dim(1) : x.dim(0)};
  if (in.features < layout.min_features && in.rows > 0)
    ctx.fail(ErrorCode::InvalidArgument, "input X has ", in.features, " features; the trees read feature ",
             layout.min_features - 1);
  return in;
}

void reject_tensor_attributes(const KernelInfo& info) {
  for (const char* name : {"nodes_values_as_tensor", "nodes_hitrates_as_tensor", "base_values_as_tensor",
                           "class_weights_as_tensor", "target_weights_as_tensor"})
    if (info.has_attr(name)) info.fail(ErrorCode::InvalidGraph, "attribute '", name, "' needs ai.onnx.ml opset 3");
}

// Rounds to the weights' type: arithmetic on scores happens in that type, as in onnxruntime.
double in_weight_type(const TreeEnsembleLayout& L, double v) { return L.double_weights ? v : static_cast<float>(v); }

// Scores of one row after aggregation: AVERAGE divides by the tree count, MIN / MAX of a target
// no leaf scored is 0, then base values add.
void finish_regression_row(const TreeEnsembleLayout& L, const std::vector<double>& base, const double* scores,
                           const uint8_t* scored, double* out) {
  const double trees = static_cast<double>(std::max<int64_t>(1, L.tree_count()));
  for (int64_t t = 0; t < L.n_targets; ++t) {
    double v = scores[t];
    if (L.aggregate == TreeAggregate::Average) v = in_weight_type(L, v / trees);
    if ((L.aggregate == TreeAggregate::Min || L.aggregate == TreeAggregate::Max) && !scored[t]) v = 0;
    out[t] = base.empty() ? v : in_weight_type(L, v + base[static_cast<size_t>(t)]);
  }
}

// Writes finished rows of float / double / float16 output; the post-transform runs in float for
// float16 and in the output's type otherwise.
void write_regression_block(const TreeEnsembleLayout& L, const std::vector<double>& base, PostTransform post,
                            int64_t row0, int64_t rows, const double* scores, const uint8_t* scored, Tensor& y) {
  const int64_t nt = L.n_targets;
  thread_local std::vector<double> row;
  row.resize(static_cast<size_t>(nt));
  thread_local std::vector<float> staged;
  if (y.dtype() == DataType::Float16) staged.resize(static_cast<size_t>(rows * nt));
  for (int64_t r = 0; r < rows; ++r) {
    finish_regression_row(L, base, scores + r * nt, scored + r * nt, row.data());
    const int64_t at = (row0 + r) * nt;
    if (y.dtype() == DataType::Double) std::copy(row.begin(), row.end(), y.data<double>() + at);
    if (y.dtype() == DataType::Float) std::copy(row.begin(), row.end(), y.data<float>() + at);
    if (y.dtype() == DataType::Float16) std::copy(row.begin(), row.end(), staged.data() + r * nt);
  }
  if (y.dtype() == DataType::Double) apply_post_transform(post, y.data<double>() + row0 * nt, rows, nt);
  if (y.dtype() == DataType::Float) apply_post_transform(post, y.data<float>() + row0 * nt, rows, nt);
  if (y.dtype() == DataType::Float16) {
    apply_post_transform(post, staged.data(), rows, nt);
    uint16_t* out = y.data<uint16_t>() + row0 * nt;
    for (int64_t i = 0; i < rows * nt; ++i) out[i] = float_to_half(staged[static_cast<size_t>(i)]);
  }
}

template <bool kTensorAttributes>
class TreeEnsembleRegressor final : public OpKernel {
 public:
  explicit TreeEnsembleRegressor(const KernelInfo& info) : post_(post_transform_attribute(info)) {
    if (!kTensorAttributes) reject_tensor_attributes(info);
    const int64_t n_targets = info.attr_int("n_targets", 0);
    if (n_targets < 1) info.fail(ErrorCode::InvalidGraph, "attribute 'n_targets' must be positive, got ", n_targets);
    TreeEnsembleSource source = parse_tree_attributes_v3(info, /*classifier=*/false, n_targets);
    source.aggregate = parse_tree_aggregate(info);
    layout_ = build_tree_layout(info, std::move(source));
    base_ = parse_base_values(info);
    if (!base_.empty() && static_cast<int64_t>(base_.size()) != n_targets)
      info.fail(ErrorCode::InvalidGraph, "base_values has ", base_.size(), " values; expected 0 or n_targets (",
                n_targets, ")");
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const TreeInput in = tree_input(ctx, x, layout_);
    Tensor& y = ctx.output(0, DataType::Float, {in.rows, layout_.n_targets});
    evaluate_tree_ensemble(layout_, in, ctx.threads(),
                           [&](int64_t row0, int64_t rows, const double* s, const uint8_t* h) {
                             write_regression_block(layout_, base_, post_, row0, rows, s, h, y);
                           });
  }

 private:
  PostTransform post_;
  TreeEnsembleLayout layout_;
  std::vector<double> base_;
};

class TreeEnsemble final : public OpKernel {
 public:
  explicit TreeEnsemble(const KernelInfo& info)
      : value_type_(info.required_tensor("nodes_splits").dtype()),
        layout_(build_tree_layout(info, parse_tree_attributes_v5(info))) {
    static constexpr PostTransform kByCode[] = {PostTransform::None, PostTransform::Softmax, PostTransform::Logistic,
                                                PostTransform::SoftmaxZero, PostTransform::Probit};
    const int64_t code = info.attr_int("post_transform", 0);
    if (code < 0 || code > 4)
      info.fail(ErrorCode::InvalidGraph, "post_transform is ", code,
                "; expected 0 (NONE), 1 (SOFTMAX), 2 (LOGISTIC), 3 (SOFTMAX_ZERO) or 4 (PROBIT)");
    post_ = kByCode[code];
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.dtype() != value_type_)
      ctx.fail(ErrorCode::InvalidArgument, "input X is ", data_type_name(x.dtype()), " but nodes_splits is ",
               data_type_name(value_type_), "; they must have the same type");
    const TreeInput in = tree_input(ctx, x, layout_);
    Tensor& y = ctx.output(0, x.dtype(), {in.rows, layout_.n_targets});
    evaluate_tree_ensemble(layout_, in, ctx.threads(),
                           [&](int64_t row0, int64_t rows, const double* s, const uint8_t* h) {
                             write_regression_block(layout_, {}, post_, row0, rows, s, h, y);
                           });
  }

 private:
  DataType value_type_;
  TreeEnsembleLayout layout_;
  PostTransform post_ = PostTransform::None;
};

template <bool kTensorAttributes>
class TreeEnsembleClassifier final : public OpKernel {
 public:
  explicit TreeEnsembleClassifier(const KernelInfo& info)
      : post_(post_transform_attribute(info)),
        labels_int_(info.attr_ints("classlabels_int64s")),
        labels_str_(info.attr_strings("classlabels_strings")) {
    if (!kTensorAttributes) reject_tensor_attributes(info);
    if (labels_int_.empty() == labels_str_.empty())
      info.fail(ErrorCode::InvalidGraph, "exactly one of classlabels_int64s and classlabels_strings must be given");
    n_classes_ = static_cast<int64_t>(labels_str_.empty() ? labels_int_.size() : labels_str_.size());
    TreeEnsembleSource source = parse_tree_attributes_v3(info, /*classifier=*/true, n_classes_);
    const std::set<int64_t> weighted(source.weight_target.begin(), source.weight_target.end());
    const std::vector<double>& w = source.weight_value;
    all_positive_ = std::all_of(w.begin(), w.end(), [](double v) { return v >= 0; });
    one_column_ = n_classes_ == 2 && weighted.size() == 1;
    layout_ = build_tree_layout(info, std::move(source));
    base_ = parse_base_values(info);
    const size_t nb = base_.size();
    if (n_classes_ > 2 ? nb != 0 && nb != static_cast<size_t>(n_classes_) : nb > 2)
      info.fail(ErrorCode::InvalidGraph, "base_values has ", nb, " values; expected 0 or one per class (", n_classes_,
                ")");
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const TreeInput in = tree_input(ctx, x, layout_);
    const DataType label_type = labels_str_.empty() ? DataType::Int64 : DataType::String;
    Tensor& label = ctx.output(0, label_type, {in.rows});
    Tensor& z = ctx.output(1, DataType::Float, {in.rows, n_classes_});
    auto sink = [&](int64_t row0, int64_t rows, const double* s, const uint8_t* h) {
      for (int64_t r = row0; r < row0 + rows; ++r) {
        const int64_t k = finish_row(r - row0, s, h, z.data<float>() + r * n_classes_);
        if (label_type == DataType::Int64)
          label.data<int64_t>()[r] = labels_int_[static_cast<size_t>(k)];
        else
          label.data<std::string>()[r] = labels_str_[static_cast<size_t>(k)];
      }
    };
    evaluate_tree_ensemble(layout_, in, ctx.threads(), sink);
  }

 private:
  // Finishes one row's scores into z (n_classes floats) and returns the label's index.
  int64_t finish_row(int64_t r, const double* scores, const uint8_t* scored, float* z) const {
    const double* s = scores + r * n_classes_;
    const uint8_t* h = scored + r * n_classes_;
    return one_column_ ? finish_one_column(s, h, z) : finish_classes(s, h, z);
  }

  int64_t finish_classes(const double* s, const uint8_t* h, float* z) const {
    int64_t best = -1;
    double best_score = 0;
    for (int64_t c = 0; c < n_classes_; ++c) {
      const bool has = h[c] || base_.size() == static_cast<size_t>(n_classes_);
      double v = s[c];
      if (base_.size() == static_cast<size_t>(n_classes_))
        v = in_weight_type(layout_, v + base_[static_cast<size_t>(c)]);
      if (c == 0 && base_.size() == 1 && n_classes_ != 1) v = in_weight_type(layout_, v + base_[0]);
      z[c] = has ? static_cast<float>(v) : 0.f;
      if (has && (best < 0 || v > best_score)) best = c, best_score = v;
    }
    apply_post_transform(post_, z, 1, n_classes_);
    return best < 0 ? 0 : best;
  }

  // Two classes, every weight for one of them (onnxruntime's binary case).
  int64_t finish_one_column(const double* s, const uint8_t* h, float* z) const {
    double s0 = s[0], s1 = s[1];
    // NOTE: with two base values and the weights on class 1, onnxruntime reports base[1] + s0,
    // dropping the class-1 sum; here each class adds its own base value.
    if (!base_.empty()) s0 = in_weight_type(layout_, s0 + base_[0]);
    if (base_.size() == 2) s1 = in_weight_type(layout_, s1 + base_[1]);
    // With two base values, or when class 1 holds the weights, both columns are reported.
    const bool both = base_.size() == 2 || h[1];
    const double pos = both && h[1] ? s1 : (h[0] ? s0 : 0.0);
    const bool positive = all_positive_ ? pos > 0.5 : pos > 0;
    if (both) {
      z[0] = h[0] ? static_cast<float>(s0) : 0.f;
      z[1] = h[1] ? static_cast<float>(s1) : 0.f;
      apply_post_transform(post_, z, 1, 2);
    } else {
      const float p = static_cast<float>(s0);
      if (post_ == PostTransform::Probit) {
        z[0] = probit_score(p), z[1] = 0.f;  // NOTE: onnxruntime leaves the second column unwritten
      } else if (post_ == PostTransform::Logistic) {
        z[0] = logistic_score(-p), z[1] = logistic_score(p);
      } else if (all_positive_) {
        z[0] = 1.f - p, z[1] = p;
      } else {
        z[0] = -p, z[1] = p;
      }
    }
    return positive ? 1 : 0;
  }

  PostTransform post_;
  std::vector<int64_t> labels_int_;
  std::vector<std::string> labels_str_;
  int64_t n_classes_ = 0;
  bool all_positive_ = true;
  bool one_column_ = false;
  TreeEnsembleLayout layout_;
  std::vector<double> base_;
};

constexpr TypeSet kTreeInputTypes{DataType::Float, DataType::Double, DataType::Int64, DataType::Int32};

}  // namespace

void register_ml_trees(Registry& r) {
  r.add({"ai.onnx.ml", "TreeEnsembleClassifier", 1, kTreeInputTypes, make_kernel<TreeEnsembleClassifier<false>>});
  r.add({"ai.onnx.ml", "TreeEnsembleClassifier", 3, kTreeInputTypes, make_kernel<TreeEnsembleClassifier<true>>});
  r.add({"ai.onnx.ml", "TreeEnsembleRegressor", 1, kTreeInputTypes, make_kernel<TreeEnsembleRegressor<false>>});
  r.add({"ai.onnx.ml", "TreeEnsembleRegressor", 3, kTreeInputTypes, make_kernel<TreeEnsembleRegressor<true>>});
  r.add({"ai.onnx.ml", "TreeEnsemble", 5, {DataType::Float, DataType::Double, DataType::Float16},
         make_kernel<TreeEnsemble>});
}

}  // namespace onyxrt::ops
