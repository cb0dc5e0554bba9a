#pragma once

#include <cmath>
#include <cstdint>

#include "ops/kernel.h"

// What com.microsoft FusedConv adds to Conv: an activation ('activation' / 'activation_params',
// onnxruntime's names) applied to each work unit's output while it is still in cache, after the
// residual Z was added. Conv itself runs with Kind::None.
namespace onyxrt::ops {

struct ConvActivation {
  enum class Kind : uint8_t { None, Relu, Clip, LeakyRelu, Sigmoid, Tanh, HardSigmoid };
  Kind kind = Kind::None;
  float p0 = 0.0f, p1 = 0.0f;  // Clip: min, max; LeakyRelu: alpha; HardSigmoid: alpha, beta

  // Relu rides on the GEMM epilogue; the others need a pass over the unit's output.
  bool needs_pass() const { return kind != Kind::None && kind != Kind::Relu; }
};

// FusedConv's 'activation' / 'activation_params' (none: Kind::None); fails with InvalidGraph
// naming the node on an unknown activation or a wrong parameter count (fused_conv.cpp).
ConvActivation parse_conv_activation(const KernelInfo& info);

// y[r * ld + c] (+= z[r * ld + c] when z is set), then the activation, for rows x cols elements.
// The expressions are the ONNX operators' (Relu, Clip, LeakyRelu, ...), so a fused node gives the
// unfused graph's values; NaN passes through Relu and Clip as it does there.
template <class T>
void apply_conv_activation(const ConvActivation& act, T* y, const T* z, int64_t rows, int64_t cols, int64_t ld) {
  using Kind = ConvActivation::Kind;
  const T p0 = static_cast<T>(act.p0), p1 = static_cast<T>(act.p1);
  for (int64_t r = 0; r < rows; ++r) {
    T* row = y + r * ld;
    if (z != nullptr) {
      const T* zr = z + r * ld;
      for (int64_t c = 0; c < cols; ++c) row[c] += zr[c];
    }
    switch (act.kind) {
      case Kind::None: break;
      case Kind::Relu:
        for (int64_t c = 0; c < cols; ++c) row[c] = row[c] < T(0) ? T(0) : row[c];
        break;
      case Kind::Clip:
        for (int64_t c = 0; c < cols; ++c) {
          const T v = row[c] < p0 ? p0 : row[c];
          row[c] = v > p1 ? p1 : v;
        }
        break;
      case Kind::LeakyRelu:
        for (int64_t c = 0; c < cols; ++c) row[c] = row[c] < T(0) ? p0 * row[c] : row[c];
        break;
      case Kind::Sigmoid:
        for (int64_t c = 0; c < cols; ++c) row[c] = T(1) / (T(1) + std::exp(-row[c]));
        break;
      case Kind::Tanh:
        for (int64_t c = 0; c < cols; ++c) row[c] = std::tanh(row[c]);
        break;
      case Kind::HardSigmoid:
        for (int64_t c = 0; c < cols; ++c) row[c] = std::fmax(T(0), std::fmin(T(1), p0 * row[c] + p1));
        break;
    }
  }
}

}  // namespace onyxrt::ops
