#pragma once

#include <cstdint>

#include "ops/kernel.h"

// The kernel functions SVMClassifier and SVMRegressor share (kernel_type, kernel_params =
// [gamma, coef0, degree]):
//   LINEAR  x . v          POLY     (gamma x . v + coef0)^degree
//   RBF     exp(-gamma |x - v|^2)   SIGMOID  tanh(gamma x . v + coef0)
// evaluated in float, dot products on the float GEMM, as onnxruntime does.
namespace onyxrt::ops::ml {

enum class SvmKernelType { Linear, Poly, Rbf, Sigmoid };

struct SvmKernel {
  SvmKernelType type = SvmKernelType::Linear;
  float gamma = 0.f, coef0 = 0.f, degree = 0.f;
};

// Reads kernel_type (default LINEAR) and kernel_params; fails naming the node on an unknown type
// or a kernel_params that is not [gamma, coef0, degree].
SvmKernel svm_kernel_attributes(const KernelInfo& info);

// out[n, v] = K(x[n], vectors[v]) for x [rows, features] and vectors [count, features].
void svm_kernel_matrix(const SvmKernel& kernel, const float* x, int64_t rows, int64_t features, const float* vectors,
                       int64_t count, float* out, int threads);

}  // namespace onyxrt::ops::ml
