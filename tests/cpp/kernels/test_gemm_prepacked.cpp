// kernels/gemm_prepacked.h: both operands packed beforehand (a recurrent step's Ht-1 against each
// block of R). The product must have the bits of gemm_f32 on the same operands (the same
// dispatched microkernel, the same K slices), at few-row and full-tile heights, widths with a
// narrow last panel, and K above the driver's slice depth (fewer rows than MR take their own
// k-major layout and loops); a storage packed into again (smaller, then larger, then the same
// size, then short again) must give the new operand. Run it under ONYXRT_ISA=generic|avx2|avx512 for each
// tier's microkernel.
#include <cstdio>
#include <cstring>
#include <limits>
#include <vector>

#include "kernel_check.h"
#include "kernels/dispatch.h"
#include "kernels/gemm.h"
#include "kernels/gemm/gemm_f32_driver.h"
#include "kernels/gemm_prepacked.h"

using namespace onyxrt::kernels;

namespace {

void check_product(RepackedMatrixA& storage, int64_t m, int64_t n, int64_t k, int64_t pad, uint32_t seed) {
  const int64_t lda = k + pad, ldc = n + pad;
  const std::vector<float> a = ktest::random_floats(static_cast<size_t>(m * lda), seed);
  const std::vector<float> b = ktest::random_floats(static_cast<size_t>(n * k), seed + 1);  // n x k: used as B^T
  std::vector<float> want(static_cast<size_t>(m * ldc), 0.0f);
  std::vector<float> got(want.size(), std::numeric_limits<float>::quiet_NaN());  // beta 0: C is never read
  gemm_f32(false, true, m, n, k, 1.0f, a.data(), lda, b.data(), k, 0.0f, want.data(), ldc, 1);
  storage.pack(m, k, a.data(), lda);
  const PackedMatrixB pb = pack_b_f32(true, k, n, b.data(), k);
  gemm_f32_prepacked(storage, pb, got.data(), ldc);
  int bad = 0;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) bad += std::memcmp(&got[i * ldc + j], &want[i * ldc + j], sizeof(float)) != 0;
  KCHECK(bad == 0, "%s m=%lld n=%lld k=%lld pad=%lld: %d elements differ from gemm_f32", gemm_f32_kernel_name(),
         static_cast<long long>(m), static_cast<long long>(n), static_cast<long long>(k),
         static_cast<long long>(pad), bad);
}

// MR rows and more: the packed values, zero padding included, are pack_a_f32's, also when the
// storage is packed into a second time with the same sizes (only the live rows are rewritten
// then). Fewer rows: each step's m values together, A's column p at p * m.
void check_layout(int64_t m, int64_t k, uint32_t seed) {
  RepackedMatrixA repacked;
  const std::vector<float> first = ktest::random_floats(static_cast<size_t>(m * k), seed);
  const std::vector<float> second = ktest::random_floats(static_cast<size_t>(m * k), seed + 1);
  repacked.pack(m, k, first.data(), k);
  repacked.pack(m, k, second.data(), k);
  const int mr = kernel_table().gemm_f32.ukernel.mr;
  KCHECK(repacked.short_rows() == (m < mr), "%s m=%lld: short_rows() is %d", gemm_f32_kernel_name(),
         static_cast<long long>(m), static_cast<int>(repacked.short_rows()));
  if (m < mr) {
    int bad = 0;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t p = 0; p < k; ++p) bad += repacked.steps()[p * m + i] != second[i * k + p];
    KCHECK(bad == 0, "%s m=%lld k=%lld: %d short-row values misplaced", gemm_f32_kernel_name(),
           static_cast<long long>(m), static_cast<long long>(k), bad);
    return;
  }
  const PackedMatrixA want = pack_a_f32(false, m, k, second.data(), k);
  const size_t count = static_cast<size_t>((m + mr - 1) / mr * mr * k);
  KCHECK(std::memcmp(PackedAccess::data(repacked.packed()), PackedAccess::data(want), count * sizeof(float)) == 0,
         "%s m=%lld k=%lld: packed values differ from pack_a_f32", gemm_f32_kernel_name(), static_cast<long long>(m),
         static_cast<long long>(k));
}

}  // namespace

int main() {
  const int mr = kernel_table().gemm_f32.ukernel.mr;
  RepackedMatrixA storage;  // shared by every case: packing into it again must replace the operand
  uint32_t seed = 1;
  for (int64_t m : {int64_t{1}, int64_t{3}, int64_t{8}, int64_t{mr}, int64_t{mr + 1}, int64_t{2 * mr + 5}})
    for (int64_t n : {1, 17, 32, 100, 256})
      for (int64_t k : {1, 7, 512, 1500})  // 1500: two K slices
        check_product(storage, m, n, k, (m + n) % 3, seed += 3);
  // A larger operand after the storage was sized for smaller ones, then a small one again, and
  // the same sizes twice over (only the live rows are written the second time).
  RepackedMatrixA fresh;
  check_product(fresh, 1, 40, 9, 0, 101);
  check_product(fresh, 30, 40, 700, 2, 102);
  check_product(fresh, 2, 40, 5, 1, 103);
  check_product(fresh, 2, 40, 5, 1, 104);
  check_product(fresh, mr + 3, 64, 1100, 0, 105);
  check_product(fresh, mr + 3, 64, 1100, 0, 106);
  check_product(fresh, 3, 64, 1100, 0, 107);  // back to short rows after full panels
  check_product(fresh, 2, 40, 0, 1, 108);     // K = 0: C is zero
  for (int64_t m : {int64_t{1}, int64_t{5}, int64_t{mr}, int64_t{2 * mr + 1}})
    for (int64_t k : {3, 1100}) check_layout(m, k, seed += 2);
  std::printf("gemm_prepacked with %s\n", gemm_f32_kernel_name());
  return ktest::finish("test_gemm_prepacked");
}
