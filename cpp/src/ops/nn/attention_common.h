#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "base/float16.h"
#include "kernels/gemm.h"
#include "ops/kernel.h"

// What Attention and FlexAttention share: the (batch, head, row, col) view of a 3-D or 4-D
// Q / K / V tensor, the compute type, the 16-bit rounding that the reference's per-operation
// numpy casts imply, a row softmax in a chosen precision, and single-threaded GEMMs on either
// compute type (the operators parallelize over heads and row blocks themselves).
namespace onyxrt::ops::attention {

// Where element (b, h, r, c) of a (batch, heads, rows, cols) view lives; cols are contiguous.
struct HeadLayout {
  int64_t batch = 0, heads = 0, rows = 0, cols = 0;
  int64_t batch_stride = 0, head_stride = 0, row_stride = 0;
  int64_t offset(int64_t b, int64_t h, int64_t r) const { return b * batch_stride + h * head_stride + r * row_stride; }
};

// A 4-D (batch, heads, rows, cols) tensor as stored.
HeadLayout layout_4d(const Shape& s);
// A 3-D (batch, rows, heads * cols) tensor seen as (batch, heads, rows, cols) without a copy.
HeadLayout layout_3d(const Shape& s, int64_t heads);

// float for everything but double: 16-bit floats compute through float.
inline DataType compute_type_for(DataType t) {
  return t == DataType::Double ? DataType::Double : DataType::Float;
}

// The precision a 16-bit element type rounds every intermediate to (numpy computes float16 and
// bfloat16 operations in float and rounds each result back).
enum class Rounding : uint8_t { None, Half, BFloat16 };

inline Rounding rounding_of(DataType t) {
  return t == DataType::Float16 ? Rounding::Half : t == DataType::BFloat16 ? Rounding::BFloat16 : Rounding::None;
}

inline float round_to(Rounding r, float v) {
  if (r == Rounding::Half) return half_to_float(float_to_half(v));
  if (r == Rounding::BFloat16) return bfloat16_to_float(float_to_bfloat16(v));
  return v;
}
// Double never carries 16-bit values.
inline double round_to(Rounding, double v) {
  return v;
}

// Rounds n floats to `r` in place. The common case (normal float16 range, finite bfloat16) is a
// branch-free bit operation the compiler vectorizes; the rest goes through the exact conversion.
void round_row(Rounding r, float* x, int64_t n);
inline void round_row(Rounding, double*, int64_t) {}

// Softmax of x[lo, hi) in `precision` (Float, Double, Float16 or BFloat16: 16-bit precisions are
// emulated with float arithmetic rounded after each step), written back into x; x[0, lo) and
// x[hi, n) become 0. A range with no finite maximum (every entry -inf) becomes all zeros.
void softmax_row(float* x, int64_t n, int64_t lo, int64_t hi, DataType precision);
void softmax_row(double* x, int64_t n, int64_t lo, int64_t hi, DataType precision);

// C (m x n, row stride ldc) = alpha * A (m x k) * B^T (B is n x k), on the calling thread.
inline void gemm_abt(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda, const float* b,
                     int64_t ldb, float* c, int64_t ldc) {
  kernels::gemm_f32(false, true, m, n, k, alpha, a, lda, b, ldb, 0.0f, c, ldc, 1);
}
inline void gemm_abt(int64_t m, int64_t n, int64_t k, double alpha, const double* a, int64_t lda, const double* b,
                     int64_t ldb, double* c, int64_t ldc) {
  kernels::gemm_f64(false, true, m, n, k, alpha, a, lda, b, ldb, 0.0, c, ldc, 1);
}
// C (m x n, row stride ldc) = A (m x k) * B (k x n), on the calling thread.
inline void gemm_ab(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
                    int64_t ldc) {
  kernels::gemm_f32(false, false, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc, 1);
}
inline void gemm_ab(int64_t m, int64_t n, int64_t k, const double* a, int64_t lda, const double* b, int64_t ldb,
                    double* c, int64_t ldc) {
  kernels::gemm_f64(false, false, m, n, k, 1.0, a, lda, b, ldb, 0.0, c, ldc, 1);
}

// t's values in `compute` (Float or Double): t itself when it already has that type, else a
// converted copy of the same shape (16-bit floats widen exactly).
Tensor to_compute_type(const Tensor& t, DataType compute);
// A 16-bit float tensor widened to float with every value multiplied by `factor` and rounded back
// to t's precision: the reference's Q * sqrt(scale) in float16 / bfloat16.
Tensor widen_scaled(const Tensor& t, float factor);
// Writes n compute-type values into out (Float, Double, Float16 or BFloat16) from element `at` on.
void store_values(const float* src, int64_t n, Tensor& out, int64_t at);
void store_values(const double* src, int64_t n, Tensor& out, int64_t at);

// The softmax_precision attribute as an element type; `fallback` when absent. Fails naming the
// node for a value other than 1 (float), 10 (float16), 11 (double) or 16 (bfloat16).
DataType parse_softmax_precision(const KernelInfo& info, DataType fallback);

// Row-block bookkeeping for scratch: at most this many score values per task.
inline constexpr int64_t kScoreBudget = int64_t{1} << 20;

template <class C>
constexpr C neg_inf() {
  return -std::numeric_limits<C>::infinity();
}

}  // namespace onyxrt::ops::attention
