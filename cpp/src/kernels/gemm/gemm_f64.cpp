// Double-precision GEMM: plain loops, no packing. Correct and cache-friendly enough for the
// models that use double (rare); rows of C are split across threads.
#include <algorithm>

#include "base/parallel.h"
#include "kernels/gemm.h"

namespace onyxrt::kernels {

void gemm_f64(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha, const double* a,
              int64_t lda, const double* b, int64_t ldb, double beta, double* c, int64_t ldc, int threads) {
  if (m <= 0 || n <= 0) return;
  auto a_at = [&](int64_t i, int64_t p) { return trans_a ? a[p * lda + i] : a[i * lda + p]; };
  const int64_t grain = std::max<int64_t>(1, 65536 / std::max<int64_t>(1, n * std::max<int64_t>(k, 1)));
  parallel_for(m, grain, threads, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      double* ci = c + i * ldc;
      for (int64_t j = 0; j < n; ++j) ci[j] = beta == 0.0 ? 0.0 : beta * ci[j];
      if (!trans_b) {  // row i of C += alpha * A(i, p) * row p of B: unit stride innermost
        for (int64_t p = 0; p < k; ++p) {
          const double s = alpha * a_at(i, p);
          const double* bp = b + p * ldb;
          for (int64_t j = 0; j < n; ++j) ci[j] += s * bp[j];
        }
      } else {  // C(i, j) += alpha * dot(op(A) row i, B row j): unit stride over p for B
        for (int64_t j = 0; j < n; ++j) {
          const double* bj = b + j * ldb;
          double sum = 0.0;
          for (int64_t p = 0; p < k; ++p) sum += a_at(i, p) * bj[p];
          ci[j] += alpha * sum;
        }
      }
    }
  });
}

}  // namespace onyxrt::kernels
