#include <algorithm>
#include <cmath>
#include <iterator>
#include <type_traits>
#include <vector>

#include "base/parallel.h"
#include "ops/elementwise_types.h"
#include "ops/op_table.h"
#include "ops/reduce/reduce_parts.h"
#include "ops/reduce/reduction_engine.h"

// TopK: the k largest (or smallest, opset 11) elements along an axis and their int64 indices.
// k is an attribute at opset 1 and an input from 10. Order: by value, equal values by lower
// index first; NaN ranks above every number (numpy's sort order, which the reference uses), so
// NaNs lead the largest and trail the smallest. Outputs are always sorted: with sorted=0 the
// order is unspecified, and sorted is one valid choice.
namespace onyxrt::ops {
namespace {

template <class C>
struct Candidate {
  C value;
  int64_t index;
};

template <bool kLargest, class C>
inline bool ranks_before(const Candidate<C>& a, const Candidate<C>& b) {
  if constexpr (std::is_floating_point_v<C>) {
    const bool a_nan = std::isnan(a.value), b_nan = std::isnan(b.value);
    if (a_nan || b_nan) {
      if (a_nan && b_nan) return a.index < b.index;
      return kLargest ? a_nan : b_nan;
    }
  }
  if (a.value != b.value) return kLargest ? a.value > b.value : a.value < b.value;
  return a.index < b.index;
}

template <bool kLargest, class T>
void top_k(const T* in, T* values, int64_t* indices, const AxisSplit& s, int64_t k, int threads) {
  using C = compute_t<T>;
  const int64_t n = s.axis_size, slices = s.outer * s.inner;
  const int64_t grain = std::max<int64_t>(1, kReduceGrain / std::max<int64_t>(1, n));
  auto before = [](const Candidate<C>& a, const Candidate<C>& b) { return ranks_before<kLargest>(a, b); };
  parallel_for(slices, grain, threads, [&](int64_t b, int64_t e) {
    std::vector<Candidate<C>> row(static_cast<size_t>(n));
    for (int64_t slice = b; slice < e; ++slice) {
      const int64_t o = slice / s.inner, j = slice % s.inner;
      const T* src = in + o * n * s.inner + j;
      for (int64_t i = 0; i < n; ++i) row[static_cast<size_t>(i)] = {to_compute(src[i * s.inner]), i};
      // Select the k first (linear), then order only those.
      if (k < n) std::nth_element(row.begin(), row.begin() + k - 1, row.end(), before);
      std::sort(row.begin(), row.begin() + k, before);
      const int64_t base = o * k * s.inner + j;
      for (int64_t r = 0; r < k; ++r) {
        const int64_t at = row[static_cast<size_t>(r)].index;
        values[base + r * s.inner] = src[at * s.inner];
        indices[base + r * s.inner] = at;
      }
    }
  });
}

// The K input (opset 10): a one-element int64 tensor.
int64_t read_k(const KernelContext& ctx) {
  const Tensor& t = ctx.input(1);
  if (t.dtype() != DataType::Int64)
    ctx.fail(ErrorCode::InvalidArgument, "input 'K' has element type ", data_type_name(t.dtype()), ", expected int64");
  if (t.rank() > 1 || t.size() != 1)
    ctx.fail(ErrorCode::InvalidArgument, "input 'K' must hold a single value, got shape ", shape_to_string(t.shape()));
  return t.data<int64_t>()[0];
}

enum class KFrom { Attribute, Input };

// kLargestAttr: the version reads `largest` (opset 11 on; before, always the largest).
template <KFrom kK, bool kLargestAttr>
class TopKKernel final : public OpKernel {
 public:
  explicit TopKKernel(const KernelInfo& info)
      : axis_(info.attr_int("axis", -1)), largest_(!kLargestAttr || info.attr_int("largest", 1) != 0) {
    if constexpr (kK == KFrom::Attribute) {
      k_ = info.required_int("k");
      if (k_ < 0) info.fail(ErrorCode::InvalidGraph, "attribute 'k' is ", k_, ", expected k >= 0");
    }
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    int64_t axis = axis_;
    const AxisSplit split = split_at_axis(ctx, x.shape(), axis);
    const int64_t k = kK == KFrom::Input ? read_k(ctx) : k_;
    if (k < 0 || k > split.axis_size)
      ctx.fail(ErrorCode::InvalidArgument, "k = ", k, " is out of range for axis ", axis, " of size ", split.axis_size,
               " (expected 0 <= k <= ", split.axis_size, ")");
    Shape out_shape = x.shape();
    out_shape[static_cast<size_t>(axis)] = k;
    Tensor& values = ctx.output(0, x.dtype(), out_shape);
    Tensor& indices = ctx.output(1, DataType::Int64, out_shape);
    if (values.size() == 0) return;

    const bool supported = visit_type(x.dtype(), NumericTypeList{}, [&](auto tag) {
      using T = typename decltype(tag)::type;
      if (largest_) {
        top_k<true>(x.data<T>(), values.data<T>(), indices.data<int64_t>(), split, k, ctx.threads());
      } else {
        top_k<false>(x.data<T>(), values.data<T>(), indices.data<int64_t>(), split, k, ctx.threads());
      }
    });
    if (!supported)
      ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(x.dtype()), " is not supported");
  }

 private:
  int64_t axis_;
  bool largest_;
  int64_t k_ = 0;
};

constexpr TypeSet kTopKTypes1 = kIeeeFloatTypes;           // float, double, float16
constexpr TypeSet kTopKTypes11 = kNumericTypesNoBf16;      // and every integer
constexpr TypeSet kTopKTypes24 = kNumericTypes;            // and bfloat16

constexpr OpRow kTopKRows[] = {
    {"TopK", 1, kTopKTypes1, make_kernel<TopKKernel<KFrom::Attribute, false>>},
    {"TopK", 10, kTopKTypes1, make_kernel<TopKKernel<KFrom::Input, false>>},
    {"TopK", 11, kTopKTypes11, make_kernel<TopKKernel<KFrom::Input, true>>},
    {"TopK", 24, kTopKTypes24, make_kernel<TopKKernel<KFrom::Input, true>>},
};
static_assert(std::size(kTopKRows) == 4, "update the row count together with the table");

}  // namespace

void register_topk(Registry& r) { register_rows(r, kTopKRows); }

}  // namespace onyxrt::ops
