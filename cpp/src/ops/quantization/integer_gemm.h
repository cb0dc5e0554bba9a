#pragma once

#include <cstdint>

// The exact integer matrix product under MatMulInteger, ConvInteger and the QLinear operators.
// Operands are 8-bit integers minus their zero points: at most 255 in magnitude, so they are
// widened to int16 and packed with K innermost for both sides, where a widened int16 dot product
// vectorizes into multiply-add-pairs (pmaddwd) on any x86-64. Sums accumulate in 32 bits with
// wrap-around (the specs allow the accumulation, never the products, to overflow 32 bits).
namespace onyxrt::ops {

// dst (rows x k, rows contiguous) = src[r, kk] - zero_point[r * zero_stride], src's rows `ld`
// apart. zero_point may be null (0).
template <class T>
void pack_rows_s16(const T* src, int64_t rows, int64_t k, int64_t ld, const int32_t* zero_point, int64_t zero_stride,
                   int16_t* dst);

// The transposed packing: src is k x cols (rows `ld` apart); dst (cols x k, rows contiguous) =
// src[kk, c] - zero_point[c * zero_stride]. T may be float holding exact small integers (the
// im2col output).
template <class T>
void pack_columns_s16(const T* src, int64_t k, int64_t cols, int64_t ld, const int32_t* zero_point,
                      int64_t zero_stride, int16_t* dst);

// c (m x n, rows ldc apart) = a (m x k) * bt (n x k)^T, both packed as above. Splits the output
// into tiles run on up to `threads` threads.
void gemm_s16_nt(int64_t m, int64_t n, int64_t k, const int16_t* a, const int16_t* bt, int32_t* c, int64_t ldc,
                 int threads);

}  // namespace onyxrt::ops
