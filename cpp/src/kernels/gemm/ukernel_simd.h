#pragma once

// The f32 GEMM microkernel written once over a vector vocabulary S (kernels/simd/f32_<isa>.h):
// MR rows x NV vectors of accumulators stay in registers for the whole k loop; each step loads
// NV vectors of the B panel and broadcasts MR values of the A panel. Included only from an ISA
// translation unit, which instantiates it under its own flags.
#include <cstdint>

namespace onyxrt::kernels {
namespace {

template <class S, int MR, int NV>
inline void gemm_f32_ukernel_simd(int64_t k, const float* a, const float* b, float* c, int64_t ldc, float alpha,
                                  float beta) {
  using V = typename S::vf32;
  constexpr int L = S::kLanes, NR = NV * L;
  V acc[MR][NV];
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
    for (int j = 0; j < NV; ++j) acc[i][j] = S::zero();

  for (int64_t p = 0; p < k; ++p) {
    V bv[NV];
#pragma GCC unroll 8
    for (int j = 0; j < NV; ++j) bv[j] = S::load(b + j * L);
    // The B panel is read once per step in order; fetch a few steps ahead.
    S::prefetch(b + 8 * NR);
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i) {
      V ai = S::broadcast(a + i);
#pragma GCC unroll 8
      for (int j = 0; j < NV; ++j) acc[i][j] = S::fmadd(ai, bv[j], acc[i][j]);
    }
    a += MR;
    b += NR;
  }

  const V va = S::set1(alpha);
  if (beta == 0.0f) {
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
      for (int j = 0; j < NV; ++j) S::store(c + i * ldc + j * L, S::mul(acc[i][j], va));
  } else {
    const V vb = S::set1(beta);
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
      for (int j = 0; j < NV; ++j) {
        float* cij = c + i * ldc + j * L;
        S::store(cij, S::fmadd(acc[i][j], va, S::mul(S::load(cij), vb)));
      }
  }
}

// The one-row companion. It accumulates in exactly the main kernel's order (one FMA per k step
// into one accumulator per vector), so a row's result does not depend on how many rows its
// panel has live: the same input row gives the same bits at batch 1 and batch 64.
template <class S, int NV>
inline void gemm_f32_row_ukernel_simd(int64_t k, const float* a, int64_t a_stride, const float* b, float* c,
                                      float alpha, float beta) {
  using V = typename S::vf32;
  constexpr int L = S::kLanes, NR = NV * L;
  V acc[NV];
#pragma GCC unroll 8
  for (int j = 0; j < NV; ++j) acc[j] = S::zero();
  for (int64_t p = 0; p < k; ++p) {
    const V ai = S::broadcast(a + p * a_stride);
#pragma GCC unroll 8
    for (int j = 0; j < NV; ++j) acc[j] = S::fmadd(ai, S::load(b + p * NR + j * L), acc[j]);
  }
  const V va = S::set1(alpha);
  if (beta == 0.0f) {
#pragma GCC unroll 8
    for (int j = 0; j < NV; ++j) S::store(c + j * L, S::mul(acc[j], va));
  } else {
    const V vb = S::set1(beta);
#pragma GCC unroll 8
    for (int j = 0; j < NV; ++j) S::store(c + j * L, S::fmadd(acc[j], va, S::mul(S::load(c + j * L), vb)));
  }
}

}  // namespace
}  // namespace onyxrt::kernels
