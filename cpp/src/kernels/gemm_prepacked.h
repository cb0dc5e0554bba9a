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
  // Packs A (m x k, row-major, rows lda apart) as gemm packs a left operand and returns it; the
  // result views this object's storage and holds until the next pack(). The storage grows when
  // too small and is kept otherwise, so packing every step allocates only the first time. While
  // m and k stay the same, only the live rows are written: the zero padding of a last panel with
  // fewer than MR rows (11 of every 12 values at batch 1 under AVX-512) is written once.
  const PackedMatrixA& pack(int64_t m, int64_t k, const float* a, int64_t lda);

 private:
  std::vector<float> storage_;
  int64_t m_ = -1, k_ = -1;
  PackedMatrixA packed_;
};

// C (a.m() x b.n(), rows ldc apart) = A * B on the calling thread; beta 0 (C is not read). Fails
// when the operands' K differ or were packed for another microkernel.
void gemm_f32_prepacked(const PackedMatrixA& a, const PackedMatrixB& b, float* c, int64_t ldc);

}  // namespace onyxrt::kernels
