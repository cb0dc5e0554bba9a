#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/parallel.h"
#include "ops/kernel.h"

// The one multidirectional (numpy-style) broadcasting engine. Every elementwise operator with
// more than one tensor input (binary arithmetic, comparisons, Where, variadic Sum/Max, PRelu;
// Expand and Tile too) computes its output shape here and walks its operands with a
// BroadcastPlan.
namespace onyxrt::ops {

// Broadcasts `next` into `acc` (right-aligned, a dim of 1 stretches). Returns false, leaving
// `acc` unspecified, when two dims differ and neither is 1.
bool broadcast_shape_into(Shape& acc, const Shape& next);

// The broadcast shape of inputs [first, first + count) of the node; fails with InvalidArgument
// naming the node and each input with its shape when they do not broadcast.
Shape broadcast_input_shapes(const KernelContext& ctx, size_t first, size_t count);

// The limited broadcast of binary operators before opset 7, set by their 'broadcast' and 'axis'
// attributes: without 'broadcast', B must have A's shape; with it, B's shape must match a run of
// A's dims (or be 1s there) starting at 'axis', or ending with A's last dim when 'axis' is absent.
// The output always has A's shape.
class LegacyBroadcast {
 public:
  explicit LegacyBroadcast(const KernelInfo& info);
  // B's shape extended with 1s to A's rank, ready for BroadcastPlan(A's shape, {A, view}).
  Shape view_of_b(const KernelContext& ctx, const Shape& a, const Shape& b) const;

 private:
  bool enabled_;
  bool has_axis_;
  int64_t axis_;
};

// How to walk N operands broadcast to an output shape. Dims of size 1 are dropped and adjacent
// dims that are contiguous for every operand are merged, so that same-shape operands become one
// flat run and a row (or column) broadcast becomes runs where each operand either advances with
// the output (inner stride 1) or repeats one element (inner stride 0).
class BroadcastPlan {
 public:
  static constexpr size_t kMaxOperands = 8;

  // `operands` are the input shapes; each must broadcast to `output` (checked).
  BroadcastPlan(const Shape& output, const std::vector<const Shape*>& operands);

  int64_t output_size() const { return output_size_; }
  size_t operand_count() const { return operand_count_; }
  // 1 when operand i advances with the output inside a run, 0 when it repeats one element.
  int64_t inner_stride(size_t i) const { return strides_[i * rank_ + rank_ - 1]; }

  // Calls f(out_offset, in_offsets, length) for the runs covering output elements [begin, end):
  // out_offset .. out_offset + length - 1 are output positions, in_offsets[i] the position of
  // operand i's first element; within a run operand i advances by inner_stride(i).
  template <class F>
  void for_each_run(int64_t begin, int64_t end, F&& f) const;

 private:
  int64_t output_size_ = 0;
  size_t operand_count_ = 0;
  size_t rank_ = 1;                // collapsed rank, at least 1
  std::vector<int64_t> dims_;      // collapsed output dims, outermost first
  std::vector<int64_t> strides_;   // [operand][dim] element strides, 0 where broadcast
};

// Runs plan.for_each_run over the whole output on up to `threads` threads, in chunks of at least
// kElementwiseGrain elements. `f` must not throw (it runs inside a parallel region).
inline constexpr int64_t kElementwiseGrain = 16384;
template <class F>
void parallel_runs(const BroadcastPlan& plan, int threads, const F& f);

// ---- implementation of the templates ----

template <class F>
void BroadcastPlan::for_each_run(int64_t begin, int64_t end, F&& f) const {
  if (begin >= end) return;
  const size_t n = operand_count_, r = rank_;
  int64_t index[16];  // multi-index over the collapsed dims; the heap only for absurd ranks
  std::vector<int64_t> index_heap;
  int64_t* idx = index;
  if (r > 16) {
    index_heap.resize(r);
    idx = index_heap.data();
  }
  int64_t offsets[kMaxOperands];
  int64_t rest = begin;
  for (size_t d = r; d-- > 0;) {
    idx[d] = rest % dims_[d];
    rest /= dims_[d];
  }
  for (size_t i = 0; i < n; ++i) {
    int64_t off = 0;
    for (size_t d = 0; d < r; ++d) off += idx[d] * strides_[i * r + d];
    offsets[i] = off;
  }
  const int64_t inner = dims_[r - 1];
  int64_t pos = begin;
  while (pos < end) {
    int64_t len = inner - idx[r - 1];
    if (len > end - pos) len = end - pos;
    f(pos, static_cast<const int64_t*>(offsets), len);
    pos += len;
    if (pos >= end) break;
    // Advance to the next run: finish the inner dim, then carry outward.
    for (size_t i = 0; i < n; ++i) offsets[i] += (inner - idx[r - 1]) * strides_[i * r + r - 1];
    idx[r - 1] = inner;
    for (size_t d = r - 1;; --d) {
      if (idx[d] < dims_[d] || d == 0) break;
      for (size_t i = 0; i < n; ++i) offsets[i] += strides_[i * r + d - 1] - dims_[d] * strides_[i * r + d];
      idx[d] = 0;
      ++idx[d - 1];
    }
  }
}

template <class F>
void parallel_runs(const BroadcastPlan& plan, int threads, const F& f) {
  parallel_for(plan.output_size(), kElementwiseGrain, threads,
               [&](int64_t begin, int64_t end) { plan.for_each_run(begin, end, f); });
}

}  // namespace onyxrt::ops
