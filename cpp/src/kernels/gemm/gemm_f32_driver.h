#pragma once

// The f32 GEMM driver with an explicit microkernel and blocking: what gemm.h's functions run
// with kernel_table().gemm_f32, and what the tests run with every variant of gemm_f32.inc.
#include <cstdint>

#include "kernels/dispatch.h"
#include "kernels/gemm.h"

namespace onyxrt::kernels {

// Reads and writes the packed matrices' private parts (packing and the driver only).
struct PackedAccess {
  static PackedMatrixB make_b(int64_t k, int64_t n, int nr, int kc, std::shared_ptr<void> storage) {
    PackedMatrixB p;
    p.k_ = k, p.n_ = n, p.nr_ = nr, p.kc_ = kc;
    p.data_ = static_cast<const float*>(storage.get());
    p.storage_ = std::move(storage);
    return p;
  }
  static PackedMatrixA make_a(int64_t m, int64_t k, int mr, int kc, std::shared_ptr<void> storage) {
    PackedMatrixA p;
    p.m_ = m, p.k_ = k, p.mr_ = mr, p.kc_ = kc;
    p.data_ = static_cast<const float*>(storage.get());
    p.storage_ = std::move(storage);
    return p;
  }
  static const float* data(const PackedMatrixB& p) { return p.data_; }
  static const float* data(const PackedMatrixA& p) { return p.data_; }
  static bool fits(const PackedMatrixB& p, const GemmF32Config& c) { return p.nr_ == c.ukernel.nr && p.kc_ == c.kc; }
  static bool fits(const PackedMatrixA& p, const GemmF32Config& c) { return p.mr_ == c.ukernel.mr && p.kc_ == c.kc; }
};

// The depth of the K slices of a K-long product: K cut into ceil(K / KC) near-equal slices, so a
// K just above KC does not leave a thin last slice that pays a whole pass over C for a few steps.
// Whole-matrix packing and the driver both step through K by it.
inline int64_t gemm_f32_slice_depth(const GemmF32Config& cfg, int64_t k) {
  const int64_t slices = k > cfg.kc ? (k + cfg.kc - 1) / cfg.kc : 1;
  return (k + slices - 1) / slices;
}

// Packing of one cache block into microkernel panels (gemm/pack_f32.cpp).
// op(A) rows [row0, row0 + mc) x columns [p0, p0 + kc) -> ceil(mc / mr) panels of kc x mr.
void pack_a_block_f32(bool trans, const float* a, int64_t lda, int64_t row0, int64_t mc, int64_t p0, int64_t kc,
                      int mr, float* dst);
// op(B) rows [p0, p0 + kc) x columns [col0, col0 + nc) -> ceil(nc / nr) panels of kc x nr.
void pack_b_block_f32(bool trans, const float* b, int64_t ldb, int64_t p0, int64_t kc, int64_t col0, int64_t nc,
                      int nr, float* dst);

// C[rows x nc] (+)= alpha * A * Bp over kc steps for one short row panel (rows < MR, row i's
// k values at a + p * a_stride + i; Bp: nc columns of packed B panels), then the epilogue (null:
// none) for C's place (row0, col0) in the whole product: the full column panels in one short-row
// microkernel call per 256, a narrow last panel through a scratch tile.
void gemm_f32_short_panel(const GemmF32Ukernel& uk, int64_t kc, int rows, const float* a, int64_t a_stride,
                          const float* bp, int64_t nc, float* c, int64_t ldc, float alpha, float beta,
                          const GemmEpilogue* ep, int64_t row0, int64_t col0);

PackedMatrixB pack_b_f32_with(const GemmF32Config& cfg, bool trans_b, int64_t k, int64_t n, const float* b,
                              int64_t ldb);
PackedMatrixA pack_a_f32_with(const GemmF32Config& cfg, bool trans_a, int64_t m, int64_t k, const float* a,
                              int64_t lda);

// One operand of the driver: a plain matrix (data, ld, trans) or whole-matrix packed panels.
struct GemmOperand {
  const float* data = nullptr;
  int64_t ld = 0;
  bool trans = false;
  const float* packed = nullptr;  // when set, data / ld / trans are unused
};

void gemm_f32_run(const GemmF32Config& cfg, int64_t m, int64_t n, int64_t k, float alpha, const GemmOperand& a,
                  const GemmOperand& b, float beta, float* c, int64_t ldc, int threads, const GemmEpilogue& epilogue);

void gemm_f32_with(const GemmF32Config& cfg, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
                   float alpha, const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                   int64_t ldc, int threads, const GemmEpilogue& epilogue = {});
void gemm_f32_packed_with(const GemmF32Config& cfg, bool trans_a, int64_t m, float alpha, const float* a,
                          int64_t lda, const PackedMatrixB& b, float beta, float* c, int64_t ldc, int threads,
                          const GemmEpilogue& epilogue = {});
std::pair<int64_t, int64_t> gemm_f32_packed_share_with(const GemmF32Config& cfg, bool trans_a, int64_t m, float alpha,
                                                       const float* a, int64_t lda, const PackedMatrixB& b, float beta,
                                                       float* c, int64_t ldc, int part, int parts,
                                                       const GemmEpilogue& epilogue = {});
void gemm_f32_packed_with(const GemmF32Config& cfg, const PackedMatrixA& a, bool trans_b, int64_t n, float alpha,
                          const float* b, int64_t ldb, float beta, float* c, int64_t ldc, int threads,
                          const GemmEpilogue& epilogue = {});

}  // namespace onyxrt::kernels
