// Portable f32 GEMM microkernel: the reference every ISA variant is tested against. Plain loops
// over a small accumulator tile, written so the compiler can keep it in vector registers.
#include "kernels/gemm/microkernel.h"

namespace onyxrt::kernels {

void gemm_f32_4x16__generic(int64_t k, const float* a, const float* b, float* c, int64_t ldc, float alpha,
                            float beta) {
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
      for (int j = 0; j < NR; ++j) row[j] = alpha * acc[i][j] + beta * row[j];
    }
  }
}

void gemm_f32_1x16__generic(int64_t k, const float* a, int64_t a_stride, const float* b, float* c, float alpha,
                            float beta) {
  constexpr int NR = 16;
  float acc[NR] = {};
  for (int64_t p = 0; p < k; ++p) {
    const float ap = a[p * a_stride];
    for (int j = 0; j < NR; ++j) acc[j] += ap * b[p * NR + j];
  }
  for (int j = 0; j < NR; ++j) c[j] = beta == 0.0f ? alpha * acc[j] : alpha * acc[j] + beta * c[j];
}

}  // namespace onyxrt::kernels
