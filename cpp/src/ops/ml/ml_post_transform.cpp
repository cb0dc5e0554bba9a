#include "ops/ml/ml_post_transform.h"

#include <cmath>
#include <limits>

#include "ops/kernel.h"

namespace onyxrt::ops {
namespace {

struct NamedTransform {
  const char* name;
  PostTransform kind;
};

constexpr NamedTransform kTransforms[] = {
    {"NONE", PostTransform::None},
    {"SOFTMAX", PostTransform::Softmax},
    {"LOGISTIC", PostTransform::Logistic},
    {"SOFTMAX_ZERO", PostTransform::SoftmaxZero},
    {"PROBIT", PostTransform::Probit},
};

template <class T>
T logistic(T x) {
  // exp of a non-positive argument only: no overflow for large |x|.
  const T v = T(1) / (T(1) + std::exp(-std::fabs(x)));
  return x < 0 ? T(1) - v : v;
}

// Winitzki's closed-form erfinv (a = 0.147), the form both references use; exact at 0 and +-1
// (+-inf), relative error below 2e-3 elsewhere.
template <class T>
T probit(T p) {
  const T x = T(2) * p - T(1);
  const T sign = x < 0 ? T(-1) : T(1);
  const T ln = std::log((T(1) - x) * (T(1) + x));
  const T a = T(0.147);
  const T v = T(2) / (T(3.14159265358979) * a) + T(0.5) * ln;
  const T erfinv = sign * std::sqrt(std::sqrt(v * v - ln / a) - v);
  return T(1.41421356237310) * erfinv;
}

template <class T>
void softmax_row(T* s, int64_t n) {
  T m = -std::numeric_limits<T>::infinity();
  for (int64_t j = 0; j < n; ++j) m = s[j] > m ? s[j] : m;
  T sum = 0;
  for (int64_t j = 0; j < n; ++j) sum += (s[j] = std::exp(s[j] - m));
  for (int64_t j = 0; j < n; ++j) s[j] /= sum;
}

// Softmax over the non-zero scores; a (near-)zero score stays (near) zero instead of taking
// exp(0) of the mass. A row with no non-zero score has nothing to normalise and stays zero.
template <class T>
void softmax_zero_row(T* s, int64_t n) {
  const T tiny = T(1e-7);
  T m = -std::numeric_limits<T>::infinity();
  for (int64_t j = 0; j < n; ++j) m = s[j] > m ? s[j] : m;
  const T exp_neg_max = std::exp(-m);
  T sum = 0;
  for (int64_t j = 0; j < n; ++j) {
    if (s[j] > tiny || s[j] < -tiny)
      sum += (s[j] = std::exp(s[j] - m));
    else
      s[j] *= exp_neg_max;
  }
  if (sum == 0) return;
  for (int64_t j = 0; j < n; ++j) s[j] /= sum;
}

template <class T>
void apply(PostTransform kind, T* scores, int64_t rows, int64_t cols) {
  const int64_t total = rows * cols;
  switch (kind) {
    case PostTransform::None:
      return;
    case PostTransform::Logistic:
      for (int64_t i = 0; i < total; ++i) scores[i] = logistic(scores[i]);
      return;
    case PostTransform::Probit:
      for (int64_t i = 0; i < total; ++i) scores[i] = probit(scores[i]);
      return;
    case PostTransform::Softmax:
      for (int64_t r = 0; r < rows; ++r) softmax_row(scores + r * cols, cols);
      return;
    case PostTransform::SoftmaxZero:
      for (int64_t r = 0; r < rows; ++r) softmax_zero_row(scores + r * cols, cols);
      return;
  }
}

}  // namespace

std::optional<PostTransform> parse_post_transform(const std::string& name) {
  for (const NamedTransform& t : kTransforms)
    if (name == t.name) return t.kind;
  return std::nullopt;
}

PostTransform post_transform_attribute(const KernelInfo& info) {
  const std::string name = info.attr_string("post_transform", "NONE");
  if (auto kind = parse_post_transform(name)) return *kind;
  info.fail(ErrorCode::InvalidGraph, "attribute 'post_transform' is '", name,
            "'; expected one of NONE, SOFTMAX, LOGISTIC, SOFTMAX_ZERO, PROBIT");
}

const char* post_transform_name(PostTransform kind) {
  for (const NamedTransform& t : kTransforms)
    if (t.kind == kind) return t.name;
  return "?";
}

void apply_post_transform(PostTransform kind, float* scores, int64_t rows, int64_t cols) {
  apply(kind, scores, rows, cols);
}
void apply_post_transform(PostTransform kind, double* scores, int64_t rows, int64_t cols) {
  apply(kind, scores, rows, cols);
}

float logistic_score(float x) { return logistic(x); }
double logistic_score(double x) { return logistic(x); }
float probit_score(float x) { return probit(x); }
double probit_score(double x) { return probit(x); }

}  // namespace onyxrt::ops
