#include <algorithm>
#include <memory>

#include "base/error.h"
#include "kernels/gemm/gemm_f32_driver.h"
#include "kernels/gemm_prepacked.h"

namespace onyxrt::kernels {

void RepackedMatrixA::pack(int64_t m, int64_t k, const float* a, int64_t lda) {
  const GemmF32Config& cfg = kernel_table().gemm_f32;
  const int mr = cfg.ukernel.mr;
  ONYXRT_ENFORCE(m >= 0 && k >= 0, "gemm pack: negative dimension");
  if (m < mr) {
    if (storage_.size() < static_cast<size_t>(m * k)) storage_.resize(static_cast<size_t>(m * k));
    m_ = m, k_ = k, short_rows_ = true;
    float* dst = storage_.data();
    for (int64_t i = 0; i < m; ++i)
      for (int64_t p = 0; p < k; ++p) dst[p * m + i] = a[i * lda + p];
    return;
  }
  const int64_t mpad = (m + mr - 1) / mr * mr;
  // The layout of pack_a_f32: K in the driver's slices, each slice's MR-row panels side by side,
  // k-major within a panel; rows past m zero.
  if (m != m_ || k != k_ || short_rows_) {
    storage_.assign(static_cast<size_t>(mpad * k), 0.0f);
    m_ = m, k_ = k, short_rows_ = false;
  }
  float* dst = storage_.data();
  const int64_t depth = gemm_f32_slice_depth(cfg, k);
  for (int64_t p0 = 0; p0 < k; p0 += depth) {
    const int64_t kc = std::min<int64_t>(depth, k - p0);
    for (int64_t r = 0; r < m; r += mr) {
      const int64_t rows = std::min<int64_t>(mr, m - r);
      float* panel = dst + p0 * mpad + r * kc;
      for (int64_t i = 0; i < rows; ++i) {
        const float* src = a + (r + i) * lda + p0;
        for (int64_t p = 0; p < kc; ++p) panel[p * mr + i] = src[p];
      }
    }
  }
  // A view: the empty owner leaves the storage to this object.
  packed_ = PackedAccess::make_a(m, k, mr, cfg.kc, std::shared_ptr<void>(std::shared_ptr<void>(), dst));
}

namespace {

// Fewer than MR rows, k-major: the driver's loops for one short row panel, K slice by slice
// (beta 1 after the first), with a_stride = m; the same calls in the same order, hence its bits.
void multiply_short_rows(const GemmF32Config& cfg, const RepackedMatrixA& a, const PackedMatrixB& b, float* c,
                         int64_t ldc) {
  const int nr = cfg.ukernel.nr, rows = static_cast<int>(a.m());
  const int64_t n = b.n(), k = a.k(), npad = (n + nr - 1) / nr * nr;
  const int64_t depth = gemm_f32_slice_depth(cfg, k);
  for (int64_t p0 = 0; p0 < k; p0 += depth)
    gemm_f32_short_panel(cfg.ukernel, std::min<int64_t>(depth, k - p0), rows, a.steps() + p0 * rows, rows,
                         PackedAccess::data(b) + p0 * npad, n, c, ldc, 1.0f, p0 == 0 ? 0.0f : 1.0f, nullptr, 0, 0);
}

}  // namespace

void gemm_f32_prepacked(const RepackedMatrixA& a, const PackedMatrixB& b, float* c, int64_t ldc) {
  const GemmF32Config& cfg = kernel_table().gemm_f32;
  ONYXRT_ENFORCE(a.k() == b.k(), "gemm: the packed operands' K differ (", a.k(), " and ", b.k(), ")");
  ONYXRT_ENFORCE(b.empty() || PackedAccess::fits(b, cfg), "gemm: an operand was packed for another microkernel");
  if (a.short_rows()) {
    if (a.k() > 0) {
      multiply_short_rows(cfg, a, b, c, ldc);
    } else {  // an empty sum
      for (int64_t i = 0; i < a.m(); ++i) std::fill(c + i * ldc, c + i * ldc + b.n(), 0.0f);
    }
    return;
  }
  const PackedMatrixA& pa = a.packed();
  ONYXRT_ENFORCE(pa.empty() || PackedAccess::fits(pa, cfg), "gemm: an operand was packed for another microkernel");
  gemm_f32_run(cfg, pa.m(), b.n(), pa.k(), 1.0f, GemmOperand{nullptr, 0, false, PackedAccess::data(pa)},
               GemmOperand{nullptr, 0, false, PackedAccess::data(b)}, 0.0f, c, ldc, 1, GemmEpilogue{});
}

}  // namespace onyxrt::kernels
