#pragma once

#include <vector>

#include "kernels/gemm.h"
#include "kernels/winograd.h"
#include "ops/kernel.h"
#include "ops/nn/conv_activation.h"
#include "ops/window_geometry.h"

// The convolution kernel that ai.onnx Conv (conv.cpp) and com.microsoft FusedConv
// (fused_conv.cpp) share: N-D convolution lowered to GEMM per image and group,
//   Y[n, g] (M/g x S) = W[g] (M/g x C/g*k) * im2col(X[n, g]) (C/g*k x S)  + bias per row
//                       [+ Z[n, g]] [-> activation],
// with the weights pre-packed at session creation when they are constant. A pointwise
// convolution (1x1..., stride 1, no padding) uses X[n, g] as the right operand directly;
// otherwise im2col runs over column chunks that stay in cache, each chunk one GEMM. Z enters
// through the GEMM's beta = 1, Relu through its epilogue, other activations in a pass over each
// unit's output right after its GEMM. Depthwise groups run a direct kernel.
// Types: float (packed GEMM), float16 / bfloat16 through float, double (plain loops).
namespace onyxrt::ops {

// The sizes of one call, per image and group.
struct ConvShape {
  int64_t batch = 0, group = 1, c = 0, c_g = 0, m = 0, m_g = 0, k_g = 0;
  int64_t in_size = 0, out_size = 0;
  kernels::ConvGeometry geometry;
  bool pointwise = false;
  bool depthwise = false;  // one input channel per group, few outputs each: direct kernel
};

class ConvCore : public OpKernel {
 public:
  // z_input: the index of the residual input Z (FusedConv: 3), or -1 when the op has none.
  ConvCore(const KernelInfo& info, ConvActivation activation, int z_input);
  void compute(KernelContext& ctx) const override;

 private:
  ConvShape check_shapes(const KernelContext& ctx, const Tensor& x, const Tensor& w, const Tensor* b) const;
  WindowPlan plan_for(const KernelContext& ctx, const Tensor& x, const Tensor& w, ConvShape& s) const;
  // packed_ or packed_t_ from a constant W (wf: W in float).
  void pack_direct_weights(const KernelInfo& info, const Tensor& w, const Tensor& wf);
  void run_f32(const ConvShape& s, const Tensor& x, const Tensor& w, const Tensor* b, const Tensor* z,
               bool use_packed, float* y, int threads) const;

  WindowAttributes window_;
  int64_t group_ = 1;
  ConvActivation activation_;
  int z_input_ = -1;
  std::vector<kernels::PackedMatrixA> packed_;  // per group, when W is a float / 16-bit constant
  std::vector<kernels::PackedMatrixB> packed_t_;  // or W^T per group, for the transposed direct kernel
  kernels::WinogradWeightsF32 winograd_;  // or W's Winograd points, for a 3x3 stride-1 convolution
  Shape packed_shape_;
  Tensor depthwise_weights_;  // float copy of a constant depthwise W (16-bit ones widened)
};

}  // namespace onyxrt::ops
