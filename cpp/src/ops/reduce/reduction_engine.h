#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "base/parallel.h"
#include "ops/kernel.h"

// The one reduction engine: every Reduce* operator (and the single-axis ArgMax / CumSum / TopK
// through split_at_axis) shares its axis handling and its loops.
//
// A reduction is planned from the input shape and the set of reduced axes: size-1 dims are
// dropped and adjacent dims of the same kind (kept / reduced) are merged, so that any request
// becomes an alternation like [K R K]. Two loop forms then cover everything:
//   rows form (last merged dim kept): each output row of `inner` contiguous elements is the
//     fold of input rows; a block of columns' accumulators sits on the stack, the loop over it
//     is contiguous and vectorises.
//   runs form (last merged dim reduced): each output element folds contiguous runs of `run`
//     input elements, with several independent accumulators to break the dependency chain.
// Both restart their accumulators every few thousand elements and merge, so a float sum's
// rounding error grows with the block, not with the whole reduction.
// Outputs are spread over threads; when there are fewer outputs than threads and much data
// (reduce-all, say), the reduced positions are split instead and the partial accumulators merged.
namespace onyxrt::ops {

// The validated reduction of one input shape.
struct ReductionPlan {
  Shape output_shape;         // keepdims applied
  int64_t output_size = 0;    // element count of the output
  int64_t reduced_size = 1;   // input elements folded into each output element (0: empty set)
  bool reduces_nothing = false;  // no axis of extent > 1 is reduced: out[i] = finish(in[i])

  // Merged geometry (only meaningful when output_size > 0 and reduced_size > 0).
  bool runs_form = false;
  int64_t inner = 1;  // rows form: contiguous kept extent at the end
  int64_t run = 1;    // runs form: contiguous reduced extent at the end
  // Kept dims iterated per output element (rows form: per output row), outermost first.
  std::vector<int64_t> outer_dims, outer_strides;
  // Reduced dims iterated per output (runs form: excluding the contiguous run), outermost first.
  std::vector<int64_t> fold_dims, fold_strides;
  int64_t fold_count = 1;  // product of fold_dims
};

// One flag per input axis: reduced or not. Negative axes count from the end; empty `axes` mean
// every axis, or none with noop_with_empty_axes. Fails through ctx, naming the node, on an axis
// out of range or named twice.
std::vector<bool> reduced_axes_mask(const KernelContext& ctx, const std::vector<int64_t>& axes,
                                    bool noop_with_empty_axes, int64_t rank);

// Plans the reduction of `shape` over the flagged axes (fails through ctx when the output's
// element count overflows, possible only for a zero-sized input).
ReductionPlan plan_reduction(const KernelContext& ctx, const Shape& shape, const std::vector<bool>& reduced,
                             bool keepdims);

// The axes input of the opset 13/18+ Reduce* operators (absent or empty: none given).
std::vector<int64_t> read_axes_input(const KernelContext& ctx, size_t index);

// Fails (through info) when an axes attribute names the same value twice; repeats that only show
// after normalisation against the rank are caught at run time by reduced_axes_mask.
void check_axes_attribute(const KernelInfo& info, const std::vector<int64_t>& axes);

// A shape seen around one axis: [outer, axis_size, inner] in row-major order.
struct AxisSplit {
  int64_t outer = 1, axis_size = 1, inner = 1;
};
// Normalises `axis` in place against the shape's rank (failing through ctx when out of range)
// and splits the shape around it.
AxisSplit split_at_axis(const KernelContext& ctx, const Shape& shape, int64_t& axis);

// Input elements below which a loop stays on one thread.
inline constexpr int64_t kReduceGrain = 32768;

// Walks the offsets of a row-major index space whose dims have the given strides. The index
// lives inline for the usual ranks, so walkers are cheap to make per output.
class OffsetWalker {
 public:
  OffsetWalker(const std::vector<int64_t>& dims, const std::vector<int64_t>& strides, int64_t start)
      : dims_(dims.data()), strides_(strides.data()), rank_(dims.size()) {
    if (rank_ > kInline) heap_.resize(rank_);
    index_ = rank_ > kInline ? heap_.data() : inline_;
    for (size_t d = rank_; d-- > 0;) {
      index_[d] = start % dims_[d];
      start /= dims_[d];
      offset_ += index_[d] * strides_[d];
    }
  }
  OffsetWalker(const OffsetWalker&) = delete;
  OffsetWalker& operator=(const OffsetWalker&) = delete;

  int64_t offset() const { return offset_; }
  void next() {
    for (size_t d = rank_; d-- > 0;) {
      offset_ += strides_[d];
      if (++index_[d] < dims_[d]) return;
      offset_ -= index_[d] * strides_[d];
      index_[d] = 0;
    }
  }

