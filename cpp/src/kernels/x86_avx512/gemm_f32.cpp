// AVX-512 f32 GEMM microkernel: 12 rows x 2 zmm (32 columns) = 24 accumulators, 2 B vectors,
// A values broadcast straight from memory into the FMAs ({1to16}): 26 of the 32 zmm registers.
#include "kernels/gemm/microkernel.h"
#include "kernels/gemm/ukernel_simd.h"
#include "kernels/simd/f32_avx512.h"

namespace onyxrt::kernels {

void gemm_f32_12x32__avx512(int64_t k, const float* a, const float* b, float* c, int64_t ldc, float alpha,
                            float beta, GemmAhead ahead) {
  gemm_f32_ukernel_simd<simd::F32Avx512, 12, 2>(k, a, b, c, ldc, alpha, beta, ahead);
}

void gemm_f32_mx32__avx512(int64_t k, int rows, int panels, const float* a, int64_t a_stride, const float* b,
                           float* c, int64_t ldc, float alpha, float beta) {
  gemm_f32_rows_ukernel_simd<simd::F32Avx512, 12, 2>(k, rows, panels, a, a_stride, b, c, ldc, alpha, beta);
}

}  // namespace onyxrt::kernels
