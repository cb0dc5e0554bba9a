#pragma once

#include <cstdint>

#include "base/parallel.h"
#include "ops/broadcast.h"
#include "ops/elementwise_types.h"

// Loops that apply a functor elementwise, shared by the unary, binary and variadic families.
// Functors work on compute types (compute_t: float for the 16-bit floats); these loops convert
// storage <-> compute around them. The plain-type loops are written so that the compiler can
// vectorise them (contiguous, restrict-qualified, no calls besides the functor).
namespace onyxrt::ops {

// out[i] = op(in[i]) for i in [0, n), in parallel chunks. `op` must not throw. out may be in
// (in place: KernelContext::output_in_place_of); no other overlap. The loops say ivdep instead of
// restrict: element i is read before it is written, so no dependence crosses iterations.
template <class TIn, class TOut, class Op>
void unary_apply(const TIn* in, TOut* out, int64_t n, const Op& op, int threads) {
  parallel_for(n, kElementwiseGrain, threads, [&](int64_t begin, int64_t end) {
    const TIn* src = in + begin;
    TOut* dst = out + begin;
    const int64_t count = end - begin;
#pragma GCC ivdep
    for (int64_t i = 0; i < count; ++i) dst[i] = from_compute<TOut>(op(to_compute(src[i])));
  });
}

// One run of a binary loop: the four stride cases as separate loops so that each vectorises. out
// may be a strided input itself (in place), as in unary_apply.
template <class TA, class TB, class TR, class Op>
inline void binary_run(const TA* a, int64_t stride_a, const TB* b, int64_t stride_b, TR* out, int64_t n,
                       const Op& op) {
  if (stride_a && stride_b) {
#pragma GCC ivdep
    for (int64_t i = 0; i < n; ++i) out[i] = from_compute<TR>(op(to_compute(a[i]), to_compute(b[i])));
  } else if (stride_a) {
    const auto bv = to_compute(b[0]);
#pragma GCC ivdep
    for (int64_t i = 0; i < n; ++i) out[i] = from_compute<TR>(op(to_compute(a[i]), bv));
  } else if (stride_b) {
    const auto av = to_compute(a[0]);
#pragma GCC ivdep
    for (int64_t i = 0; i < n; ++i) out[i] = from_compute<TR>(op(av, to_compute(b[i])));
  } else {
    const TR v = from_compute<TR>(op(to_compute(a[0]), to_compute(b[0])));
    for (int64_t i = 0; i < n; ++i) out[i] = v;
  }
}

// out = op(a, b) with a and b broadcast to the plan's output. `op` must not throw.
template <class TA, class TB, class TR, class Op>
void binary_apply(const BroadcastPlan& plan, const TA* a, const TB* b, TR* out, const Op& op, int threads) {
  const int64_t sa = plan.inner_stride(0), sb = plan.inner_stride(1);
  parallel_runs(plan, threads, [&](int64_t out_offset, const int64_t* in, int64_t n) {
    binary_run(a + in[0], sa, b + in[1], sb, out + out_offset, n, op);
  });
}

}  // namespace onyxrt::ops
