#pragma once

// The f32 GEMM microkernel written once over a vector vocabulary S (kernels/simd/f32_<isa>.h):
// MR rows x NV vectors of accumulators stay in registers for the whole k loop; each step loads
// NV vectors of the B panel and broadcasts MR values of the A panel. Included only from an ISA
// translation unit, which instantiates it under its own flags.
#include <algorithm>
#include <cstdint>
#include <utility>

#include "kernels/gemm/microkernel.h"

namespace onyxrt::kernels {
namespace {

// One k step of an R x NV-vector tile: NV vectors of the B panel, R broadcasts of A's column.
template <class S, int R, int NV>
inline void gemm_f32_tile_step(const float* a, const float* b, typename S::vf32 (&acc)[R][NV]) {
  using V = typename S::vf32;
  constexpr int L = S::kLanes, NR = NV * L;
  V bv[NV];
#pragma GCC unroll 8
  for (int j = 0; j < NV; ++j) bv[j] = S::load(b + j * L);
  // The B panel is streamed in order, from L2 or (its first pass) L3: fetch each of its cache
  // lines 16 steps ahead (one line per step fetched 8 ahead measured 1-3% slower on Zen 4).
#pragma GCC unroll 8
  for (int j = 0; j < NV; ++j)
    if ((j * L) % 16 == 0) S::prefetch(b + 16 * NR + j * L);
#pragma GCC unroll 32
  for (int i = 0; i < R; ++i) {
    V ai = S::broadcast(a + i);
#pragma GCC unroll 8
    for (int j = 0; j < NV; ++j) acc[i][j] = S::fmadd(ai, bv[j], acc[i][j]);
  }
}

// Stores alpha * acc + beta * C (beta == 0: C is not read).
template <class S, int R, int NV>
inline void gemm_f32_tile_store(const typename S::vf32 (&acc)[R][NV], float* c, int64_t ldc, float alpha,
                                float beta) {
  using V = typename S::vf32;
  constexpr int L = S::kLanes;
  const V va = S::set1(alpha);
  if (beta == 0.0f) {
#pragma GCC unroll 32
    for (int i = 0; i < R; ++i)
#pragma GCC unroll 8
      for (int j = 0; j < NV; ++j) S::store(c + i * ldc + j * L, S::mul(acc[i][j], va));
  } else {
    const V vb = S::set1(beta);
#pragma GCC unroll 32
    for (int i = 0; i < R; ++i)
#pragma GCC unroll 8
      for (int j = 0; j < NV; ++j) {
        float* cij = c + i * ldc + j * L;
        S::store(cij, S::fmadd(acc[i][j], va, S::mul(S::load(cij), vb)));
      }
  }
}

// C[R x NR] = alpha * A_rows * B_panel + beta * C, the R rows' k values at a + p * a_stride + i.
// Every element gets one FMA per k step into its own accumulator, in k order, whatever R is: so
// a row's result has the same bits in every tile height (batch 1 and batch 64 agree).
// `ahead`'s lines are fetched into L2 one every k_main / count steps (at most one a step), before
// the C prefetches of the last steps.
template <class S, int R, int NV, int64_t AStride>
inline void gemm_f32_tile_simd(int64_t k, const float* a, int64_t a_stride, const float* b, float* c, int64_t ldc,
                               float alpha, float beta, GemmAhead ahead = GemmAhead{}) {
  using V = typename S::vf32;
  constexpr int NR = NV * S::kLanes;
  if (AStride > 0) a_stride = AStride;  // the full tile: a compile-time stride
  V acc[R][NV];
#pragma GCC unroll 32
  for (int i = 0; i < R; ++i)
#pragma GCC unroll 8
    for (int j = 0; j < NV; ++j) acc[i][j] = S::zero();

  // C's rows lie ldc apart and are usually out of L1 (in L3 between K slices). Fetching them
  // ~768 FMAs before the end hides that latency; fetched at the start they would be evicted
  // again by the A and B panels streaming through L1 (measured: -6% against +5% at 1024^3).
  constexpr int64_t kLead = 768 / (R * NV) > 16 ? 768 / (R * NV) : 16;
  const int64_t k_main = k > kLead ? k - kLead : 0;
  int64_t p = 0;
  if (ahead.count > 0 && k_main > 0) {
    const int64_t every = k_main > ahead.count ? k_main / ahead.count : 1;
    const float* line = ahead.first;
    for (int64_t left = std::min(ahead.count, k_main / every); left > 0; --left, line += 16) {
      for (int64_t q = 0; q < every; ++q, ++p, a += a_stride, b += NR) gemm_f32_tile_step<S, R, NV>(a, b, acc);
      __builtin_prefetch(line, 0, 2);  // into L2 (locality 2: prefetcht1 on x86)
    }
  }
  for (; p < k_main; ++p, a += a_stride, b += NR) gemm_f32_tile_step<S, R, NV>(a, b, acc);
#pragma GCC unroll 32
  for (int i = 0; i < R; ++i) {
    S::prefetch(c + i * ldc);
    S::prefetch(c + i * ldc + NR - 1);
  }
  for (int64_t p = k_main; p < k; ++p, a += a_stride, b += NR) gemm_f32_tile_step<S, R, NV>(a, b, acc);
  gemm_f32_tile_store<S, R, NV>(acc, c, ldc, alpha, beta);
}

// R rows x P consecutive B panels (k * NR floats apart, C columns side by side) at once: the
// same per-element sums as P calls of the R-row tile, with P times the independent FMA chains
// and B streams. For the few-row panels (a batch-1 product), where one panel's 2 * NV chains
// leave the FMA latency and memory bandwidth unused.
template <class S, int R, int NV, int P>
inline void gemm_f32_wide_tile_simd(int64_t k, const float* a, int64_t a_stride, const float* b, float* c,
                                    int64_t ldc, float alpha, float beta) {
  using V = typename S::vf32;
  constexpr int L = S::kLanes, NR = NV * L;
  V acc[P][R][NV];
#pragma GCC unroll 8
  for (int q = 0; q < P; ++q)
#pragma GCC unroll 32
    for (int i = 0; i < R; ++i)
#pragma GCC unroll 8
      for (int j = 0; j < NV; ++j) acc[q][i][j] = S::zero();
  const int64_t panel = k * NR;
  for (int64_t p = 0; p < k; ++p, a += a_stride, b += NR) {
#pragma GCC unroll 8
    for (int q = 0; q < P; ++q) gemm_f32_tile_step<S, R, NV>(a, b + q * panel, acc[q]);
  }
#pragma GCC unroll 8
  for (int q = 0; q < P; ++q) gemm_f32_tile_store<S, R, NV>(acc[q], c + q * NR, ldc, alpha, beta);
}

// The MR x NR microkernel (GemmF32UkernelFn).
template <class S, int MR, int NV>
inline void gemm_f32_ukernel_simd(int64_t k, const float* a, const float* b, float* c, int64_t ldc, float alpha,
                                  float beta, GemmAhead ahead) {
  gemm_f32_tile_simd<S, MR, NV, MR>(k, a, MR, b, c, ldc, alpha, beta, ahead);
}

// Panels [q, panels) P at a time while P fit, then the rest at P / 2, P / 4, ..., one at last.
template <class S, int R, int NV, int P>
inline void gemm_f32_panels_by(int64_t k, int q, int panels, const float* a, int64_t a_stride, const float* b,
                               float* c, int64_t ldc, float alpha, float beta) {
  constexpr int NR = NV * S::kLanes;
  if constexpr (P > 1) {
    for (; q + P <= panels; q += P)
      gemm_f32_wide_tile_simd<S, R, NV, P>(k, a, a_stride, b + q * k * NR, c + q * NR, ldc, alpha, beta);
    gemm_f32_panels_by<S, R, NV, P / 2>(k, q, panels, a, a_stride, b, c, ldc, alpha, beta);
  } else {
    for (; q < panels; ++q)
      gemm_f32_tile_simd<S, R, NV, 0>(k, a, a_stride, b + q * k * NR, c + q * NR, ldc, alpha, beta);
  }
}

// `rows` rows x `panels` panels: tiles widened across panels while the rows leave registers and
// FMA chains unused, to about half the vector registers in accumulators (a batch-1 product
// streams its B panels from L3: more panels at once, more loads in flight; on AVX-512 16
// accumulators measured 5-8% faster than 8 on an LSTM's steps, 24 spill).
template <class S, int R, int NV>
inline void gemm_f32_rows_panels(int64_t k, int panels, const float* a, int64_t a_stride, const float* b, float* c,
                                 int64_t ldc, float alpha, float beta) {
  constexpr int kAccumulators = S::kRegisters / 2;
  constexpr int P = R * NV >= kAccumulators ? 1 : kAccumulators / (R * NV);
  constexpr int P2 = P >= 8 ? 8 : P >= 4 ? 4 : P >= 2 ? 2 : 1;  // a power of two, for the cascade
  gemm_f32_panels_by<S, R, NV, P2>(k, 0, panels, a, a_stride, b, c, ldc, alpha, beta);
}

// The companion for panels with fewer live rows (GemmF32RowsFn), 1 <= rows <= MR: a table of
// the MR heights.
template <class S, int NV, int... R>
inline void gemm_f32_rows_pick(std::integer_sequence<int, R...>, int64_t k, int rows, int panels, const float* a,
                               int64_t a_stride, const float* b, float* c, int64_t ldc, float alpha, float beta) {
  using Fn = void (*)(int64_t, int, const float*, int64_t, const float*, float*, int64_t, float, float);
  static constexpr Fn kByRows[] = {&gemm_f32_rows_panels<S, R + 1, NV>...};
  kByRows[rows - 1](k, panels, a, a_stride, b, c, ldc, alpha, beta);
}

template <class S, int MR, int NV>
inline void gemm_f32_rows_ukernel_simd(int64_t k, int rows, int panels, const float* a, int64_t a_stride,
                                       const float* b, float* c, int64_t ldc, float alpha, float beta) {
  gemm_f32_rows_pick<S, NV>(std::make_integer_sequence<int, MR>{}, k, rows, panels, a, a_stride, b, c, ldc, alpha,
                            beta);
}

}  // namespace
}  // namespace onyxrt::kernels
