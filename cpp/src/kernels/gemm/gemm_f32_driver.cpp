// BLIS-style f32 GEMM driver. For each NC-wide column block and KC-deep slice of K, a block of
// op(B) is packed (or found pre-packed), then each MC-high block of op(A); the macro-kernel walks
// the MR x NR tiles of C with the microkernel. The K loop accumulates into C (beta on the first
// slice, 1 after), and the epilogue runs on each tile after the last slice while it is in L1.
//
// Threads: C is cut into a grid of tile-aligned regions (chosen to minimise the busiest thread's
// work and the packing each thread repeats; finer when an operand is pre-packed, claimed by the
// threads as they go); each thread runs the sequential loops on its regions with its own scratch.
#include <algorithm>
#include <cmath>

#include "base/error.h"
#include "base/parallel.h"
#include "kernels/conv_direct/weights_ahead.h"
#include "kernels/gemm/gemm_f32_driver.h"
#include "kernels/scratch.h"

namespace onyxrt::kernels {
namespace {

// Per-thread packing buffers: after the first call of a given size a GEMM allocates nothing.
thread_local LineAlignedFloats scratch_a, scratch_b;

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

// A tile with fewer than NR live columns: computed aside, the part inside C kept. Row i's k
// values at a + p * a_stride + i (a packed MR panel: a_stride = MR).
void narrow_tile(const GemmF32Ukernel& uk, int64_t kc, int rows, int cols, const float* a, int64_t a_stride,
                 const float* b, float* ct, int64_t ldc, float alpha, float beta) {
  const int mr = uk.mr, nr = uk.nr;
  alignas(64) float tile[kGemmMaxMr * kGemmMaxNr];
  if (rows == mr && a_stride == mr) {
    uk.fn(kc, a, b, tile, nr, 1.0f, 0.0f, GemmAhead{});
  } else {
    uk.rows_fn(kc, rows, 1, a, a_stride, b, tile, nr, 1.0f, 0.0f);
  }
  for (int i = 0; i < rows; ++i) {
    float* cr = ct + i * ldc;
    const float* tr = tile + i * nr;
    if (beta == 0.0f) {
      for (int j = 0; j < cols; ++j) cr[j] = alpha * tr[j];
    } else {
      for (int j = 0; j < cols; ++j) cr[j] = alpha * tr[j] + beta * cr[j];
    }
  }
}

}  // namespace

void gemm_f32_short_panel(const GemmF32Ukernel& uk, int64_t kc, int rows, const float* a, int64_t a_stride,
                          const float* bp, int64_t nc, float* c, int64_t ldc, float alpha, float beta,
                          const GemmEpilogue* ep, int64_t row0, int64_t col0) {
  const int nr = uk.nr;
  const int64_t full = nc / nr * nr;
  for (int64_t j0 = 0; j0 < full;) {  // in chunks, as the epilogue takes an int column count
    const int panels = static_cast<int>(std::min<int64_t>((full - j0) / nr, 256));
    uk.rows_fn(kc, rows, panels, a, a_stride, bp + j0 * kc, c + j0, ldc, alpha, beta);
    if (ep != nullptr) apply_epilogue(*ep, c + j0, ldc, rows, panels * nr, row0, col0 + j0);
    j0 += static_cast<int64_t>(panels) * nr;
  }
  if (full < nc) {
    const int cols = static_cast<int>(nc - full);
    narrow_tile(uk, kc, rows, cols, a, a_stride, bp + full * kc, c + full, ldc, alpha, beta);
    if (ep != nullptr) apply_epilogue(*ep, c + full, ldc, rows, cols, row0, col0 + full);
  }
}

namespace {

// A packed B panel's cache lines: kc steps of NR floats.
GemmAhead panel_lines(const float* panel, int64_t kc, int nr) { return GemmAhead{panel, kc * nr / 16}; }

// C[mc x nc] (+)= alpha * Ap * Bp over kc; (row0, col0) place the block in the whole C. `after`
// is the B panel the next call starts on ({}: none known).
//
// Each B panel is read by the column's row tiles in turn: from L2 by all but the first, which
// would wait on L3 for its every line (a pre-packed weight is out of L2, and so is a block of
// 768 x 2048 packed per call). So the full row tiles over one panel fetch the next panel into
// L2 between them, a share each. BERT's 128 x 768 by 768 x 3072 against onnxruntime in one
// process (builds alternating): ratio 0.99 -> 0.86 at 1 thread, 0.97 -> 0.83 at 2.
void macro_kernel(const Problem& pr, int64_t mc, int64_t nc, int64_t kc, const float* ap, const float* bp,
                  GemmAhead after, float* c, float beta, bool last_slice, int64_t row0, int64_t col0) {
  const GemmF32Ukernel& uk = pr.cfg->ukernel;
  const int mr = uk.mr, nr = uk.nr;
  const GemmEpilogue* ep = last_slice ? pr.epilogue : nullptr;
  if (mc < mr) {
    // A single short row panel (a batch-1 product): one call over all the full column panels,
    // so the kernel can run several of them side by side.
    gemm_f32_short_panel(uk, kc, static_cast<int>(mc), ap, mr, bp, nc, c, pr.ldc, pr.alpha, beta, ep, row0, col0);
    return;
  }
  const int64_t full_tiles = mc / mr;
  for (int64_t jr = 0; jr < nc; jr += nr) {
    const int cols = static_cast<int>(std::min<int64_t>(nr, nc - jr));
    const GemmAhead next = jr + nr < nc ? panel_lines(bp + (jr + nr) * kc, kc, nr) : after;
    for (int64_t ir = 0; ir < mc; ir += mr) {
      const int rows = static_cast<int>(std::min<int64_t>(mr, mc - ir));
      float* ct = c + ir * pr.ldc + jr;
      const float* a = ap + ir * kc;
      const float* b = bp + jr * kc;
      if (cols < nr) {
        narrow_tile(uk, kc, rows, cols, a, mr, b, ct, pr.ldc, pr.alpha, beta);
      } else if (rows == mr) {
        const LineShare share = line_share(next.count, ir / mr, full_tiles, kc);
        uk.fn(kc, a, b, ct, pr.ldc, pr.alpha, beta, GemmAhead{next.first + share.from * 16, share.to - share.from});
      } else {  // the last row panel, with fewer live rows: a kernel of that height
        uk.rows_fn(kc, rows, 1, a, mr, b, ct, pr.ldc, pr.alpha, beta);
      }
      if (ep != nullptr) apply_epilogue(*ep, ct, pr.ldc, rows, cols, row0 + ir, col0 + jr);
    }
  }
}

// The sequential blocked loops over C[m0:m1, n0:n1]; m0 and n0 are multiples of MR and NR.
void run_region(const Problem& pr, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const GemmF32Config& cfg = *pr.cfg;
  const int mr = cfg.ukernel.mr, nr = cfg.ukernel.nr;
  const int64_t mpad = (pr.m + mr - 1) / mr * mr, npad = (pr.n + nr - 1) / nr * nr;
  const int64_t depth = gemm_f32_slice_depth(cfg, pr.k);
  // The first panel of the pre-packed block at (pc, jc), or none: a block packed per call is
  // not there yet.
  const auto prepacked_block = [&](int64_t pc, int64_t jc) {
    if (pr.b.packed == nullptr || pc >= pr.k || jc >= n1) return GemmAhead{};
    const int64_t kc = std::min<int64_t>(depth, pr.k - pc);
    return panel_lines(pr.b.packed + pc * npad + jc * kc, kc, nr);
  };
  for (int64_t jc = n0; jc < n1; jc += cfg.nc) {
    const int64_t nc = std::min<int64_t>(cfg.nc, n1 - jc);
    for (int64_t pc = 0; pc < pr.k; pc += depth) {
      const int64_t kc = std::min<int64_t>(depth, pr.k - pc);
      const GemmAhead next_block = pc + kc < pr.k ? prepacked_block(pc + kc, jc) : prepacked_block(0, jc + nc);
      const float* bp;
      if (pr.b.packed != nullptr) {
        bp = pr.b.packed + pc * npad + jc * kc;
      } else {
        float* buf = scratch_b.get((nc + nr - 1) / nr * nr * kc);
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
          float* buf = scratch_a.get((mc + mr - 1) / mr * mr * kc);
          pack_a_block_f32(pr.a.trans, pr.a.data, pr.a.ld, ic, mc, pc, kc, mr, buf);
          ap = buf;
        }
        // The next row block starts over on this block's first panel.
        const GemmAhead after = ic + mc < m1 ? panel_lines(bp, kc, nr) : next_block;
        macro_kernel(pr, mc, nc, kc, ap, bp, after, pr.c + ic * pr.ldc + jc, beta, last_slice, ic, jc);
      }
    }
  }
}

// K == 0: op(A) * op(B) is zero, so C = beta * C, then the epilogue; columns [n0, n1).
void scale_only(const Problem& pr, int64_t n0, int64_t n1) {
  constexpr int64_t kChunk = 4096;  // apply_epilogue takes an int column count
  for (int64_t i = 0; i < pr.m; ++i) {
    float* r = pr.c + i * pr.ldc;
    for (int64_t j = n0; j < n1; ++j) r[j] = pr.beta == 0.0f ? 0.0f : pr.beta * r[j];
    if (pr.epilogue == nullptr) continue;
    for (int64_t j0 = n0; j0 < n1; j0 += kChunk)
      apply_epilogue(*pr.epilogue, r + j0, pr.ldc, 1, static_cast<int>(std::min(kChunk, n1 - j0)), i, j0);
  }
}

// The epilogue the driver applies, or null when it would change nothing.
const GemmEpilogue* active_epilogue(const GemmEpilogue& ep) {
  const bool has_bias = ep.bias_kind != GemmEpilogue::Bias::None && ep.bias != nullptr;
  return ep.relu || has_bias ? &ep : nullptr;
}

// Regions per thread along the split dimension when an operand is pre-packed (see gemm_f32_run).
constexpr int kRegionsPerThread = 4;

// A threads_m x threads_n grid of regions; fewer threads when the work or the tiles run out.
struct Grid {
  int tm = 1, tn = 1;
};

Grid choose_grid(const Problem& pr, int threads) {
  const int64_t m = pr.m, n = pr.n, k = pr.k;
  const int mr = pr.cfg->ukernel.mr, nr = pr.cfg->ukernel.nr;
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
      // The busiest thread's time per k step: its tile-rounded share of C (the slowest thread
      // sets the pace), plus its packing: its rows of A once per NC block of its columns, its
      // columns of B once, each packed element ~kPackCost multiply-adds. A pre-packed operand
      // costs nothing, so with B packed at session creation the threads split M.
      constexpr double kPackCost = 16.0;
      const double rows = static_cast<double>(std::min(m, (tiles_m + tm - 1) / tm * mr));
      const double cols = static_cast<double>(std::min(n, (tiles_n + tn - 1) / tn * nr));
      const double n_blocks = std::ceil(cols / pr.cfg->nc);
      const double cost = rows * cols + kPackCost * ((pr.a.packed != nullptr ? 0.0 : rows * n_blocks) +
                                                     (pr.b.packed != nullptr ? 0.0 : cols));
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
  Problem pr{&cfg, m, n, k, alpha, beta, a, b, c, ldc, active_epilogue(epilogue)};
  if (k <= 0) {
    scale_only(pr, 0, n);
    return;
  }
  const int mr = cfg.ukernel.mr, nr = cfg.ukernel.nr;
  const Grid g = choose_grid(pr, threads);
  if (g.tm * g.tn == 1) {
    run_region(pr, 0, m, 0, n);
    return;
  }
  // Where the operand a split repeats is pre-packed, C is cut finer than one region per thread
  // and the threads claim regions as they finish: a thread that loses its core for a while (a
  // machine shared with other work) no longer holds the whole call back. Each region packs its
  // own share of the other operand, so rows are cut finer only with B pre-packed and columns
  // only with A pre-packed: columns cut 8 ways with only B pre-packed packed all of A 8 times
  // (BERT's 128 x 3072 by 3072 x 768 at 2 threads).
  const int64_t tiles_m = (m + mr - 1) / mr, tiles_n = (n + nr - 1) / nr;
  const int workers = g.tm * g.tn;
  int64_t regions_m = g.tm, regions_n = g.tn;
  if (b.packed != nullptr && g.tm > 1) {
    regions_m = std::min<int64_t>(tiles_m, int64_t{g.tm} * kRegionsPerThread);
  } else if (a.packed != nullptr && g.tn > 1) {
    regions_n = std::min<int64_t>(tiles_n, int64_t{g.tn} * kRegionsPerThread);
  }
  parallel_for_claimed(regions_m * regions_n, workers, [&](int64_t r) {
    const int64_t rm = r / regions_n, rn = r % regions_n;
    const int64_t m0 = tiles_m * rm / regions_m * mr, m1 = std::min(m, tiles_m * (rm + 1) / regions_m * mr);
    const int64_t n0 = tiles_n * rn / regions_n * nr, n1 = std::min(n, tiles_n * (rn + 1) / regions_n * nr);
    run_region(pr, m0, m1, n0, n1);
  });
}

std::pair<int64_t, int64_t> gemm_f32_packed_share_with(const GemmF32Config& cfg, bool trans_a, int64_t m, float alpha,
                                                       const float* a, int64_t lda, const PackedMatrixB& b, float beta,
                                                       float* c, int64_t ldc, int part, int parts,
                                                       const GemmEpilogue& epilogue) {
  ONYXRT_ENFORCE(b.empty() || PackedAccess::fits(b, cfg), "gemm: B was packed for another microkernel");
  ONYXRT_ENFORCE(parts >= 1 && part >= 0 && part < parts, "gemm: share ", part, " of ", parts, " does not exist");
  const int64_t n = b.n(), nr = cfg.ukernel.nr, panels = (n + nr - 1) / nr;
  const int64_t n0 = std::min(n, panels * part / parts * nr), n1 = std::min(n, panels * (part + 1) / parts * nr);
  if (m <= 0 || n0 >= n1) return {n0, n1};
  // The whole product's problem, run over columns [n0, n1) only: B's panels start n0 / NR panels
  // in, each K slice's panels being side by side, so run_region reaches them from the whole matrix.
  const GemmOperand packed_b{nullptr, 0, false, PackedAccess::data(b)};
  Problem pr{&cfg, m, n, b.k(), alpha, beta, GemmOperand{a, lda, trans_a, nullptr}, packed_b, c, ldc,
             active_epilogue(epilogue)};
  if (pr.k <= 0) {
    scale_only(pr, n0, n1);
  } else {
    run_region(pr, 0, m, n0, n1);
  }
  return {n0, n1};
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

std::pair<int64_t, int64_t> gemm_f32_packed_share(bool trans_a, int64_t m, float alpha, const float* a, int64_t lda,
                                                  const PackedMatrixB& b, float beta, float* c, int64_t ldc, int part,
                                                  int parts, const GemmEpilogue& epilogue) {
  return gemm_f32_packed_share_with(kernel_table().gemm_f32, trans_a, m, alpha, a, lda, b, beta, c, ldc, part, parts,
                                    epilogue);
}

const char* gemm_f32_kernel_name() { return kernel_table().gemm_f32.ukernel.name; }

}  // namespace onyxrt::kernels
