// ai.onnx.ml OneHotEncoder and CategoryMapper (ml opset 1): category lookups.
#include <algorithm>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "base/parallel.h"
#include "ops/elementwise_types.h"
#include "ops/registry.h"
#include "ops/shape_check.h"

namespace onyxrt::ops {
namespace {

constexpr int64_t kGrain = 4096;  // lookups per parallel chunk

// Y has X's shape plus a last axis of one column per category: 1 where X holds that category.
// Numbers are truncated to int64 and looked up in cats_int64s, strings in cats_strings. A value
// in no category gives a row of zeros, or an error when zeros = 0.
class OneHotEncoder final : public OpKernel {
 public:
  explicit OneHotEncoder(const KernelInfo& info) : zeros_(info.attr_int("zeros", 1) != 0) {
    const std::vector<int64_t> ints = info.attr_ints("cats_int64s");
    const std::vector<std::string> strings = info.attr_strings("cats_strings");
    if (ints.empty() == strings.empty())
      info.fail(ErrorCode::InvalidGraph, "exactly one of 'cats_int64s' and 'cats_strings' must be given (non-empty)");
    strings_ = !strings.empty();
    count_ = static_cast<int64_t>(strings_ ? strings.size() : ints.size());
    for (size_t i = 0; i < ints.size(); ++i) int_index_[ints[i]] = static_cast<int64_t>(i);
    for (size_t i = 0; i < strings.size(); ++i) string_index_[strings[i]] = static_cast<int64_t>(i);
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if ((x.dtype() == DataType::String) != strings_)
      ctx.fail(ErrorCode::InvalidArgument, "input X of type ", data_type_name(x.dtype()), " needs '",
               x.dtype() == DataType::String ? "cats_strings" : "cats_int64s", "', but only '",
               strings_ ? "cats_strings" : "cats_int64s", "' is given");
    Shape shape = x.shape();
    shape.push_back(count_);
    checked_output_size(ctx, shape);
    Tensor& y = ctx.output(0, DataType::Float, shape);
    float* yd = y.data<float>();
    std::fill_n(yd, y.size(), 0.0f);  // the hot positions are set below
    std::vector<int64_t> column(static_cast<size_t>(x.size()));
    visit_type(x.dtype(), TypeList<std::string, int64_t, int32_t, float, double>{}, [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* xd = x.data<T>();
      parallel_for(x.size(), kGrain, ctx.threads(), [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) column[i] = category_of(xd[i]);
      });
    });
    for (int64_t i = 0; i < x.size(); ++i) {
      if (column[i] >= 0) {
        yd[i * count_ + column[i]] = 1.f;
      } else if (!zeros_) {
        ctx.fail(ErrorCode::InvalidArgument, "element ", i, " of X is in no category and attribute 'zeros' is 0");
      }
    }
  }

 private:
  template <class T>
  int64_t category_of(const T& v) const {
    if constexpr (std::is_same_v<T, std::string>) {
      auto it = string_index_.find(v);
      return it == string_index_.end() ? -1 : it->second;
    } else {
      int64_t key = 0;
      if constexpr (std::is_floating_point_v<T>) {
        key = float_to_integer<int64_t>(static_cast<double>(v));
      } else {
        key = static_cast<int64_t>(v);
      }
      auto it = int_index_.find(key);
      return it == int_index_.end() ? -1 : it->second;
    }
  }

  bool zeros_;
  bool strings_ = false;
  int64_t count_ = 0;
  std::unordered_map<int64_t, int64_t> int_index_;
  std::unordered_map<std::string, int64_t> string_index_;
};

// cats_strings[i] <-> cats_int64s[i]: strings become int64s (default_int64 when unknown), int64s
// become strings (default_string). A repeated category keeps its last pairing.
class CategoryMapper final : public OpKernel {
 public:
  explicit CategoryMapper(const KernelInfo& info)
      : default_int_(info.attr_int("default_int64", -1)),
        default_string_(info.attr_string("default_string", "_Unused")) {
    const std::vector<std::string> strings = info.attr_strings("cats_strings");
    const std::vector<int64_t> ints = info.attr_ints("cats_int64s");
    if (strings.size() != ints.size())
      info.fail(ErrorCode::InvalidGraph, "attributes 'cats_strings' (", strings.size(), " values) and 'cats_int64s' (",
                ints.size(), " values) must have the same length");
    for (size_t i = 0; i < ints.size(); ++i) {
      to_int_[strings[i]] = ints[i];
      to_string_[ints[i]] = strings[i];
    }
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.dtype() == DataType::String) {
      map_all(ctx, x, ctx.output(0, DataType::Int64, x.shape()).data<int64_t>(), to_int_, default_int_);
    } else {
      map_all(ctx, x, ctx.output(0, DataType::String, x.shape()).data<std::string>(), to_string_, default_string_);
    }
  }

 private:
  template <class K, class V>
  static void map_all(const KernelContext& ctx, const Tensor& x, V* y, const std::unordered_map<K, V>& table,
                      const V& fallback) {
    const K* xd = x.data<K>();
    parallel_for(x.size(), kGrain, ctx.threads(), [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        auto it = table.find(xd[i]);
        y[i] = it == table.end() ? fallback : it->second;
      }
    });
  }

  int64_t default_int_;
  std::string default_string_;
  std::unordered_map<std::string, int64_t> to_int_;
  std::unordered_map<int64_t, std::string> to_string_;
};

}  // namespace

void register_ml_encoders(Registry& r) {
  const TypeSet one_hot{DataType::String, DataType::Int64, DataType::Int32, DataType::Float, DataType::Double};
  r.add({"ai.onnx.ml", "OneHotEncoder", 1, one_hot, make_kernel<OneHotEncoder>});
  r.add({"ai.onnx.ml", "CategoryMapper", 1, {DataType::String, DataType::Int64}, make_kernel<CategoryMapper>});
}

}  // namespace onyxrt::ops
