#include <algorithm>
#include <iterator>

#include "ops/elementwise_types.h"
#include "ops/op_table.h"
#include "ops/shape_check.h"

// Trilu (keep the upper or lower triangle of the last two dims) and EyeLike (a 2-D identity,
// shifted by k, in the input's shape).
namespace onyxrt::ops {
namespace {

class TriluKernel final : public OpKernel {
 public:
  explicit TriluKernel(const KernelInfo& info) : upper_(info.attr_int("upper", 1) != 0) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.rank() < 2) ctx.fail(ErrorCode::InvalidArgument, "input must have rank >= 2, got ", shape_to_string(x.shape()));
    int64_t k = 0;
    if (ctx.has_input(1)) {
      const Tensor& kt = ctx.input(1);
      if (kt.dtype() != DataType::Int64 || kt.size() != 1)
        ctx.fail(ErrorCode::InvalidArgument, "'k' must be a single int64, got ", data_type_name(kt.dtype()), " ",
                 shape_to_string(kt.shape()));
      k = kt.data<int64_t>()[0];
    }
    const int64_t rows = x.dim(x.rank() - 2), cols = x.dim(x.rank() - 1);
    Tensor& y = ctx.output(0, x.dtype(), x.shape());
    if (y.size() == 0) return;
    const int64_t batches = y.size() / (rows * cols);
    bool supported = visit_element_width(x.dtype(), [&](auto tag) {
      using W = typename decltype(tag)::type;
      const W* s = x.data<W>();
      W* d = y.data<W>();
      for (int64_t b = 0; b < batches; ++b)
        for (int64_t i = 0; i < rows; ++i)
          for (int64_t j = 0; j < cols; ++j) {
            const int64_t at = (b * rows + i) * cols + j;
            const bool keep = upper_ ? (j - i >= k) : (j - i <= k);
            d[at] = keep ? s[at] : W{};
          }
    });
    if (!supported) ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(x.dtype()), " is not supported");
  }

 private:
  bool upper_;
};

using EyeTypeList = decltype(NumericTypeList{} + BoolTypeList{});

class EyeLikeKernel final : public OpKernel {
 public:
  explicit EyeLikeKernel(const KernelInfo& info) : k_(info.attr_int("k", 0)) {
    if (info.has_attr("dtype")) {
      dtype_ = static_cast<DataType>(info.attr_int("dtype", 0));
      if (!type_set_of(EyeTypeList{}).contains(dtype_))
        info.fail(ErrorCode::InvalidGraph, "attribute 'dtype' ", info.attr_int("dtype", 0), " is not supported");
      has_dtype_ = true;
    }
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.rank() != 2) ctx.fail(ErrorCode::InvalidArgument, "input must be 2-D, got ", shape_to_string(x.shape()));
    const DataType type = has_dtype_ ? dtype_ : x.dtype();
    Tensor& y = ctx.output(0, type, x.shape());
    const int64_t rows = x.dim(0), cols = x.dim(1);
    bool supported = visit_type(type, EyeTypeList{}, [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* d = y.data<T>();
      std::fill_n(d, y.size(), from_compute<T>(0));
      for (int64_t i = 0; i < rows; ++i) {
        const int64_t j = i + k_;
        if (j >= 0 && j < cols) d[i * cols + j] = from_compute<T>(1);
      }
    });
    if (!supported) ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(type), " is not supported");
  }

 private:
  int64_t k_;
  bool has_dtype_ = false;
  DataType dtype_ = DataType::Undefined;
};

constexpr TypeSet kTriluTypes = kNumericTypes | kBoolTypes;
constexpr OpRow kTriluEyeRows[] = {
    {"Trilu", 14, kWholeByteTypes, make_kernel<TriluKernel>},
    {"EyeLike", 9, kNumericTypesNoBf16 | kBoolTypes, make_kernel<EyeLikeKernel>},
    {"EyeLike", 22, kTriluTypes, make_kernel<EyeLikeKernel>},
};
static_assert(std::size(kTriluEyeRows) == 3, "update the row count together with the table");

}  // namespace

void register_trilu_eye(Registry& r) { register_rows(r, kTriluEyeRows); }

}  // namespace onyxrt::ops
