#pragma once

#include <cstdint>
#include <vector>

#include "ops/kernel.h"

// The batched integer matrix product under MatMulInteger and QLinearMatMul: numpy matmul shapes
// (a 1-D operand promoted to a matrix and its axis dropped from the result, leading axes
// broadcast), zero points per tensor / per row of A / per column of B, int32 results exact up to
// 32-bit wrap-around of the sums.
namespace onyxrt::ops {

struct BatchedMatMul {
  int64_t m = 0, n = 0, k = 0;
  Shape batch;   // the broadcast leading axes
  Shape output;
  int64_t batch_count = 0;
  // Per batch entry, the matrix of A / B it reads. Filled only when the output is not empty.
  std::vector<int64_t> a_matrix, b_matrix;
  bool b_batched = false;  // B holds more than one matrix
};

// Fails with InvalidArgument naming the node and both shapes when they do not multiply.
BatchedMatMul plan_batched_matmul(const KernelContext& ctx, const Shape& a, const Shape& b);

// Which values a per-row (A side) or per-column (B side) quantization parameter holds for batch
// entry t and row / column i: one for all, a 1-D vector of M (rows) or N (columns) values, or an
// N-D tensor shaped [..., M, 1] (rows) / [..., 1, N] (columns) whose leading axes broadcast to
// the batch.
struct MatrixParam {
  std::vector<double> values;
  std::vector<int64_t> batch_offset;  // empty when the same for every batch entry
  int64_t stride = 0;                 // along the rows / columns

  bool batched() const { return !batch_offset.empty(); }
  double at(int64_t t, int64_t i) const { return values[(batch_offset.empty() ? 0 : batch_offset[t]) + i * stride]; }
};

enum class MatrixSide { Rows, Columns };

// Fails with InvalidArgument naming `name` and its shape when it fits none of the forms above.
// A missing parameter (null) is a single 0.
MatrixParam resolve_matrix_param(const KernelContext& ctx, const Tensor* param, const BatchedMatMul& plan,
                                 MatrixSide side, const char* name);

// B (a 2-D int8 / uint8 matrix minus its per-tensor or per-column zero points) packed once, for a
// constant B; `shape` is B's, to check the run's B against.
struct PackedIntegerB {
  Shape shape;
  std::vector<int16_t> data;
};

// The packed form of a constant B and zero point, or nothing when they are not constant or not a
// single matrix with per-tensor / per-column zero points (they are then checked at run time).
PackedIntegerB pack_constant_b(const KernelInfo& info, size_t b_input, size_t b_zero_input);

// y (int32, plan.output) = (A - a_zero) * (B - b_zero) with the plan's batching. `packed` may be
// null or hold B's packed form (used when its shape matches).
void integer_matmul(const KernelContext& ctx, const BatchedMatMul& plan, const Tensor& a, const MatrixParam& a_zero,
                    const Tensor& b, const MatrixParam& b_zero, const PackedIntegerB* packed, int32_t* y);

}  // namespace onyxrt::ops
