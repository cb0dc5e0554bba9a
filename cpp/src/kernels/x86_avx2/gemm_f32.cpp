// AVX2 + FMA f32 GEMM microkernel: 6 rows x 2 ymm (16 columns) = 12 accumulators, 2 B vectors
// and a broadcast: 15 of the 16 ymm registers.
#include "kernels/gemm/microkernel.h"
#include "kernels/gemm/ukernel_simd.h"
#include "kernels/simd/f32_avx2.h"

namespace onyxrt::kernels {

void gemm_f32_6x16__avx2(int64_t k, const float* a, const float* b, float* c, int64_t ldc, float alpha, float beta,
                         GemmAhead ahead) {
  gemm_f32_ukernel_simd<simd::F32Avx2, 6, 2>(k, a, b, c, ldc, alpha, beta, ahead);
}

void gemm_f32_mx16__avx2(int64_t k, int rows, int panels, const float* a, int64_t a_stride, const float* b,
                         float* c, int64_t ldc, float alpha, float beta) {
  gemm_f32_rows_ukernel_simd<simd::F32Avx2, 6, 2>(k, rows, panels, a, a_stride, b, c, ldc, alpha, beta);
}

}  // namespace onyxrt::kernels
