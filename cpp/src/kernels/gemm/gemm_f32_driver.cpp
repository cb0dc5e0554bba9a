// BLIS-style f32 GEMM driver. For each NC-wide column block and KC-deep slice of K, a block of
// op(B) is packed (or found pre-packed), then each MC-high block of op(A); the macro-kernel walks
// the MR x NR tiles of C with the microkernel. The K loop accumulates into C (beta on the first
// slice, 1 after), and the epilogue runs on each tile after the last slice while it is in L1.
//
// Threads: C is cut into a grid of thread regions (tile-aligned, chosen to minimise the packing
// each thread repeats); each thread runs the sequential loops on its region with its own scratch.
#include <algorithm>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <new>

#include "base/error.h"
#include "base/parallel.h"
#include "kernels/gemm/gemm_f32_driver.h"

namespace onyxrt::kernels {
namespace {

// Per-thread packing buffers, grown on demand and kept: after the first call of a given size a
// GEMM allocates nothing.
struct Scratch {
  float* data = nullptr;
  size_t capacity = 0;  // floats
  ~Scratch() { std::free(data); }
  float* get(size_t floats) {
    if (floats > capacity) {
      std::free(data);
      size_t bytes = (floats * sizeof(float) + 63) / 64 * 64;
      data = static_cast<float*>(std::aligned_alloc(64, bytes));
      capacity = data != nullptr ? floats : 0;
      if (data == nullptr) throw std::bad_alloc();
    }
    return data;
  }
};
thread_local Scratch scratch_a, scratch_b;

struct Problem {
  const GemmF32Config* cfg;
  int64_t m, n, k;
  float alpha, beta;
  GemmOperand a, b;
  float* c;
  int64_t ldc;
  const GemmEpilogue* epilogue;  // null when there is nothing to apply
};

void apply_epilogue(const GemmEpilogue& ep, float* c, int64_t ldc, int rows, int cols, int64_t row0, int64_t col0) {
  for (int i = 0; i < rows; ++i) {
    float* r = c + i * ldc;
    if (ep.bias == nullptr) {
      // no bias (a ReLU-only epilogue)
    } else if (ep.bias_kind == GemmEpilogue::Bias::PerColumn) {
      const float* bias = ep.bias + col0;
      for (int j = 0; j < cols; ++j) r[j] += bias[j];
    } else if (ep.bias_kind == GemmEpilogue::Bias::PerRow) {
      const float bias = ep.bias[row0 + i];
      for (int j = 0; j < cols; ++j) r[j] += bias;
    }
    if (ep.relu) {
      for (int j = 0; j < cols; ++j) r[j] = r[j] < 0.0f ? 0.0f : r[j];
    }
  }
}

// A row panel with at most MR / kRowKernelRatio live rows runs the one-row kernel per row: the
// MR-row kernel would cost as much as a full panel, the row kernel about a third per row.
constexpr int kRowKernelRatio = 3;

// C[mc x nc] (+)= alpha * Ap * Bp over kc; (row0, col0) place the block in the whole C.
void macro_kernel(const Problem& pr, int64_t mc, int64_t nc, int64_t kc, const float* ap, const float* bp, float* c,
                  float beta, bool last_slice, int64_t row0, int64_t col0) {
  const GemmF32Ukernel& uk = pr.cfg->ukernel;
  const int mr = uk.mr, nr = uk.nr;
  alignas(64) float tile[kGemmMaxMr * kGemmMaxNr];
  for (int64_t jr = 0; jr < nc; jr += nr) {
    const int cols = static_cast<int>(std::min<int64_t>(nr, nc - jr));
    for (int64_t ir = 0; ir < mc; ir += mr) {
      const int rows = static_cast<int>(std::min<int64_t>(mr, mc - ir));
      float* ct = c + ir * pr.ldc + jr;
      if (rows == mr && cols == nr) {
        uk.fn(kc, ap + ir * kc, bp + jr * kc, ct, pr.ldc, pr.alpha, beta);
      } else if (rows * kRowKernelRatio <= mr) {  // few live rows: one row at a time
        for (int i = 0; i < rows; ++i) {
          float* cr = ct + i * pr.ldc;
          if (cols == nr) {
            uk.row_fn(kc, ap + ir * kc + i, mr, bp + jr * kc, cr, pr.alpha, beta);
            continue;
          }
          uk.row_fn(kc, ap + ir * kc + i, mr, bp + jr * kc, tile, 1.0f, 0.0f);
          for (int j = 0; j < cols; ++j) cr[j] = beta == 0.0f ? pr.alpha * tile[j] : pr.alpha * tile[j] + beta * cr[j];
        }
      } else {  // partial tile: compute the whole tile aside, keep the part inside C
        uk.fn(kc, ap + ir * kc, bp + jr * kc, tile, nr, 1.0f, 0.0f);
        for (int i = 0; i < rows; ++i) {
          float* cr = ct + i * pr.ldc;
          const float* tr = tile + i * nr;
          if (beta == 0.0f) {
            for (int j = 0; j < cols; ++j) cr[j] = pr.alpha * tr[j];
          } else {
            for (int j = 0; j < cols; ++j) cr[j] = pr.alpha * tr[j] + beta * cr[j];
          }
        }
      }
      if (last_slice && pr.epilogue != nullptr)
        apply_epilogue(*pr.epilogue, ct, pr.ldc, rows, cols, row0 + ir, col0 + jr);
    }
  }
}

// The sequential blocked loops over C[m0:m1, n0:n1]; m0 and n0 are multiples of MR and NR.
void run_region(const Problem& pr, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const GemmF32Config& cfg = *pr.cfg;
  const int mr = cfg.ukernel.mr, nr = cfg.ukernel.nr;
  const int64_t mpad = (pr.m + mr - 1) / mr * mr, npad = (pr.n + nr - 1) / nr * nr;
  for (int64_t jc = n0; jc < n1; jc += cfg.nc) {
    const int64_t nc = std::min<int64_t>(cfg.nc, n1 - jc);
    for (int64_t pc = 0; pc < pr.k; pc += cfg.kc) {
      const int64_t kc = std::min<int64_t>(cfg.kc, pr.k - pc);
      const float* bp;
      if (pr.b.packed != nullptr) {
        bp = pr.b.packed + pc * npad + jc * kc;
      } else {
        float* buf = scratch_b.get(static_cast<size_t>((nc + nr - 1) / nr * nr * kc));
        pack_b_block_f32(pr.b.trans, pr.b.data, pr.b.ld, pc, kc, jc, nc, nr, buf);
        bp = buf;
      }
      const float beta = pc == 0 ? pr.beta : 1.0f;
      const bool last_slice = pc + kc >= pr.k;
      for (int64_t ic = m0; ic < m1; ic += cfg.mc) {
        const int64_t mc = std::min<int64_t>(cfg.mc, m1 - ic);
        const float* ap;
        if (pr.a.packed != nullptr) {
          ap = pr.a.packed + pc * mpad + ic * kc;
        } else {
          float* buf = scratch_a.get(static_cast<size_t>((mc + mr - 1) / mr * mr * kc));
          pack_a_block_f32(pr.a.trans, pr.a.data, pr.a.ld, ic, mc, pc, kc, mr, buf);
          ap = buf;
        }
        macro_kernel(pr, mc, nc, kc, ap, bp, pr.c + ic * pr.ldc + jc, beta, last_slice, ic, jc);
      }
    }
  }
}

// K == 0: op(A) * op(B) is zero, so C = beta * C, then the epilogue.
void scale_only(const Problem& pr) {
  constexpr int64_t kChunk = 4096;  // apply_epilogue takes an int column count
  for (int64_t i = 0; i < pr.m; ++i) {
    float* r = pr.c + i * pr.ldc;
    for (int64_t j = 0; j < pr.n; ++j) r[j] = pr.beta == 0.0f ? 0.0f : pr.beta * r[j];
    if (pr.epilogue == nullptr) continue;
    for (int64_t j0 = 0; j0 < pr.n; j0 += kChunk)
      apply_epilogue(*pr.epilogue, r + j0, pr.ldc, 1, static_cast<int>(std::min(kChunk, pr.n - j0)), i, j0);
  }
}

// A threads_m x threads_n grid of regions; fewer threads when the work or the tiles run out.
struct Grid {
  int tm = 1, tn = 1;
};

Grid choose_grid(int64_t m, int64_t n, int64_t k, int mr, int nr, int threads) {
  // Below ~2^18 multiply-adds per thread the fork/join and repeated packing cost more than the
  // extra thread brings.
  constexpr double kMinWorkPerThread = 262144.0;
  double work = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  int t = static_cast<int>(std::min<double>(threads, std::max(1.0, work / kMinWorkPerThread)));
  const int64_t tiles_m = (m + mr - 1) / mr, tiles_n = (n + nr - 1) / nr;
  for (; t > 1; --t) {
    Grid best;
    double best_cost = -1;
    for (int tm = 1; tm <= t; ++tm) {
      if (t % tm != 0) continue;
      int tn = t / tm;
      if (tm > tiles_m || tn > tiles_n) continue;
      // Each thread packs its rows of A and its columns of B: minimise that perimeter.
      double cost = static_cast<double>(m) / tm + static_cast<double>(n) / tn;
      if (best_cost < 0 || cost < best_cost) best_cost = cost, best = Grid{tm, tn};
    }
    if (best_cost >= 0) return best;
  }
  return Grid{};
}

}  // namespace

void gemm_f32_run(const GemmF32Config& cfg, int64_t m, int64_t n, int64_t k, float alpha, const GemmOperand& a,
                  const GemmOperand& b, float beta, float* c, int64_t ldc, int threads, const GemmEpilogue& epilogue) {
  if (m <= 0 || n <= 0) return;
  const bool has_epilogue =
      epilogue.relu || (epilogue.bias_kind != GemmEpilogue::Bias::None && epilogue.bias != nullptr);
  Problem pr{&cfg, m, n, k, alpha, beta, a, b, c, ldc, has_epilogue ? &epilogue : nullptr};
  if (k <= 0) {
    scale_only(pr);
    return;
  }
  const int mr = cfg.ukernel.mr, nr = cfg.ukernel.nr;
  const Grid g = choose_grid(m, n, k, mr, nr, threads);
  if (g.tm * g.tn == 1) {
    run_region(pr, 0, m, 0, n);
    return;
  }
  const int64_t tiles_m = (m + mr - 1) / mr, tiles_n = (n + nr - 1) / nr;
  std::exception_ptr error;
  std::mutex error_mutex;
  parallel_for(g.tm * g.tn, 1, g.tm * g.tn, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t rm = r / g.tn, rn = r % g.tn;
      const int64_t m0 = tiles_m * rm / g.tm * mr, m1 = std::min(m, tiles_m * (rm + 1) / g.tm * mr);
      const int64_t n0 = tiles_n * rn / g.tn * nr, n1 = std::min(n, tiles_n * (rn + 1) / g.tn * nr);
      try {
        run_region(pr, m0, m1, n0, n1);
      } catch (...) {  // an exception must not cross the parallel region
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
      }
    }
  });
  if (error) std::rethrow_exception(error);
}

