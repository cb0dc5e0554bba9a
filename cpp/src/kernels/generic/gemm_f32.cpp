// Portable f32 GEMM microkernel: the reference every ISA variant is tested against. Plain loops
// over a small accumulator tile, written so the compiler can keep it in vector registers.
#include <cmath>

#include "kernels/gemm/microkernel.h"

namespace onyxrt::kernels {
namespace {

// alpha * acc + beta * c with one rounding of the sum, as the SIMD kernels' fmadd(acc, alpha,
// beta * c) computes it. Left to the compiler, a target that contracts (Arm) fused the two
// kernels' expressions differently, so a row's bits depended on which kernel ran it.
inline float scaled_sum(float acc, float alpha, float beta, float c) { return std::fma(alpha, acc, beta * c); }

}  // namespace

// The reference fetches nothing ahead: `ahead` changes no result.
void gemm_f32_4x16__generic(int64_t k, const float* a, const float* b, float* c, int64_t ldc, float alpha,
                            float beta, GemmAhead /*ahead*/) {
  constexpr int MR = 4, NR = 16;
  float acc[MR][NR] = {};
  for (int64_t p = 0; p < k; ++p) {
    float bp[NR];  // a local copy tells the compiler the row does not alias the accumulators
    for (int j = 0; j < NR; ++j) bp[j] = b[j];
    for (int i = 0; i < MR; ++i) {
      const float ai = a[i];
      for (int j = 0; j < NR; ++j) acc[i][j] += ai * bp[j];
    }
    a += MR;
    b += NR;
  }
  for (int i = 0; i < MR; ++i) {
    float* row = c + i * ldc;
    if (beta == 0.0f) {
      for (int j = 0; j < NR; ++j) row[j] = alpha * acc[i][j];
    } else {
      for (int j = 0; j < NR; ++j) row[j] = scaled_sum(acc[i][j], alpha, beta, row[j]);
    }
  }
}

void gemm_f32_mx16__generic(int64_t k, int rows, int panels, const float* a, int64_t a_stride, const float* b,
                            float* c, int64_t ldc, float alpha, float beta) {
  constexpr int NR = 16;
  for (int q = 0; q < panels; ++q) {
    const float* bq = b + q * k * NR;
    for (int i = 0; i < rows; ++i) {  // row by row, each in the main kernel's order
      float acc[NR] = {};
      for (int64_t p = 0; p < k; ++p) {
        const float ap = a[p * a_stride + i];
        for (int j = 0; j < NR; ++j) acc[j] += ap * bq[p * NR + j];
      }
      float* row = c + i * ldc + q * NR;
      for (int j = 0; j < NR; ++j) row[j] = beta == 0.0f ? alpha * acc[j] : scaled_sum(acc[j], alpha, beta, row[j]);
    }
  }
}

}  // namespace onyxrt::kernels
