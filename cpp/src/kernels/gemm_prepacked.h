#pragma once

#include <cstdint>
#include <vector>

#include "kernels/gemm.h"

// C = A * B with both operands packed beforehand, for a left operand that meets several packed
// right operands in turn: a recurrent step multiplies Ht-1 by each unit block of R (ops/recurrent),
// so Ht-1 is packed once per step instead of once per product. The products use the dispatched
// microkernel of kernels/gemm.h.
namespace onyxrt::kernels {

// A left operand packed again and again into the same storage (one step after another).
class RepackedMatrixA {
 public:
  // Packs A (m x k, row-major, rows lda apart) for gemm_f32_prepacked, into storage that holds
  // until the next pack(); it grows when too small and is kept otherwise, so packing every step
  // allocates only the first time.
  // - MR rows and more: gemm's layout (pack_a_f32). While m and k stay the same, only the live
  //   rows are written: the zero padding of a last panel with fewer rows is written once.
  // - Fewer rows (a batch below the microkernel's height): k-major, the m values of each step
  //   together, which the microkernel's short-row form reads as they are. Padded to MR, a batch-1
  //   step's 1 KB operand (hidden 256) spans 12 KB under AVX-512, and at 2 threads the other core
  //   reads every line of it from the packing core's cache.
  void pack(int64_t m, int64_t k, const float* a, int64_t lda);

  int64_t m() const { return m_; }
  int64_t k() const { return k_; }
  bool short_rows() const { return short_rows_; }
  const PackedMatrixA& packed() const { return packed_; }  // MR rows and more
  const float* steps() const { return storage_.data(); }   // fewer rows: value (i, p) at p * m + i

 private:
  std::vector<float> storage_;
  int64_t m_ = -1, k_ = -1;
  bool short_rows_ = false;
  PackedMatrixA packed_;
};

// C (a.m() x b.n(), rows ldc apart) = A * B on the calling thread; beta 0 (C is not read). The
// bits are gemm_f32's on the same operands. Fails when the operands' K differ or B was packed for
// another microkernel.
void gemm_f32_prepacked(const RepackedMatrixA& a, const PackedMatrixB& b, float* c, int64_t ldc);

}  // namespace onyxrt::kernels
