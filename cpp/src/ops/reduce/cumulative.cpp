#include <algorithm>
#include <iterator>

#include "base/parallel.h"
#include "ops/elementwise_types.h"
#include "ops/op_table.h"
#include "ops/reduce/reduce_parts.h"
#include "ops/reduce/reducers.h"
#include "ops/reduce/reduction_engine.h"

// CumSum (opset 11), CumProd (opset 26): running sums / products along the axis given as a
// scalar input. `exclusive` shifts by one (the first output is the identity), `reverse` runs
// from the end. Accumulators are those of the Reduce* sums (reducers.h): float for float and the
// 16-bit floats, double for double, integers in 64 bits with wrap-around.
namespace onyxrt::ops {
namespace {

using reducers::sum_acc_t;

struct Plus {
  template <class A>
  static A identity() {
    return A(0);
  }
  template <class A>
  static A apply(A a, A b) {
    return reducers::acc_add(a, b);
  }
};
struct Times {
  template <class A>
  static A identity() {
    return A(1);
  }
  template <class A>
  static A apply(A a, A b) {
    return reducers::acc_mul(a, b);
  }
};

constexpr int64_t kColumnBlock = 256;

// One [n, inner] slab, columns [c0, c0 + width).
template <class Op, class T>
void scan_columns(const T* in, T* out, int64_t n, int64_t inner, int64_t c0, int64_t width, bool exclusive,
                  bool reverse) {
  using A = sum_acc_t<T>;
  A acc[kColumnBlock];
  for (int64_t j = 0; j < width; ++j) acc[j] = Op::template identity<A>();
  for (int64_t step = 0; step < n; ++step) {
    const int64_t i = reverse ? n - 1 - step : step;
    const T* src = in + i * inner + c0;
    T* dst = out + i * inner + c0;
    if (exclusive) {
      for (int64_t j = 0; j < width; ++j) {
        dst[j] = reducers::narrow<T>(acc[j]);
        acc[j] = Op::apply(acc[j], static_cast<A>(to_compute(src[j])));
      }
    } else {
      for (int64_t j = 0; j < width; ++j) {
        acc[j] = Op::apply(acc[j], static_cast<A>(to_compute(src[j])));
        dst[j] = reducers::narrow<T>(acc[j]);
      }
    }
  }
}

template <class Op, class T>
void scan(const T* in, T* out, const AxisSplit& s, bool exclusive, bool reverse, int threads) {
  const int64_t blocks = (s.inner + kColumnBlock - 1) / kColumnBlock;
  const int64_t per_task = s.axis_size * std::min(s.inner, kColumnBlock);
  const int64_t grain = std::max<int64_t>(1, kReduceGrain / std::max<int64_t>(1, per_task));
  parallel_for(s.outer * blocks, grain, threads, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t o = t / blocks, c0 = (t % blocks) * kColumnBlock, offset = o * s.axis_size * s.inner;
      scan_columns<Op>(in + offset, out + offset, s.axis_size, s.inner, c0, std::min(kColumnBlock, s.inner - c0),
                       exclusive, reverse);
    }
  });
}

// The axis input: a scalar (or a one-element 1-D tensor) of int32 or int64.
int64_t read_axis(const KernelContext& ctx) {
  const Tensor& t = ctx.input(1);
  if (t.rank() > 1 || t.size() != 1)
    ctx.fail(ErrorCode::InvalidArgument, "input 'axis' must be a scalar, got shape ", shape_to_string(t.shape()));
  if (t.dtype() == DataType::Int64) return t.data<int64_t>()[0];
  if (t.dtype() == DataType::Int32) return t.data<int32_t>()[0];
  ctx.fail(ErrorCode::InvalidArgument, "input 'axis' has element type ", data_type_name(t.dtype()),
           ", expected int32 or int64");
}

using CumulativeTypeList = TypeList<float, double, fp16_t, bf16_t, int32_t, int64_t, uint32_t, uint64_t>;

template <class Op>
class CumulativeKernel final : public OpKernel {
 public:
  explicit CumulativeKernel(const KernelInfo& info)
      : exclusive_(info.attr_int("exclusive", 0) != 0), reverse_(info.attr_int("reverse", 0) != 0) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    int64_t axis = read_axis(ctx);
    const AxisSplit split = split_at_axis(ctx, x.shape(), axis);
    Tensor& y = ctx.output(0, x.dtype(), x.shape());
    if (y.size() == 0) return;
    const bool supported = visit_type(x.dtype(), CumulativeTypeList{}, [&](auto tag) {
      using T = typename decltype(tag)::type;
      scan<Op>(x.data<T>(), y.data<T>(), split, exclusive_, reverse_, ctx.threads());
    });
    if (!supported)
      ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(x.dtype()), " is not supported");
  }

 private:
  bool exclusive_;
  bool reverse_;
};

constexpr TypeSet kCumSumTypes11{DataType::Float, DataType::Double, DataType::Int32,
                                 DataType::Int64, DataType::UInt32, DataType::UInt64};
constexpr TypeSet kCumTypes14 = kCumSumTypes11 | TypeSet{DataType::Float16, DataType::BFloat16};

constexpr OpRow kCumulativeRows[] = {
    {"CumSum", 11, kCumSumTypes11, make_kernel<CumulativeKernel<Plus>>},
    {"CumSum", 14, kCumTypes14, make_kernel<CumulativeKernel<Plus>>},
    {"CumProd", 26, kCumTypes14, make_kernel<CumulativeKernel<Times>>},
};
static_assert(std::size(kCumulativeRows) == 3, "update the row count together with the table");

}  // namespace

void register_cumulative(Registry& r) { register_rows(r, kCumulativeRows); }

}  // namespace onyxrt::ops
