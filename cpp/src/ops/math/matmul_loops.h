#pragma once

#include <cstdint>
#include <type_traits>

// Plain matrix-product loops for the element types the GEMM kernels do not cover (integers), and
// the unidirectional broadcast of Gemm's C. Shared by Gemm and MatMul (one family: math/gemm).
namespace onyxrt::ops {

// y (m x n) = op(a) * op(b) in T's own (wrapping) arithmetic; a is m x k (k x m when trans_a),
// b is k x n (n x k when trans_b), all rows contiguous.
template <class T>
void matmul_loop(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const T* a, const T* b, T* y) {
  using U = std::make_unsigned_t<T>;  // wraps instead of overflowing (no undefined behaviour)
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) y[i * n + j] = 0;
    for (int64_t p = 0; p < k; ++p) {
      const U aip = static_cast<U>(trans_a ? a[p * m + i] : a[i * k + p]);
      for (int64_t j = 0; j < n; ++j) {
        const U bpj = static_cast<U>(trans_b ? b[j * k + p] : b[p * n + j]);
        y[i * n + j] = static_cast<T>(static_cast<U>(y[i * n + j]) + static_cast<U>(aip * bpj));
      }
    }
  }
}

// Element (i, j) of C broadcast to m x n: C has shape [] / [n] / [1] / [cm, cn] with cm in {1, m}
// and cn in {1, n}, described here by its row and column counts.
struct BroadcastC {
  int64_t rows = 1, cols = 1;
  int64_t index(int64_t i, int64_t j) const { return (rows == 1 ? 0 : i * cols) + (cols == 1 ? 0 : j); }
};

}  // namespace onyxrt::ops
