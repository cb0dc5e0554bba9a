// Packing op(A) and op(B) into the panel layout the microkernels stream through, for one cache
// block (the driver) or a whole constant matrix (pack_a_f32 / pack_b_f32).
//
// Whole-matrix layout, B: K blocks of KC rows one after another; block at row p0 starts at
// p0 * Npad (Npad = N rounded up to NR) and holds ceil(N / NR) panels of kc x NR, panel for
// column c0 at c0 * kc. A is the mirror image with MR-row panels. The driver finds the panels for
// (p0, c0) by that formula, so a packed matrix is only valid for the MR/NR/KC it was packed for.
#include <algorithm>
#include <cstring>

#include "base/allocator.h"
#include "base/error.h"
#include "kernels/gemm/gemm_f32_driver.h"

namespace onyxrt::kernels {

void pack_a_block_f32(bool trans, const float* a, int64_t lda, int64_t row0, int64_t mc, int64_t p0, int64_t kc,
                      int mr, float* dst) {
  for (int64_t r = 0; r < mc; r += mr) {
    const int rows = static_cast<int>(std::min<int64_t>(mr, mc - r));
    float* panel = dst + r * kc;
    if (!trans) {  // A(i, p) = a[i * lda + p]: gather one column of the mr rows per step
      const float* src[kGemmMaxMr];
      for (int i = 0; i < rows; ++i) src[i] = a + (row0 + r + i) * lda + p0;
      for (int64_t p = 0; p < kc; ++p) {
        float* d = panel + p * mr;
        for (int i = 0; i < rows; ++i) d[i] = src[i][p];
        for (int i = rows; i < mr; ++i) d[i] = 0.0f;
      }
    } else {  // A(i, p) = a[p * lda + i]: the mr rows of one step are contiguous
      for (int64_t p = 0; p < kc; ++p) {
        const float* s = a + (p0 + p) * lda + row0 + r;
        float* d = panel + p * mr;
        for (int i = 0; i < rows; ++i) d[i] = s[i];
        for (int i = rows; i < mr; ++i) d[i] = 0.0f;
      }
    }
  }
}

void pack_b_block_f32(bool trans, const float* b, int64_t ldb, int64_t p0, int64_t kc, int64_t col0, int64_t nc,
                      int nr, float* dst) {
  for (int64_t s = 0; s < nc; s += nr) {
    const int cols = static_cast<int>(std::min<int64_t>(nr, nc - s));
    float* panel = dst + s * kc;
    if (!trans) {  // B(p, j) = b[p * ldb + j]: each step copies nr contiguous values
      for (int64_t p = 0; p < kc; ++p) {
        const float* src = b + (p0 + p) * ldb + col0 + s;
        float* d = panel + p * nr;
        std::memcpy(d, src, sizeof(float) * cols);
        for (int j = cols; j < nr; ++j) d[j] = 0.0f;
      }
    } else {  // B(p, j) = b[j * ldb + p]: gather one row of the nr columns per step
      const float* src[kGemmMaxNr];
      for (int j = 0; j < cols; ++j) src[j] = b + (col0 + s + j) * ldb + p0;
      for (int64_t p = 0; p < kc; ++p) {
        float* d = panel + p * nr;
        for (int j = 0; j < cols; ++j) d[j] = src[j][p];
        for (int j = cols; j < nr; ++j) d[j] = 0.0f;
      }
    }
  }
}

namespace {

// Bytes for `rows` x `cols_padded` floats; fails instead of wrapping around.
size_t packed_bytes(int64_t rows, int64_t cols, int tile) {
  if (rows < 0 || cols < 0) fail(ErrorCode::InvalidArgument, "gemm pack: negative dimension");
  int64_t padded = (cols + tile - 1) / tile * tile;
  int64_t count = 0;
  if (__builtin_mul_overflow(rows, padded, &count) || count > INT64_MAX / 4)
    fail(ErrorCode::RuntimeException, "gemm pack: ", rows, " x ", cols, " floats overflow");
  return static_cast<size_t>(count) * sizeof(float);
}

}  // namespace

PackedMatrixB pack_b_f32_with(const GemmF32Config& cfg, bool trans_b, int64_t k, int64_t n, const float* b,
                              int64_t ldb) {
  const int nr = cfg.ukernel.nr;
  auto storage = allocate_buffer(packed_bytes(k, n, nr));
  float* dst = static_cast<float*>(storage.get());
  const int64_t npad = (n + nr - 1) / nr * nr;
  for (int64_t p0 = 0; p0 < k; p0 += cfg.kc) {
    pack_b_block_f32(trans_b, b, ldb, p0, std::min<int64_t>(cfg.kc, k - p0), 0, n, nr, dst + p0 * npad);
  }
  return PackedAccess::make_b(k, n, nr, cfg.kc, std::move(storage));
}

PackedMatrixA pack_a_f32_with(const GemmF32Config& cfg, bool trans_a, int64_t m, int64_t k, const float* a,
                              int64_t lda) {
  const int mr = cfg.ukernel.mr;
  auto storage = allocate_buffer(packed_bytes(k, m, mr));
  float* dst = static_cast<float*>(storage.get());
  const int64_t mpad = (m + mr - 1) / mr * mr;
  for (int64_t p0 = 0; p0 < k; p0 += cfg.kc) {
    pack_a_block_f32(trans_a, a, lda, 0, m, p0, std::min<int64_t>(cfg.kc, k - p0), mr, dst + p0 * mpad);
  }
  return PackedAccess::make_a(m, k, mr, cfg.kc, std::move(storage));
}

PackedMatrixB pack_b_f32(bool trans_b, int64_t k, int64_t n, const float* b, int64_t ldb) {
  return pack_b_f32_with(kernel_table().gemm_f32, trans_b, k, n, b, ldb);
}

PackedMatrixA pack_a_f32(bool trans_a, int64_t m, int64_t k, const float* a, int64_t lda) {
  return pack_a_f32_with(kernel_table().gemm_f32, trans_a, m, k, a, lda);
}

}  // namespace onyxrt::kernels
