// Packing op(A) and op(B) into the panel layout the microkernels stream through, for one cache
// block (the driver) or a whole constant matrix (pack_a_f32 / pack_b_f32).
//
// Whole-matrix layout, B: K blocks of gemm_f32_slice_depth rows one after another; block at row p0 starts at
// p0 * Npad (Npad = N rounded up to NR) and holds ceil(N / NR) panels of kc x NR, panel for
// column c0 at c0 * kc. A is the mirror image with MR-row panels. The driver finds the panels for
// (p0, c0) by that formula, so a packed matrix is only valid for the MR/NR/KC it was packed for.
#include <algorithm>
#include <cstring>

#include "base/allocator.h"
#include "base/error.h"
#include "kernels/gemm/gemm_f32_driver.h"

namespace onyxrt::kernels {

namespace {

// A full panel of MR rows of a row-major A: a transpose, done in MR x 8 blocks so that each row
// is read 8 contiguous values at a time and the compiler sees fixed trip counts.
template <int MR>
void pack_a_rows_f32(const float* a, int64_t lda, int64_t kc, float* panel) {
  constexpr int kStep = 8;
  int64_t p = 0;
  for (; p + kStep <= kc; p += kStep) {
    float block[MR][kStep];
    for (int i = 0; i < MR; ++i)
      for (int q = 0; q < kStep; ++q) block[i][q] = a[i * lda + p + q];
    float* d = panel + p * MR;
    for (int q = 0; q < kStep; ++q)
      for (int i = 0; i < MR; ++i) d[q * MR + i] = block[i][q];
  }
  for (; p < kc; ++p)
    for (int i = 0; i < MR; ++i) panel[p * MR + i] = a[i * lda + p];
}

// The panel heights of gemm_f32.inc get the fixed-size transpose; false for others.
bool pack_a_full_panel_f32(int mr, const float* a, int64_t lda, int64_t kc, float* panel) {
  switch (mr) {
    case 4: pack_a_rows_f32<4>(a, lda, kc, panel); return true;
    case 6: pack_a_rows_f32<6>(a, lda, kc, panel); return true;
    case 8: pack_a_rows_f32<8>(a, lda, kc, panel); return true;
    case 12: pack_a_rows_f32<12>(a, lda, kc, panel); return true;
    default: return false;
  }
}

}  // namespace

void pack_a_block_f32(bool trans, const float* a, int64_t lda, int64_t row0, int64_t mc, int64_t p0, int64_t kc,
                      int mr, float* dst) {
  for (int64_t r = 0; r < mc; r += mr) {
    const int rows = static_cast<int>(std::min<int64_t>(mr, mc - r));
    float* panel = dst + r * kc;
    if (!trans && rows == mr && pack_a_full_panel_f32(mr, a + (row0 + r) * lda + p0, lda, kc, panel)) continue;
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
  auto storage = allocate_buffer(packed_bytes(k, n, nr), BufferFill::Uninitialized);  // every panel written
  float* dst = static_cast<float*>(storage.get());
  const int64_t npad = (n + nr - 1) / nr * nr;
  const int64_t depth = gemm_f32_slice_depth(cfg, k);
  for (int64_t p0 = 0; p0 < k; p0 += depth) {
    pack_b_block_f32(trans_b, b, ldb, p0, std::min<int64_t>(depth, k - p0), 0, n, nr, dst + p0 * npad);
  }
  return PackedAccess::make_b(k, n, nr, cfg.kc, std::move(storage));
}

PackedMatrixA pack_a_f32_with(const GemmF32Config& cfg, bool trans_a, int64_t m, int64_t k, const float* a,
                              int64_t lda) {
  const int mr = cfg.ukernel.mr;
  auto storage = allocate_buffer(packed_bytes(k, m, mr), BufferFill::Uninitialized);  // every panel written
  float* dst = static_cast<float*>(storage.get());
  const int64_t mpad = (m + mr - 1) / mr * mr;
  const int64_t depth = gemm_f32_slice_depth(cfg, k);
  for (int64_t p0 = 0; p0 < k; p0 += depth) {
    pack_a_block_f32(trans_a, a, lda, 0, m, p0, std::min<int64_t>(depth, k - p0), mr, dst + p0 * mpad);
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