void gemm_f32_with(const GemmF32Config& cfg, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
                   float alpha, const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                   int64_t ldc, int threads, const GemmEpilogue& epilogue) {
  gemm_f32_run(cfg, m, n, k, alpha, GemmOperand{a, lda, trans_a, nullptr}, GemmOperand{b, ldb, trans_b, nullptr},
               beta, c, ldc, threads, epilogue);
}

void gemm_f32_packed_with(const GemmF32Config& cfg, bool trans_a, int64_t m, float alpha, const float* a,
                          int64_t lda, const PackedMatrixB& b, float beta, float* c, int64_t ldc, int threads,
                          const GemmEpilogue& epilogue) {
  ONYXRT_ENFORCE(b.empty() || PackedAccess::fits(b, cfg), "gemm: B was packed for another microkernel");
  gemm_f32_run(cfg, m, b.n(), b.k(), alpha, GemmOperand{a, lda, trans_a, nullptr},
               GemmOperand{nullptr, 0, false, PackedAccess::data(b)}, beta, c, ldc, threads, epilogue);
}

void gemm_f32_packed_with(const GemmF32Config& cfg, const PackedMatrixA& a, bool trans_b, int64_t n, float alpha,
                          const float* b, int64_t ldb, float beta, float* c, int64_t ldc, int threads,
                          const GemmEpilogue& epilogue) {
  ONYXRT_ENFORCE(a.empty() || PackedAccess::fits(a, cfg), "gemm: A was packed for another microkernel");
  gemm_f32_run(cfg, a.m(), n, a.k(), alpha, GemmOperand{nullptr, 0, false, PackedAccess::data(a)},
               GemmOperand{b, ldb, trans_b, nullptr}, beta, c, ldc, threads, epilogue);
}

void gemm_f32(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
              const float* b, int64_t ldb, float beta, float* c, int64_t ldc, int threads,
              const GemmEpilogue& epilogue) {
  gemm_f32_with(kernel_table().gemm_f32, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads,
                epilogue);
}

void gemm_f32_packed(bool trans_a, int64_t m, float alpha, const float* a, int64_t lda, const PackedMatrixB& b,
                     float beta, float* c, int64_t ldc, int threads, const GemmEpilogue& epilogue) {
  gemm_f32_packed_with(kernel_table().gemm_f32, trans_a, m, alpha, a, lda, b, beta, c, ldc, threads, epilogue);
}

void gemm_f32_packed(const PackedMatrixA& a, bool trans_b, int64_t n, float alpha, const float* b, int64_t ldb,
                     float beta, float* c, int64_t ldc, int threads, const GemmEpilogue& epilogue) {
  gemm_f32_packed_with(kernel_table().gemm_f32, a, trans_b, n, alpha, b, ldb, beta, c, ldc, threads, epilogue);
}

const char* gemm_f32_kernel_name() { return kernel_table().gemm_f32.ukernel.name; }

}  // namespace onyxrt::kernels