 private:
  static constexpr size_t kInline = 8;
  const int64_t* dims_;
  const int64_t* strides_;
  size_t rank_;
  int64_t inline_[kInline] = {};
  std::vector<int64_t> heap_;
  int64_t* index_ = nullptr;
  int64_t offset_ = 0;
};

// A Reducer R for element type T provides:
//   using Acc = ...;                      accumulator (a number, or a small struct)
//   Acc identity() const;                 the fold of nothing
//   Acc add(Acc acc, const T& x) const;   fold one element in
//   Acc merge(Acc a, Acc b) const;        combine two partial folds
//   T finish(Acc acc, int64_t count) const;  the output for a fold of `count` elements
//   static constexpr bool kArithmeticAdd;  add is branch-free arithmetic (+, *): picks the loop
//                                          shape that the compiler vectorises for it
// add / merge / finish must not throw (they run inside parallel_for).
namespace reduce_detail {

inline constexpr int64_t kLanes = 16;      // independent accumulators in the runs form
inline constexpr int64_t kRunBlock = 4096;  // runs form: elements folded into fresh lanes, then merged
// Rows form: columns per task, their accumulators on the stack (8 KiB: L1-resident, and input
// rows read in bursts long enough for the prefetcher).
template <class Acc>
inline constexpr int64_t kRowBlock = std::max<int64_t>(64, 8192 / static_cast<int64_t>(sizeof(Acc)));
inline constexpr int64_t kFoldBlock = 256;  // rows form: rows folded into fresh accumulators, then merged

// acc[j] = add(acc[j], in[j]) for j < width: the inner loop of the rows form, and of the runs
// form for conditional folds. The pragma keeps GCC from unrolling a constant trip count before
// vectorising: unrolled, it fails to vectorise conditional folds such as a NaN-aware Max.
template <class R, class T>
inline void fold_into(const R& r, typename R::Acc* __restrict acc, const T* __restrict in, int64_t width) {
#pragma GCC unroll 1
  for (int64_t j = 0; j < width; ++j) acc[j] = r.add(acc[j], in[j]);
}

// Folds in[0..n) into acc: kLanes independent accumulators (a dependency chain per lane, which
// vectorises), restarted every kRunBlock elements so that float sums gather error per block
// rather than over the whole run.
template <class R, class T>
typename R::Acc fold_run(const R& r, const T* in, int64_t n, typename R::Acc acc) {
  using Acc = typename R::Acc;
  int64_t i = 0;
  while (n - i >= 2 * kLanes) {
    Acc lanes[kLanes];
    for (int64_t k = 0; k < kLanes; ++k) lanes[k] = r.identity();
    const int64_t stop = i + std::min(kRunBlock, (n - i) / kLanes * kLanes);
    if constexpr (R::kArithmeticAdd) {  // unrolled: the lanes live in vector registers
      for (; i < stop; i += kLanes)
        for (int64_t k = 0; k < kLanes; ++k) lanes[k] = r.add(lanes[k], in[i + k]);
    } else {
      for (; i < stop; i += kLanes) fold_into(r, lanes, in + i, kLanes);
    }
    for (int64_t k = 0; k < kLanes; ++k) acc = r.merge(acc, lanes[k]);
  }
  for (; i < n; ++i) acc = r.add(acc, in[i]);
  return acc;
}

// Runs form: folds the flat reduced positions [k0, k1) of the output whose input starts at `base`.
template <class R, class T>
typename R::Acc fold_runs(const R& r, const ReductionPlan& p, const T* base, int64_t k0, int64_t k1) {
  typename R::Acc acc = r.identity();
  if (k0 >= k1) return acc;
  int64_t q = k0 / p.run, i = k0 % p.run;
  OffsetWalker fold(p.fold_dims, p.fold_strides, q);
  for (int64_t k = k0; k < k1; ++q) {
    const int64_t n = std::min(p.run - i, k1 - k);
    acc = fold_run(r, base + fold.offset() + i, n, acc);
    k += n;
    i = 0;
    fold.next();
  }
  return acc;
}

// Rows form: folds reduced rows [q0, q1) of columns [c0, c0 + width) into acc, through fresh
// accumulators every kFoldBlock rows (as fold_run's blocks, for float sums).
template <class R, class T>
void fold_rows(const R& r, const ReductionPlan& p, const T* base, int64_t q0, int64_t q1, int64_t c0, int64_t width,
               typename R::Acc* acc) {
  using Acc = typename R::Acc;
  if (q0 >= q1) return;
  OffsetWalker fold(p.fold_dims, p.fold_strides, q0);
  if (q1 - q0 <= kFoldBlock) {
    for (int64_t q = q0; q < q1; ++q, fold.next()) fold_into(r, acc, base + fold.offset() + c0, width);
    return;
  }
  Acc block[kRowBlock<Acc>];
  for (int64_t q = q0; q < q1;) {
    const int64_t stop = std::min(q1, q + kFoldBlock);
    for (int64_t j = 0; j < width; ++j) block[j] = r.identity();
    for (; q < stop; ++q, fold.next()) fold_into(r, block, base + fold.offset() + c0, width);
    for (int64_t j = 0; j < width; ++j) acc[j] = r.merge(acc[j], block[j]);
  }
}

// Tasks [t0, t1) (runs form: output elements; rows form: (output row, column block) pairs)
// folded over all reduced positions and finished.
template <class R, class T>
void reduce_outputs(const R& r, const ReductionPlan& p, const T* in, T* out, int64_t t0, int64_t t1) {
  using Acc = typename R::Acc;
  if (p.runs_form) {
    OffsetWalker outer(p.outer_dims, p.outer_strides, t0);
    for (int64_t o = t0; o < t1; ++o, outer.next())
      out[o] = r.finish(fold_runs(r, p, in + outer.offset(), 0, p.reduced_size), p.reduced_size);
    return;
  }
  constexpr int64_t kBlock = kRowBlock<Acc>;
  const int64_t blocks = (p.inner + kBlock - 1) / kBlock;
  Acc acc[kBlock];
  OffsetWalker outer(p.outer_dims, p.outer_strides, t0 / blocks);
  for (int64_t t = t0; t < t1; ++t) {
    const int64_t row = t / blocks, c0 = (t % blocks) * kBlock, width = std::min(kBlock, p.inner - c0);
    if (t != t0 && c0 == 0) outer.next();
    for (int64_t j = 0; j < width; ++j) acc[j] = r.identity();
    fold_rows(r, p, in + outer.offset(), 0, p.fold_count, c0, width, acc);
    T* dst = out + row * p.inner + c0;
    for (int64_t j = 0; j < width; ++j) dst[j] = r.finish(acc[j], p.reduced_size);
  }
}

// Few outputs, much data: each of `parts` tasks folds a slice of the reduced positions of every
// output into partials[part * output_size + o]; the partials are then merged and finished.
template <class R, class T>
void reduce_split(const R& r, const ReductionPlan& p, const T* in, T* out, int64_t parts, int threads) {
  using Acc = typename R::Acc;
  const int64_t n = p.output_size;
  // Not a std::vector: Acc may be bool, and vector<bool> has no data().
  auto partials = std::make_unique<Acc[]>(static_cast<size_t>(n * parts));
  std::fill(partials.get(), partials.get() + n * parts, r.identity());
  const int64_t positions = p.runs_form ? p.reduced_size : p.fold_count;
  parallel_for(parts, 1, threads, [&](int64_t b, int64_t e) {
    for (int64_t part = b; part < e; ++part) {
      const int64_t k0 = positions * part / parts, k1 = positions * (part + 1) / parts;
      Acc* dst = partials.get() + part * n;
      if (p.runs_form) {
        OffsetWalker outer(p.outer_dims, p.outer_strides, 0);
        for (int64_t o = 0; o < n; ++o, outer.next()) dst[o] = fold_runs(r, p, in + outer.offset(), k0, k1);
        continue;
      }
      OffsetWalker outer(p.outer_dims, p.outer_strides, 0);
      for (int64_t row = 0; row < n / p.inner; ++row, outer.next())
        for (int64_t c0 = 0; c0 < p.inner; c0 += kRowBlock<Acc>)
          fold_rows(r, p, in + outer.offset(), k0, k1, c0, std::min(kRowBlock<Acc>, p.inner - c0),
                    dst + row * p.inner + c0);
    }
  });
  for (int64_t o = 0; o < n; ++o) {
    Acc acc = partials[static_cast<size_t>(o)];
    for (int64_t part = 1; part < parts; ++part) acc = r.merge(acc, partials[static_cast<size_t>(part * n + o)]);
    out[o] = r.finish(acc, p.reduced_size);
  }
}

}  // namespace reduce_detail

// out = the reduction `p` of in, folded by r. `out` has p.output_size elements.
template <class R, class T>
void run_reduction(const R& r, const ReductionPlan& p, const T* in, T* out, int threads) {
  using namespace reduce_detail;
  if (p.output_size == 0) return;
  if (p.reduced_size == 0) {  // an empty set per output: the op's identity, finished
    const T value = r.finish(r.identity(), 0);
    std::fill(out, out + p.output_size, value);
    return;
  }
  const int64_t total = p.output_size * p.reduced_size;
  constexpr int64_t kBlock = kRowBlock<typename R::Acc>;
  const int64_t tasks = p.runs_form ? p.output_size : (p.output_size / p.inner) * ((p.inner + kBlock - 1) / kBlock);
  const int64_t positions = p.runs_form ? p.reduced_size : p.fold_count;
  if (threads > 1 && tasks < threads && total >= 4 * kReduceGrain && positions >= 2) {
    // Partials take output_size * parts accumulators: bounded, as parts <= total / kReduceGrain.
    const int64_t parts = std::min<int64_t>({threads, positions, total / kReduceGrain});
    if (parts >= 2) return reduce_split(r, p, in, out, parts, threads);
  }
  const int64_t per_task = std::max<int64_t>(1, total / std::max<int64_t>(tasks, 1));
  const int64_t grain = std::max<int64_t>(1, kReduceGrain / per_task);
  parallel_for(tasks, grain, threads, [&](int64_t t0, int64_t t1) { reduce_outputs(r, p, in, out, t0, t1); });
}

}  // namespace onyxrt::ops
