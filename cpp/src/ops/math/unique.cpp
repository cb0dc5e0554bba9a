#include <algorithm>
#include <cmath>
#include <iterator>
#include <numeric>
#include <string>

#include "ops/elementwise_types.h"
#include "ops/op_table.h"
#include "ops/tensor/tensor_args.h"

// Unique: the distinct elements (or, with `axis`, the distinct slices along it), sorted or in
// order of first occurrence, with the first-occurrence indices, the inverse map and the counts.
namespace onyxrt::ops {
namespace {

using UniqueTypeList = decltype(NumericBoolTypeList{} + TypeList<std::string>{});

class UniqueKernel final : public OpKernel {
 public:
  explicit UniqueKernel(const KernelInfo& info)
      : sorted_(info.attr_int("sorted", 1) != 0), has_axis_(info.has_attr("axis")), axis_(info.attr_int("axis", 0)) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    // x viewed as [outer, items, inner]; an item is the slice of outer * inner elements.
    int64_t outer = 1, items = x.size(), inner = 1;
    size_t a = 0;
    if (has_axis_) {
      int64_t axis = axis_;
      if (!normalize_axis(axis, static_cast<int64_t>(x.rank())))
        ctx.fail(ErrorCode::InvalidArgument, "axis ", axis_, " is out of range for input of rank ", x.rank());
      a = static_cast<size_t>(axis);
      items = x.dim(a);
      for (size_t d = 0; d < x.rank(); ++d) {
        if (d < a) outer *= x.dim(d);
        if (d > a) inner *= x.dim(d);
      }
    }
    bool supported = visit_type(x.dtype(), UniqueTypeList{}, [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* src = x.data<T>();
      auto at = [&](int64_t item, int64_t e) -> decltype(auto) {  // element e of an item's slice
        return to_compute(src[((e / inner) * items + item) * inner + e % inner]);
      };
      const int64_t width = outer * inner;
      auto less = [&](int64_t p, int64_t q) {
        for (int64_t e = 0; e < width; ++e) {
          const auto& u = at(p, e);
          const auto& v = at(q, e);
          if constexpr (is_float_v<T>) {  // NaN after every number and equal to NaN, as numpy
            const bool un = std::isnan(u), vn = std::isnan(v);
            if (un || vn) {
              if (un != vn) return vn;
              continue;
            }
          }
          if (u < v) return true;
          if (v < u) return false;
        }
        return false;
      };
      std::vector<int64_t> order(static_cast<size_t>(items));
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(), less);
      // Groups of equal items in sorted order; the first of each is its first occurrence.
      std::vector<int64_t> firsts, counts, inverse(static_cast<size_t>(items));
      std::vector<int64_t> group_of_sorted(static_cast<size_t>(items));
      for (size_t i = 0; i < order.size(); ++i) {
        if (i == 0 || less(order[i - 1], order[i])) {
          firsts.push_back(order[i]);
          counts.push_back(0);
        }
        ++counts.back();
        group_of_sorted[i] = static_cast<int64_t>(firsts.size()) - 1;
      }
      const size_t u = firsts.size();
      std::vector<size_t> rank_of_group(u);  // output position of each group
      std::iota(rank_of_group.begin(), rank_of_group.end(), size_t{0});
      if (!sorted_) {
        std::vector<size_t> by_first(u);
        std::iota(by_first.begin(), by_first.end(), size_t{0});
        std::sort(by_first.begin(), by_first.end(), [&](size_t p, size_t q) { return firsts[p] < firsts[q]; });
        for (size_t pos = 0; pos < u; ++pos) rank_of_group[by_first[pos]] = pos;
      }
      std::vector<int64_t> out_first(u), out_count(u);
      for (size_t g = 0; g < u; ++g) {
        out_first[rank_of_group[g]] = firsts[g];
        out_count[rank_of_group[g]] = counts[g];
      }
      for (size_t i = 0; i < order.size(); ++i)
        inverse[static_cast<size_t>(order[i])] = static_cast<int64_t>(rank_of_group[static_cast<size_t>(group_of_sorted[i])]);

      Shape y_shape = has_axis_ ? x.shape() : Shape{static_cast<int64_t>(u)};
      if (has_axis_) y_shape[a] = static_cast<int64_t>(u);
      Tensor& y = ctx.output(0, x.dtype(), y_shape);
      T* dst = y.data<T>();
      const auto un = static_cast<int64_t>(u);
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t g = 0; g < un; ++g)
          std::copy_n(src + (o * items + out_first[static_cast<size_t>(g)]) * inner, inner, dst + (o * un + g) * inner);
      auto write = [&](size_t i, const std::vector<int64_t>& v) {
        Tensor& t = ctx.output(i, DataType::Int64, Shape{static_cast<int64_t>(v.size())});
        std::copy(v.begin(), v.end(), t.data<int64_t>());
      };
      if (ctx.has_output(1)) write(1, out_first);
      if (ctx.has_output(2)) write(2, inverse);
      if (ctx.has_output(3)) write(3, out_count);
    });
    if (!supported) ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(x.dtype()), " is not supported");
  }

 private:
  bool sorted_;
  bool has_axis_;
  int64_t axis_;
};

constexpr TypeSet kUniqueTypes = kNumericTypes | TypeSet{DataType::Bool, DataType::String};
constexpr TypeSet kUniqueTypes11 = kNumericTypesNoBf16 | TypeSet{DataType::Bool, DataType::String};

constexpr OpRow kUniqueRows[] = {
    {"Unique", 11, kUniqueTypes11, make_kernel<UniqueKernel>},
    {"Unique", 28, kUniqueTypes, make_kernel<UniqueKernel>},
};
static_assert(std::size(kUniqueRows) == 2, "update the row count together with the table");

}  // namespace

void register_unique(Registry& r) { register_rows(r, kUniqueRows); }

}  // namespace onyxrt::ops
