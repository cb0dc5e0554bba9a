#pragma once

#include <cstdint>

#include "base/cpu_features.h"

namespace onyxrt::kernels {

// Cache lines a microkernel call fetches into L2 on the driver's behalf, one every few k steps:
// a share of the next B panel, which the first row tile over it would otherwise wait for from L3
// (gemm_f32_driver.cpp). `count` lines, 16 floats apart, from `first`; they change no result.
// Spread evenly over the k steps, where the direct convolution's WeightsAhead fetches a round's
// lines every step until done: on BERT's 128 x 768 by 768 x 3072, that front-loaded form ran
// 9% slower here (ratio to onnxruntime 0.86 -> 0.93).
struct GemmAhead {
  const float* first = nullptr;
  int64_t count = 0;
};

// An MR x NR microkernel: C[MR x NR] = alpha * A_panel * B_panel + beta * C over k steps.
//   a: packed A panel, k groups of MR values (column p of the MR rows, rows past M zero-filled)
//   b: packed B panel, k groups of NR values (row p of the NR columns, columns past N zero-filled)
//   c: the full tile (row stride ldc); beta == 0 stores without reading C.
//   ahead: lines to fetch into L2 meanwhile (GemmAhead{}: none).
// k >= 1. Partial tiles are the driver's business (it runs the kernel into a scratch tile).
using GemmF32UkernelFn = void (*)(int64_t k, const float* a, const float* b, float* c, int64_t ldc, float alpha,
                                  float beta, GemmAhead ahead);
// Its companion for row panels with fewer live rows (the last panel of an M that is not a
// multiple of MR, a batch-1 fully connected layer): C[rows x panels * NR] = alpha * A_rows *
// B_panels + beta * C for 1 <= rows <= MR and panels >= 1 consecutive B panels (k * NR floats
// apart), row i's k values at a + p * a_stride + i (rows of a packed MR panel: a_stride = MR), C
// rows ldc apart. It must sum in the main kernel's order, so results are the same bits whichever
// kernel ran (a row's result does not depend on its batch).
using GemmF32RowsFn = void (*)(int64_t k, int rows, int panels, const float* a, int64_t a_stride, const float* b,
                               float* c, int64_t ldc, float alpha, float beta);

struct GemmF32Ukernel {
  const char* name;
  IsaTier tier;
  int mr, nr;
  GemmF32UkernelFn fn;
  const char* rows_name;
  GemmF32RowsFn rows_fn;
};

#define GEMM_F32_UKERNEL(name, tier, mr, nr, rows_name)                                                 \
  void name(int64_t k, const float* a, const float* b, float* c, int64_t ldc, float alpha, float beta, \
            GemmAhead ahead);                                                                          \
  void rows_name(int64_t k, int rows, int panels, const float* a, int64_t a_stride, const float* b, float* c, \
                 int64_t ldc, float alpha, float beta);
#include "kernels/gemm/gemm_f32.inc"
#undef GEMM_F32_UKERNEL

// Every variant compiled into this binary, in gemm_f32.inc order (for tests and benchmarks; a
// variant may only be called when cpu_supports(tier)).
inline constexpr GemmF32Ukernel kGemmF32Ukernels[] = {
#define GEMM_F32_UKERNEL(name, tier, mr, nr, rows_name) {#name, IsaTier::tier, mr, nr, name, #rows_name, rows_name},
#include "kernels/gemm/gemm_f32.inc"
#undef GEMM_F32_UKERNEL
};
inline constexpr int kGemmF32UkernelCount = sizeof(kGemmF32Ukernels) / sizeof(kGemmF32Ukernels[0]);
static_assert(kGemmF32Ukernels[0].tier == IsaTier::Generic, "gemm_f32.inc must list the generic variant first");

// The packing routines and the driver's scratch tile assume tiles no larger than this.
inline constexpr int kGemmMaxMr = 32, kGemmMaxNr = 64;
constexpr bool gemm_f32_tiles_fit() {
  for (const GemmF32Ukernel& uk : kGemmF32Ukernels)
    if (uk.mr < 1 || uk.mr > kGemmMaxMr || uk.nr < 1 || uk.nr > kGemmMaxNr) return false;
  return true;
}
static_assert(gemm_f32_tiles_fit(), "a gemm_f32.inc tile exceeds kGemmMaxMr x kGemmMaxNr");

}  // namespace onyxrt::kernels
