#include "ops/ml/svm_kernels.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "base/parallel.h"
#include "kernels/gemm.h"

namespace onyxrt::ops::ml {

SvmKernel svm_kernel_attributes(const KernelInfo& info) {
  SvmKernel k;
  const std::string type = info.attr_string("kernel_type", "LINEAR");
  if (type == "LINEAR") {
    k.type = SvmKernelType::Linear;
  } else if (type == "POLY") {
    k.type = SvmKernelType::Poly;
  } else if (type == "RBF") {
    k.type = SvmKernelType::Rbf;
  } else if (type == "SIGMOID") {
    k.type = SvmKernelType::Sigmoid;
  } else {
    info.fail(ErrorCode::InvalidGraph, "attribute 'kernel_type' must be LINEAR, POLY, RBF or SIGMOID, got '", type,
              "'");
  }
  const std::vector<float> params = info.attr_floats("kernel_params");
  if (!params.empty()) {
    if (params.size() != 3)
      info.fail(ErrorCode::InvalidGraph, "attribute 'kernel_params' must be [gamma, coef0, degree], got ",
                params.size(), " values");
    k.gamma = params[0], k.coef0 = params[1], k.degree = params[2];
  }
  return k;
}

void svm_kernel_matrix(const SvmKernel& kernel, const float* x, int64_t rows, int64_t features, const float* vectors,
                       int64_t count, float* out, int threads) {
  if (rows == 0 || count == 0) return;
  const int64_t total = rows * count;
  if (kernel.type == SvmKernelType::Rbf) {
    parallel_for(rows, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, count * features)), threads,
                 [&](int64_t begin, int64_t end) {
                   for (int64_t n = begin; n < end; ++n) {
                     const float* xr = x + n * features;
                     for (int64_t v = 0; v < count; ++v) {
                       const float* sv = vectors + v * features;
                       float sum = 0.f;
                       for (int64_t f = 0; f < features; ++f) {
                         const float d = xr[f] - sv[f];
                         sum += d * d;
                       }
                       out[n * count + v] = std::exp(-kernel.gamma * sum);
                     }
                   }
                 });
    return;
  }
  const bool linear = kernel.type == SvmKernelType::Linear;
  const float alpha = linear ? 1.f : kernel.gamma;
  if (features == 0) {
    std::fill(out, out + total, 0.f);  // empty dot products
  } else {
    kernels::gemm_f32(false, true, rows, count, features, alpha, x, features, vectors, features, 0.f, out, count,
                      threads);
  }
  if (linear) return;
  parallel_for(total, 16384, threads, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const float s = out[i] + kernel.coef0;
      if (kernel.type == SvmKernelType::Sigmoid) {
        out[i] = std::tanh(s);
      } else if (kernel.degree == 2.f) {
        out[i] = s * s;
      } else if (kernel.degree == 3.f) {
        out[i] = s * s * s;
      } else {
        out[i] = std::pow(s, kernel.degree);
      }
    }
  });
}

}  // namespace onyxrt::ops::ml
