#include "ops/quantization/integer_gemm.h"

#include <algorithm>

#include "base/parallel.h"

namespace onyxrt::ops {
namespace {

// An R x C tile of dot products over k. The unsigned sums wrap instead of overflowing; the
// products of two int16 operands of magnitude <= 255 are exact in int32. R x C = 4 x 2 keeps
// eight accumulators and six operand vectors within the sixteen SSE registers.
template <int R, int C>
void dot_tile(const int16_t* __restrict a, const int16_t* __restrict bt, int64_t k, int32_t* c, int64_t ldc) {
  uint32_t s[R][C] = {};
  for (int64_t p = 0; p < k; ++p)
    for (int r = 0; r < R; ++r)
      for (int j = 0; j < C; ++j) s[r][j] += static_cast<uint32_t>(int32_t{a[r * k + p]} * int32_t{bt[j * k + p]});
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < C; ++j) c[r * ldc + j] = static_cast<int32_t>(s[r][j]);
}

constexpr int kTileRows = 4, kTileCols = 2;

template <int R>
void row_strip(const int16_t* a, const int16_t* bt, int64_t k, int64_t j0, int64_t j1, int32_t* c, int64_t ldc) {
  int64_t j = j0;
  for (; j + kTileCols <= j1; j += kTileCols) dot_tile<R, kTileCols>(a, bt + j * k, k, c + j, ldc);
  for (; j < j1; ++j) dot_tile<R, 1>(a, bt + j * k, k, c + j, ldc);
}

// Rows [i0, i1) x columns [j0, j1): each group of four A rows stays in L1 while the block's
// columns of B (sized for L2) stream past it.
void gemm_block(int64_t i0, int64_t i1, int64_t j0, int64_t j1, int64_t k, const int16_t* a, const int16_t* bt,
                int32_t* c, int64_t ldc) {
  int64_t i = i0;
  for (; i + kTileRows <= i1; i += kTileRows) row_strip<kTileRows>(a + i * k, bt, k, j0, j1, c + i * ldc, ldc);
  switch (i1 - i) {
    case 3: row_strip<3>(a + i * k, bt, k, j0, j1, c + i * ldc, ldc); break;
    case 2: row_strip<2>(a + i * k, bt, k, j0, j1, c + i * ldc, ldc); break;
    case 1: row_strip<1>(a + i * k, bt, k, j0, j1, c + i * ldc, ldc); break;
    default: break;
  }
}

}  // namespace

template <class T>
void pack_rows_s16(const T* src, int64_t rows, int64_t k, int64_t ld, const int32_t* zero_point, int64_t zero_stride,
                   int16_t* dst) {
  for (int64_t r = 0; r < rows; ++r) {
    const int32_t z = zero_point ? zero_point[r * zero_stride] : 0;
    const T* s = src + r * ld;
    int16_t* d = dst + r * k;
    for (int64_t p = 0; p < k; ++p) d[p] = static_cast<int16_t>(static_cast<int32_t>(s[p]) - z);
  }
}

template <class T>
void pack_columns_s16(const T* src, int64_t k, int64_t cols, int64_t ld, const int32_t* zero_point,
                      int64_t zero_stride, int16_t* dst) {
  constexpr int64_t kBlock = 16;  // columns per pass: their k-runs are written together
  for (int64_t c0 = 0; c0 < cols; c0 += kBlock) {
    const int64_t c1 = std::min(cols, c0 + kBlock);
    int32_t z[kBlock];
    for (int64_t c = c0; c < c1; ++c) z[c - c0] = zero_point ? zero_point[c * zero_stride] : 0;
    for (int64_t p = 0; p < k; ++p) {
      const T* s = src + p * ld;
      for (int64_t c = c0; c < c1; ++c) dst[c * k + p] = static_cast<int16_t>(static_cast<int32_t>(s[c]) - z[c - c0]);
    }
  }
}

template void pack_rows_s16<int8_t>(const int8_t*, int64_t, int64_t, int64_t, const int32_t*, int64_t, int16_t*);
template void pack_rows_s16<uint8_t>(const uint8_t*, int64_t, int64_t, int64_t, const int32_t*, int64_t, int16_t*);
template void pack_columns_s16<int8_t>(const int8_t*, int64_t, int64_t, int64_t, const int32_t*, int64_t, int16_t*);
template void pack_columns_s16<uint8_t>(const uint8_t*, int64_t, int64_t, int64_t, const int32_t*, int64_t, int16_t*);
template void pack_columns_s16<float>(const float*, int64_t, int64_t, int64_t, const int32_t*, int64_t, int16_t*);

void gemm_s16_nt(int64_t m, int64_t n, int64_t k, const int16_t* a, const int16_t* bt, int32_t* c, int64_t ldc,
                 int threads) {
  if (m <= 0 || n <= 0) return;
  // Blocks of about 128 KiB of B columns and 64 A rows.
  const int64_t block_cols = std::max<int64_t>(kTileCols, (int64_t{1} << 16) / std::max<int64_t>(1, k) / 2 * 2);
  const int64_t block_rows = 64;
  const int64_t col_blocks = (n + block_cols - 1) / block_cols, row_blocks = (m + block_rows - 1) / block_rows;
  const bool small = m * n * std::max<int64_t>(k, 1) < (int64_t{1} << 18);
  parallel_for(row_blocks * col_blocks, 1, small ? 1 : threads, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      const int64_t i0 = b / col_blocks * block_rows, j0 = b % col_blocks * block_cols;
      gemm_block(i0, std::min(m, i0 + block_rows), j0, std::min(n, j0 + block_cols), k, a, bt, c, ldc);
    }
  });
}

}  // namespace onyxrt::ops
