#include <cmath>
#include <iterator>

#include "ops/elementwise_types.h"
#include "ops/op_table.h"
#include "ops/shape_check.h"
#include "ops/tensor/shape_ops_parts.h"

namespace onyxrt::ops {
namespace {

// Range(start, limit, delta): max(ceil((limit - start) / delta), 0) elements start + i * delta.
// Integers count exactly in int64; floats in double (numpy.arange, the reference); the 16-bit
// floats of Range-27 in the 'stash_type' precision (float by default, or double).
template <bool kHasStashType>
class RangeKernel final : public OpKernel {
 public:
  explicit RangeKernel(const KernelInfo& info) {
    if constexpr (kHasStashType) {
      int64_t stash = info.attr_int("stash_type", 1);
      if (stash != static_cast<int64_t>(DataType::Float) && stash != static_cast<int64_t>(DataType::Double))
        info.fail(ErrorCode::InvalidGraph, "attribute 'stash_type' is ", stash, ", expected 1 (float) or 11 (double)");
      stash_double_ = stash == static_cast<int64_t>(DataType::Double);
    }
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& start = ctx.input(0);
    for (size_t i = 0; i < 3; ++i) {
      const Tensor& t = ctx.input(i);
      if (t.size() != 1 || t.dtype() != start.dtype())
        ctx.fail(ErrorCode::InvalidArgument, "input '", ctx.node().inputs[i], "' must be a scalar of the type of ",
                 "'start' (", data_type_name(start.dtype()), "), got ", data_type_name(t.dtype()), " of shape ",
                 shape_to_string(t.shape()));
    }
    using Types = TypeList<float, double, fp16_t, bf16_t, int16_t, int32_t, int64_t>;
    bool supported = visit_type(start.dtype(), Types{}, [&](auto tag) {
      using T = typename decltype(tag)::type;
      if constexpr (std::is_integral_v<T>) {
        fill_integers<T>(ctx);
      } else if (std::is_same_v<T, float> || std::is_same_v<T, double> || stash_double_) {
        fill_floats<T, double>(ctx);
      } else {
        fill_floats<T, float>(ctx);
      }
    });
    if (!supported)
      ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(start.dtype()), " is not supported");
  }

 private:
  template <class T>
  static void fill_integers(KernelContext& ctx) {
    const int64_t start = ctx.input(0).data<T>()[0], limit = ctx.input(1).data<T>()[0],
                  delta = ctx.input(2).data<T>()[0];
    if (delta == 0) ctx.fail(ErrorCode::InvalidArgument, "delta is 0");
    // In 128 bits: limit - start and the element values cannot overflow there.
    const __int128 span = static_cast<__int128>(limit) - start;
    __int128 count = span / delta + ((span % delta != 0) && ((span < 0) == (delta < 0)) ? 1 : 0);
    if (count < 0) count = 0;
    if (count > INT64_MAX) ctx.fail(ErrorCode::InvalidArgument, "range has too many elements");
    const auto n = static_cast<int64_t>(count);
    checked_output_size(ctx, {n});
    T* out = ctx.output(0, data_type_v<T>, {n}).template data<T>();
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(start + static_cast<__int128>(i) * delta);
  }

  template <class T, class C>
  static void fill_floats(KernelContext& ctx) {
    const C start = static_cast<C>(to_compute(ctx.input(0).data<T>()[0]));
    const C limit = static_cast<C>(to_compute(ctx.input(1).data<T>()[0]));
    const C delta = static_cast<C>(to_compute(ctx.input(2).data<T>()[0]));
    if (delta == 0) ctx.fail(ErrorCode::InvalidArgument, "delta is 0");
    double count = std::ceil((static_cast<double>(limit) - static_cast<double>(start)) / static_cast<double>(delta));
    if (!std::isfinite(count)) ctx.fail(ErrorCode::InvalidArgument, "range of ", start, " to ", limit, " is not finite");
    if (count > 9.0e18) ctx.fail(ErrorCode::InvalidArgument, "range has too many elements (", count, ")");
    const int64_t n = count > 0 ? static_cast<int64_t>(count) : 0;
    checked_output_size(ctx, {n});
    T* out = ctx.output(0, data_type_v<T>, {n}).template data<T>();
    for (int64_t i = 0; i < n; ++i) out[i] = from_compute<T>(static_cast<compute_t<T>>(start + static_cast<C>(i) * delta));
  }

  bool stash_double_ = false;
};

constexpr TypeSet kRangeTypes{DataType::Float, DataType::Double, DataType::Int16, DataType::Int32, DataType::Int64};

constexpr OpRow kRangeRows[] = {
    {"Range", 11, kRangeTypes, make_kernel<RangeKernel<false>>},
    {"Range", 27, kRangeTypes | TypeSet{DataType::Float16, DataType::BFloat16}, make_kernel<RangeKernel<true>>},
};
static_assert(std::size(kRangeRows) == 2, "update the row count together with the table");

}  // namespace

void register_range(Registry& r) { register_rows(r, kRangeRows); }

}  // namespace onyxrt::ops
