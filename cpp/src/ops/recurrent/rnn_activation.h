#pragma once

// The activation functions RNN, GRU and LSTM accept (the list in their schemas), applied in place
// to contiguous gate values. Each function is one branch-free loop the compiler vectorises; float
// Sigmoid and Tanh are the dispatched kernels of kernels/vmath.h (AVX-512 / AVX2 where the CPU has
// them, <= 3 ulp), which keeps the gate math off the scalar libm calls that would otherwise cost
// as much as the recurrent GEMM itself. Double uses the exact library functions.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/vmath.h"

namespace onyxrt::ops {

enum class ActivationKind : uint8_t {
  Relu,
  Tanh,
  Sigmoid,
  Affine,
  LeakyRelu,
  ThresholdedRelu,
  ScaledTanh,
  HardSigmoid,
  Elu,
  Softsign,
  Softplus,
};

struct Activation {
  ActivationKind kind = ActivationKind::Tanh;
  float alpha = 0.0f;
  float beta = 0.0f;
};

// One row per name: which of activation_alpha / activation_beta it consumes and the defaults of
// the ONNX operator of the same name (NaN where that operator has none, so the value is required).
struct ActivationInfo {
  const char* name;
  ActivationKind kind;
  bool uses_alpha, uses_beta;
  float default_alpha, default_beta;
};
const std::vector<ActivationInfo>& activation_table();

// Resolves `names` (case-insensitive) into activations. activation_alpha / activation_beta values
// are consumed in order by the functions that take them (as onnxruntime reads the schema's "in
// the order of activation functions"); the rest take their defaults. Returns an error message,
// empty on success.
std::string resolve_activations(const std::vector<std::string>& names, const std::vector<float>& alphas,
                                const std::vector<float>& betas, std::vector<Activation>& out);

namespace rnn_detail {

// Value-typed clamp: GCC if-converts (and so vectorises) these selects where std::min / std::max,
// which return references, leave a branch in the loop.
template <class T>
inline T clamp(T v, T lo, T hi) {
  v = v < lo ? lo : v;
  return v > hi ? hi : v;
}

}  // namespace rnn_detail

// Clamps to [-clip, clip]; the schemas apply `clip` to the input of every gate activation.
template <class T>
inline void clip_values(T* x, int64_t n, float clip) {
  const T hi = static_cast<T>(clip), lo = -hi;
  for (int64_t i = 0; i < n; ++i) x[i] = rnn_detail::clamp(x[i], lo, hi);
}

namespace rnn_detail {

inline void tanh_any(float* x, int64_t n) {
  kernels::vtanh_f32(x, x, n);
}
inline void tanh_any(double* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] = std::tanh(x[i]);
}
inline void sigmoid_any(float* x, int64_t n) {
  kernels::vsigmoid_f32(x, x, n);
}
inline void sigmoid_any(double* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] = 1.0 / (1.0 + std::exp(-x[i]));
}

}  // namespace rnn_detail

template <class T>
void apply_activation(const Activation& f, T* x, int64_t n) {
  const T alpha = static_cast<T>(f.alpha), beta = static_cast<T>(f.beta);
  switch (f.kind) {
    case ActivationKind::Relu:
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] < T(0) ? T(0) : x[i];
      break;
    case ActivationKind::Tanh: rnn_detail::tanh_any(x, n); break;
    case ActivationKind::Sigmoid: rnn_detail::sigmoid_any(x, n); break;
    case ActivationKind::Affine:
      for (int64_t i = 0; i < n; ++i) x[i] = alpha * x[i] + beta;
      break;
    case ActivationKind::LeakyRelu:
      for (int64_t i = 0; i < n; ++i) x[i] *= x[i] >= T(0) ? T(1) : alpha;  // selects constants: vectorises
      break;
    case ActivationKind::ThresholdedRelu:
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] >= alpha ? x[i] : T(0);  // the schemas' >=
      break;
    case ActivationKind::ScaledTanh:
      for (int64_t i = 0; i < n; ++i) x[i] *= beta;
      rnn_detail::tanh_any(x, n);
      for (int64_t i = 0; i < n; ++i) x[i] *= alpha;
      break;
    case ActivationKind::HardSigmoid:
      for (int64_t i = 0; i < n; ++i) x[i] = rnn_detail::clamp(alpha * x[i] + beta, T(0), T(1));
      break;
    case ActivationKind::Elu:
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] >= T(0) ? x[i] : alpha * (std::exp(x[i]) - T(1));
      break;
    case ActivationKind::Softsign:
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] / (T(1) + std::abs(x[i]));
      break;
    case ActivationKind::Softplus:
      // log(1 + e^x) without overflow: max(x, 0) + log1p(e^-|x|).
      for (int64_t i = 0; i < n; ++i) x[i] = std::max(x[i], T(0)) + std::log1p(std::exp(-std::abs(x[i])));
      break;
  }
}

}  // namespace onyxrt::ops
