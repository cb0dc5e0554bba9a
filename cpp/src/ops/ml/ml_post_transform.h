#pragma once

// The ai.onnx.ml score post-transforms (attribute `post_transform` of the tree ensembles and the
// linear / SVM classifiers and regressors), applied to a row-major [rows, cols] score block.
// NONE leaves the scores; LOGISTIC and PROBIT map each score; SOFTMAX and SOFTMAX_ZERO normalise
// each row. Results follow onnxruntime and onnx.reference, the two references the ml operators
// have (PROBIT uses their closed-form erfinv approximation, not an exact inverse).

#include <cstdint>
#include <optional>
#include <string>

namespace onyxrt::ops {

class KernelInfo;

enum class PostTransform { None, Softmax, Logistic, SoftmaxZero, Probit };

// The kind the attribute string names ("NONE", "SOFTMAX", "LOGISTIC", "SOFTMAX_ZERO", "PROBIT");
// nullopt for any other string.
std::optional<PostTransform> parse_post_transform(const std::string& name);

// Reads the node's `post_transform` attribute (default "NONE"); fails naming the node and the
// accepted values when the string is unknown.
PostTransform post_transform_attribute(const KernelInfo& info);

// The names as ONNX spells them, for messages.
const char* post_transform_name(PostTransform kind);

// Transforms `rows` rows of `cols` contiguous scores in place.
void apply_post_transform(PostTransform kind, float* scores, int64_t rows, int64_t cols);
void apply_post_transform(PostTransform kind, double* scores, int64_t rows, int64_t cols);

// The per-score maps, for callers that transform scores one at a time (binary classifiers).
float logistic_score(float x);
double logistic_score(double x);
float probit_score(float x);
double probit_score(double x);

}  // namespace onyxrt::ops
