#pragma once

#include <cstdint>
#include <memory>
#include <utility>

// Row-major GEMM:  C = alpha * op(A) * op(B) + beta * C  [+ bias] [-> ReLU]
//   op(A) is M x K (A is M x K, or K x M when trans_a), op(B) is K x N (B is K x N, or N x K when
//   trans_b); lda / ldb / ldc are row strides in elements. beta == 0 never reads C (it may hold NaN).
// The f32 path is BLIS-style: cache blocks of op(A) and op(B) are packed into microkernel panels
// and a dispatched MR x NR microkernel does the arithmetic (kernels/gemm/gemm_f32.inc lists them).
// A constant operand can be packed once (PackedMatrixA / PackedMatrixB) and reused across calls.
// Calls run on at most `threads` threads; small problems run on the calling thread.
namespace onyxrt::kernels {

// Applied to each element of C after alpha/beta, in this order: add bias, then clamp at 0.
struct GemmEpilogue {
  enum class Bias : uint8_t { None, PerColumn, PerRow };
  Bias bias_kind = Bias::None;
  const float* bias = nullptr;  // N values (PerColumn: bias[j]) or M values (PerRow: bias[i])
  bool relu = false;
};

// op(B) packed for the microkernel selected at start-up. Immutable once built, so one packed
// matrix serves concurrent calls. Default-constructed means empty.
class PackedMatrixB {
 public:
  PackedMatrixB() = default;
  int64_t k() const { return k_; }
  int64_t n() const { return n_; }
  bool empty() const { return data_ == nullptr; }

 private:
  friend struct PackedAccess;
  int64_t k_ = 0, n_ = 0;
  int nr_ = 0, kc_ = 0;  // the panel width and K block it was packed for (checked at use)
  std::shared_ptr<void> storage_;
  const float* data_ = nullptr;
};

// op(A) packed likewise (a constant left operand: convolution weights).
class PackedMatrixA {
 public:
  PackedMatrixA() = default;
  int64_t m() const { return m_; }
  int64_t k() const { return k_; }
  bool empty() const { return data_ == nullptr; }

 private:
  friend struct PackedAccess;
  int64_t m_ = 0, k_ = 0;
  int mr_ = 0, kc_ = 0;
  std::shared_ptr<void> storage_;
  const float* data_ = nullptr;
};

void gemm_f32(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
              const float* b, int64_t ldb, float beta, float* c, int64_t ldc, int threads,
              const GemmEpilogue& epilogue = {});

// Packs op(B) (K x N). Throws Error(RuntimeException) when the packed size cannot be allocated.
PackedMatrixB pack_b_f32(bool trans_b, int64_t k, int64_t n, const float* b, int64_t ldb);
PackedMatrixA pack_a_f32(bool trans_a, int64_t m, int64_t k, const float* a, int64_t lda);

// C = alpha * op(A) * B_packed + beta * C  [+ epilogue]; M from the argument, K and N from B.
void gemm_f32_packed(bool trans_a, int64_t m, float alpha, const float* a, int64_t lda, const PackedMatrixB& b,
                     float beta, float* c, int64_t ldc, int threads, const GemmEpilogue& epilogue = {});
// The columns of share `part` of `parts` of that product (C's columns cut into near-equal runs
// of whole microkernel panels; a share may be empty), on the calling thread; returns the share's
// columns [first, second). Threads that split one product by columns each read only their share
// of B, which a split by rows reads whole on every thread: what counts when B is larger than a
// core's cache and C has few rows.
std::pair<int64_t, int64_t> gemm_f32_packed_share(bool trans_a, int64_t m, float alpha, const float* a, int64_t lda,
                                                  const PackedMatrixB& b, float beta, float* c, int64_t ldc, int part,
                                                  int parts, const GemmEpilogue& epilogue = {});
// C = alpha * A_packed * op(B) + beta * C  [+ epilogue]; M and K from A, N from the argument.
void gemm_f32_packed(const PackedMatrixA& a, bool trans_b, int64_t n, float alpha, const float* b, int64_t ldb,
                     float beta, float* c, int64_t ldc, int threads, const GemmEpilogue& epilogue = {});

// Double precision: plain cache-friendly loops (no packing, no ISA variants), rows in parallel.
void gemm_f64(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha, const double* a,
              int64_t lda, const double* b, int64_t ldb, double beta, double* c, int64_t ldc, int threads);

// The microkernel the dispatcher picked ("gemm_f32_12x32__avx512"), for logs and bug reports.
const char* gemm_f32_kernel_name();

}  // namespace onyxrt::kernels
