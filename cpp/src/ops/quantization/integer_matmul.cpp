#include "ops/quantization/integer_matmul.h"

#include <algorithm>

#include "base/parallel.h"
#include "ops/broadcast.h"
#include "ops/elementwise_types.h"
#include "ops/quantization/integer_gemm.h"
#include "ops/quantization/quant_params.h"
#include "ops/shape_check.h"

namespace onyxrt::ops {
namespace {

// For each entry of `batch` (row-major), the index of the matrix read by an operand whose leading
// axes are `lead` (right-aligned to the batch, axes of 1 broadcast).
std::vector<int64_t> broadcast_matrix_index(const Shape& batch, const Shape& lead, int64_t count) {
  const size_t r = batch.size(), shift = r - lead.size();
  std::vector<int64_t> stride(r, 0), index(r, 0), out(static_cast<size_t>(count));
  int64_t s = 1;
  for (size_t d = lead.size(); d-- > 0;) {
    stride[d + shift] = lead[d] == 1 ? 0 : s;
    s *= lead[d];
  }
  int64_t at = 0;
  for (int64_t t = 0; t < count; ++t) {
    out[t] = at;
    for (size_t d = r; d-- > 0;) {  // next multi-index, innermost axis first
      at += stride[d];
      if (++index[d] < batch[d]) break;
      at -= stride[d] * batch[d];
      index[d] = 0;
    }
  }
  return out;
}

using Int8Types = TypeList<int8_t, uint8_t>;

// A's matrix `matrix` for batch entry t, minus its row zero points, into dst (m x k).
void pack_a(const BatchedMatMul& p, const Tensor& a, int64_t matrix, const MatrixParam& zero, int64_t t,
            int32_t* zero_scratch, int16_t* dst) {
  for (int64_t i = 0; i < p.m; ++i) zero_scratch[i] = static_cast<int32_t>(zero.at(t, i));
  visit_type(a.dtype(), Int8Types{}, [&](auto tag) {
    using T = typename decltype(tag)::type;
    pack_rows_s16(a.data<T>() + matrix * p.m * p.k, p.m, p.k, p.k, zero_scratch, 1, dst);
  });
}

// B's matrix `matrix` for batch entry t, minus its column zero points, transposed into dst (n x k).
void pack_b(const BatchedMatMul& p, const Tensor& b, int64_t matrix, const MatrixParam& zero, int64_t t,
            int32_t* zero_scratch, int16_t* dst) {
  for (int64_t j = 0; j < p.n; ++j) zero_scratch[j] = static_cast<int32_t>(zero.at(t, j));
  visit_type(b.dtype(), Int8Types{}, [&](auto tag) {
    using T = typename decltype(tag)::type;
    pack_columns_s16(b.data<T>() + matrix * p.k * p.n, p.k, p.n, p.n, zero_scratch, 1, dst);
  });
}

}  // namespace

BatchedMatMul plan_batched_matmul(const KernelContext& ctx, const Shape& a, const Shape& b) {
  auto mismatch = [&](const char* why) {
    ctx.fail(ErrorCode::InvalidArgument, why, ": A has shape ", shape_to_string(a), ", B has shape ",
             shape_to_string(b));
  };
  if (a.empty() || b.empty()) mismatch("A and B must have rank 1 or more");
  BatchedMatMul p;
  const Shape am = a.size() == 1 ? Shape{1, a[0]} : a;
  const Shape bm = b.size() == 1 ? Shape{b[0], 1} : b;
  p.m = am[am.size() - 2], p.k = am.back(), p.n = bm.back();
  if (bm[bm.size() - 2] != p.k) mismatch("inner dimensions differ");
  const Shape a_lead(am.begin(), am.end() - 2), b_lead(bm.begin(), bm.end() - 2);
  p.batch = a_lead;
  if (!broadcast_shape_into(p.batch, b_lead)) mismatch("batch dimensions do not broadcast");
  p.output = p.batch;
  if (a.size() > 1) p.output.push_back(p.m);
  if (b.size() > 1) p.output.push_back(p.n);
  p.b_batched = shape_size(b_lead) > 1;
  if (checked_output_size(ctx, p.output) == 0) return p;  // nothing to index (the batch may be huge)
  p.batch_count = shape_size(p.batch);
  p.a_matrix = broadcast_matrix_index(p.batch, a_lead, p.batch_count);
  p.b_matrix = broadcast_matrix_index(p.batch, b_lead, p.batch_count);
  return p;
}

MatrixParam resolve_matrix_param(const KernelContext& ctx, const Tensor* param, const BatchedMatMul& plan,
                                 MatrixSide side, const char* name) {
  MatrixParam p;
  if (param == nullptr) {
    p.values = {0.0};
    return p;
  }
  p.values = param_values(ctx, *param);
  if (param->size() == 1) return p;
  const Shape& s = param->shape();
  const bool rows = side == MatrixSide::Rows;
  const int64_t length = rows ? plan.m : plan.n;
  auto bad = [&]() {
    ctx.fail(ErrorCode::InvalidArgument, name, " has shape ", shape_to_string(s),
             rows ? "; expected one value, [M] or [..., M, 1] per row of A, with M = "
                  : "; expected one value, [N] or [..., 1, N] per column of B, with N = ",
             length, " and leading axes that broadcast to the batch ", shape_to_string(plan.batch));
  };
  if (s.size() == 1) {
    if (s[0] != length) bad();
    p.stride = 1;
    return p;
  }
  const size_t r = s.size();
  const int64_t along = rows ? s[r - 2] : s[r - 1], across = rows ? s[r - 1] : s[r - 2];
  if (across != 1 || (along != 1 && along != length) || r - 2 > plan.batch.size()) bad();
  const size_t shift = plan.batch.size() - (r - 2);
  for (size_t d = 0; d + 2 < r; ++d)
    if (s[d] != 1 && s[d] != plan.batch[d + shift]) bad();
  p.stride = along == 1 ? 0 : 1;
  const Shape lead(s.begin(), s.end() - 2);
  if (shape_size(lead) > 1 && plan.batch_count > 0) {
    p.batch_offset = broadcast_matrix_index(plan.batch, lead, plan.batch_count);
    for (int64_t& o : p.batch_offset) o *= along;
  }
  return p;
}

PackedIntegerB pack_constant_b(const KernelInfo& info, size_t b_input, size_t b_zero_input) {
  const Tensor* b = info.constant_input(b_input);
  if (b == nullptr || b->rank() != 2 || (b->dtype() != DataType::Int8 && b->dtype() != DataType::UInt8)) return {};
  const int64_t k = b->dim(0), n = b->dim(1);
  std::vector<int32_t> zero(static_cast<size_t>(n), 0);
  if (info.has_input(b_zero_input)) {
    const Tensor* z = info.constant_input(b_zero_input);
    if (z == nullptr || z->dtype() != b->dtype()) return {};
    const bool per_column = z->size() == n && (z->rank() == 1 || (z->rank() == 2 && z->dim(0) == 1));
    if (z->size() != 1 && !per_column) return {};
    for (int64_t j = 0; j < n; ++j) {
      const int64_t at = z->size() == 1 ? 0 : j;
      zero[j] = b->dtype() == DataType::Int8 ? z->data<int8_t>()[at] : z->data<uint8_t>()[at];
    }
  }
  PackedIntegerB packed;
  packed.shape = b->shape();
  packed.data.resize(static_cast<size_t>(n * k));
  visit_type(b->dtype(), Int8Types{}, [&](auto tag) {
    using T = typename decltype(tag)::type;
    pack_columns_s16(b->data<T>(), k, n, n, zero.data(), 1, packed.data.data());
  });
  return packed;
}

void integer_matmul(const KernelContext& ctx, const BatchedMatMul& p, const Tensor& a, const MatrixParam& a_zero,
                    const Tensor& b, const MatrixParam& b_zero, const PackedIntegerB* packed, int32_t* y) {
  const int64_t count = p.batch_count, m = p.m, n = p.n, k = p.k;
  if (count == 0 || m == 0 || n == 0) return;
  const int threads = ctx.threads();
  if (!p.b_batched && !b_zero.batched()) {
    // One B for every batch entry: pack it once and run the batch as one tall A.
    std::vector<int16_t> own_b;
    const int16_t* bt = nullptr;
    if (packed != nullptr && !packed->data.empty() && packed->shape == b.shape()) {
      bt = packed->data.data();
    } else {
      own_b.resize(static_cast<size_t>(n * k));
      std::vector<int32_t> zero(static_cast<size_t>(n));
      pack_b(p, b, 0, b_zero, 0, zero.data(), own_b.data());
      bt = own_b.data();
    }
    std::vector<int16_t> a16(static_cast<size_t>(count * m * k));
    std::vector<int32_t> zeros(static_cast<size_t>(count * m));
    const int64_t grain = std::max<int64_t>(1, 65536 / std::max<int64_t>(1, m * k));
    parallel_for(count, grain, threads, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t)
        pack_a(p, a, p.a_matrix[t], a_zero, t, zeros.data() + t * m, a16.data() + t * m * k);
    });
    gemm_s16_nt(count * m, n, k, a16.data(), bt, y, n, threads);
    return;
  }
  // B differs per batch entry: each entry packs both operands. Entries run in parallel over
  // per-slot scratch (allocated here, so nothing allocates inside the parallel region), or one
  // after another with a threaded product when there are fewer entries than threads.
  const int slots = threads <= 1 || count < threads ? 1 : threads;
  const int64_t per_slot = (m + n) * k;
  std::vector<int16_t> scratch(static_cast<size_t>(slots * per_slot));
  std::vector<int32_t> zeros(static_cast<size_t>(slots * std::max(m, n)));
  auto one = [&](int64_t t, int slot, int gemm_threads) {
    int16_t* a16 = scratch.data() + slot * per_slot;
    int16_t* b16 = a16 + m * k;
    int32_t* z = zeros.data() + slot * std::max(m, n);
    pack_a(p, a, p.a_matrix[t], a_zero, t, z, a16);
    pack_b(p, b, p.b_matrix[t], b_zero, t, z, b16);
    gemm_s16_nt(m, n, k, a16, b16, y + t * m * n, n, gemm_threads);
  };
  if (slots == 1) {
    for (int64_t t = 0; t < count; ++t) one(t, 0, threads);
    return;
  }
  parallel_for(slots, 1, threads, [&](int64_t s0, int64_t s1) {
    for (int64_t s = s0; s < s1; ++s)
      for (int64_t t = s; t < count; t += slots) one(t, static_cast<int>(s), 1);
  });
}

}  // namespace onyxrt::ops
