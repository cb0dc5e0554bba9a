// Packing op(A) and op(B) into the panel layout the microkernels stream through, for one cache
// block (the driver) or a whole constant matrix (pack_a_f32 / pack_b_f32).
//
// Whole-matrix layout, B: K blocks of gemm_f32_slice_depth rows one after another; block at row p0 starts at
// p0 * Npad (Npad = N rounded up to NR) and holds ceil(N / NR) panels of kc x NR, panel for
// column c0 at c0 * kc. A is the mirror image with MR-row panels. The driver finds the panels for
// (p0, c0) by that formula, so a packed matrix is only valid for the MR/NR/KC it was packed for.
#include <algorithm>

#include "base/allocator.h"
#include "base/error.h"
#include "kernels/dispatch.h"
#include "kernels/gemm/gemm_f32_driver.h"
#include "kernels/pack/pack_columns_portable.h"

namespace onyxrt::kernels {

namespace {

// How a panel's source is laid out. Every panel is kc steps of `width` values, the first `live`
// of them from the source and the rest zero:
//   Rows:    step p is a contiguous run, panel[p * width + i] = src[p * ld + i] (B as is, A^T);
//   Columns: step p is a column of `live` rows, panel[p * width + i] = src[i * ld + p] (A, B^T).
enum class PanelSource { Rows, Columns };

// Rows: a fixed-length copy per step for full panels (vector moves, where a memcpy call per
// 16..128 bytes costs more than the copy).
template <int W, bool Full>
void pack_panel_rows_f32(const float* src, int64_t ld, int live, int64_t kc, float* panel) {
  const int cols = Full ? W : live;
  for (int64_t p = 0; p < kc; ++p) {
    float* d = panel + p * W;
    for (int i = 0; i < cols; ++i) d[i] = src[p * ld + i];
    for (int i = cols; i < W; ++i) d[i] = 0.0f;
  }
}

template <int W>
void pack_panel_rows_fixed_f32(const float* src, int64_t ld, int live, int64_t kc, float* panel) {
  if (live == W) return pack_panel_rows_f32<W, true>(src, ld, live, kc, panel);
  return pack_panel_rows_f32<W, false>(src, ld, live, kc, panel);
}

constexpr bool has_fixed_panel_width(int width) {
  return with_fixed_panel_width(width, [](auto) {});
}
constexpr bool gemm_f32_tiles_have_fixed_panels() {
  for (const GemmF32Ukernel& uk : kGemmF32Ukernels)
    if (!has_fixed_panel_width(uk.mr) || !has_fixed_panel_width(uk.nr)) return false;
  return true;
}
static_assert(gemm_f32_tiles_have_fixed_panels(),
              "a gemm_f32.inc MR or NR lacks a case in with_fixed_panel_width (its packing would take the slow loop)");

void pack_panel_f32(PanelSource from, int width, const float* src, int64_t ld, int live, int64_t kc, float* panel) {
  if (from == PanelSource::Columns) {
    if (kernel_table().pack_columns_f32.fn(width, src, ld, live, kc, panel)) return;
  }
  if (from == PanelSource::Rows &&
      with_fixed_panel_width(width, [&](auto w) { pack_panel_rows_fixed_f32<decltype(w)::value>(src, ld, live, kc, panel); }))
    return;
  const int64_t row_step = from == PanelSource::Rows ? ld : 1, col_step = from == PanelSource::Rows ? 1 : ld;
  for (int64_t p = 0; p < kc; ++p) {
    float* d = panel + p * width;
    for (int i = 0; i < live; ++i) d[i] = src[p * row_step + i * col_step];
    for (int i = live; i < width; ++i) d[i] = 0.0f;
  }
}

}  // namespace

void pack_a_block_f32(bool trans, const float* a, int64_t lda, int64_t row0, int64_t mc, int64_t p0, int64_t kc,
                      int mr, float* dst) {
  for (int64_t r = 0; r < mc; r += mr) {
    const int rows = static_cast<int>(std::min<int64_t>(mr, mc - r));
    float* panel = dst + r * kc;
    if (!trans)  // A(i, p) = a[i * lda + p]
      pack_panel_f32(PanelSource::Columns, mr, a + (row0 + r) * lda + p0, lda, rows, kc, panel);
    else  // A(i, p) = a[p * lda + i]
      pack_panel_f32(PanelSource::Rows, mr, a + p0 * lda + row0 + r, lda, rows, kc, panel);
  }
}

void pack_b_block_f32(bool trans, const float* b, int64_t ldb, int64_t p0, int64_t kc, int64_t col0, int64_t nc,
                      int nr, float* dst) {
  for (int64_t s = 0; s < nc; s += nr) {
    const int cols = static_cast<int>(std::min<int64_t>(nr, nc - s));
    float* panel = dst + s * kc;
    if (!trans)  // B(p, j) = b[p * ldb + j]
      pack_panel_f32(PanelSource::Rows, nr, b + p0 * ldb + col0 + s, ldb, cols, kc, panel);
    else  // B(p, j) = b[j * ldb + p]
      pack_panel_f32(PanelSource::Columns, nr, b + (col0 + s) * ldb + p0, ldb, cols, kc, panel);
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
