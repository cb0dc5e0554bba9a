// ai.onnx.ml LabelEncoder: maps each element through a key -> value table.
//  1: classes_strings; a string becomes its index in the list (default_int64), an int64 the
//     string at that index (default_string).
//  2: keys_{strings,int64s,floats} -> values_{strings,int64s,floats}, default_* of the value type.
//  4: also keys_tensor / values_tensor (string, int64, float, double, int32, int16) and
//     default_tensor.
// Float keys compare by value with every NaN matching NaN (-0.0 matches 0.0); a repeated key
// takes the last value (the opset 4 rule, applied to opset 2 as well).
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "base/parallel.h"
#include "ops/elementwise_types.h"
#include "ops/registry.h"

namespace onyxrt::ops {
namespace {

constexpr int64_t kGrain = 4096;  // lookups per parallel chunk

using LabelTypes = TypeList<std::string, int64_t, float, double, int32_t, int16_t>;

template <class K>
struct KeyHash {
  size_t operator()(const K& k) const {
    if constexpr (std::is_floating_point_v<K>) {
      if (std::isnan(k)) return 0;
      if (k == 0) return 1;  // -0.0 and 0.0 hash alike
    }
    return std::hash<K>{}(k);
  }
};

template <class K>
struct KeyEqual {
  bool operator()(const K& a, const K& b) const {
    if constexpr (std::is_floating_point_v<K>) {
      if (std::isnan(a) && std::isnan(b)) return true;
    }
    return a == b;
  }
};

// The default of each value type: default_tensor (opset 4) when given, else the typed attribute
// that goes with values_* of that type.
struct Defaults {
  const Tensor* tensor = nullptr;
  std::string text = "_Unused";
  int64_t integer = -1;
  float real = -0.0f;
};

class Mapping {
 public:
  virtual ~Mapping() = default;
  virtual void apply(const Tensor& x, Tensor& y, int threads) const = 0;
};

template <class K, class V>
class TypedMapping final : public Mapping {
 public:
  TypedMapping(const Tensor& keys, const Tensor& values, const Defaults& d) {
    const K* k = keys.data<K>();
    const V* v = values.data<V>();
    map_.reserve(static_cast<size_t>(keys.size()));
    for (int64_t i = 0; i < keys.size(); ++i) map_[k[i]] = v[i];
    if (d.tensor != nullptr) {
      default_ = d.tensor->data<V>()[0];
    } else if constexpr (std::is_same_v<V, std::string>) {
      default_ = d.text;
    } else if constexpr (std::is_floating_point_v<V>) {
      default_ = static_cast<V>(d.real);
    } else {
      default_ = static_cast<V>(d.integer);
    }
  }

  void apply(const Tensor& x, Tensor& y, int threads) const override {
    const K* xd = x.data<K>();
    V* yd = y.data<V>();
    parallel_for(x.size(), kGrain, threads, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        auto it = map_.find(xd[i]);
        yd[i] = it == map_.end() ? default_ : it->second;
      }
    });
  }

 private:
  std::unordered_map<K, V, KeyHash<K>, KeyEqual<K>> map_;
  V default_{};
};

template <class T>
Tensor list_tensor(DataType type, const std::vector<T>& items) {
  Tensor t(type, {static_cast<int64_t>(items.size())});
  for (size_t i = 0; i < items.size(); ++i) t.data<T>()[i] = items[i];
  return t;
}

// The one keys_* (or values_*) attribute given, as a 1-D tensor; fails when none or several are.
Tensor read_table_side(const KernelInfo& info, const std::string& side, bool tensor_allowed) {
  std::vector<Tensor> found;
  std::vector<std::string> names;
  auto take = [&](const std::string& name, Tensor t) {
    if (!info.has_attr(name)) return;
    found.push_back(std::move(t));
    names.push_back(name);
  };
  take(side + "_strings", list_tensor(DataType::String, info.attr_strings(side + "_strings")));
  take(side + "_int64s", list_tensor(DataType::Int64, info.attr_ints(side + "_int64s")));
  take(side + "_floats", list_tensor(DataType::Float, info.attr_floats(side + "_floats")));
  if (tensor_allowed && info.has_attr(side + "_tensor")) {
    const Tensor& t = *info.attr_tensor(side + "_tensor");
    if (!visit_type(t.dtype(), LabelTypes{}, [](auto) {}))
      info.fail(ErrorCode::InvalidGraph, "attribute '", side, "_tensor' has element type ", data_type_name(t.dtype()),
                "; expected string, int64, float, double, int32 or int16");
    take(side + "_tensor", t.reshaped({t.size()}));
  }
  if (found.size() != 1) {
    const std::string forms = tensor_allowed ? "_strings, _int64s, _floats, _tensor" : "_strings, _int64s, _floats";
    info.fail(ErrorCode::InvalidGraph, "exactly one of the '", side, "' attributes (", forms, ") must be given, got ",
              found.size());
  }
  return found.front();
}

template <bool kTensorAttributes>
class LabelEncoder final : public OpKernel {
 public:
  explicit LabelEncoder(const KernelInfo& info) {
    const Tensor keys = read_table_side(info, "keys", kTensorAttributes);
    const Tensor values = read_table_side(info, "values", kTensorAttributes);
    if (keys.size() != values.size())
      info.fail(ErrorCode::InvalidGraph, "keys (", keys.size(), ") and values (", values.size(),
                ") must have the same length");
    key_type_ = keys.dtype();
    value_type_ = values.dtype();
    Defaults d;
    d.text = info.attr_string("default_string", d.text);
    d.real = info.attr_float("default_float", d.real);
    if (value_type_ == DataType::Int64) d.integer = info.attr_int("default_int64", d.integer);
    if (kTensorAttributes && info.has_attr("default_tensor")) {
      d.tensor = info.attr_tensor("default_tensor");
      if (d.tensor->dtype() != value_type_ || d.tensor->size() < 1)
        info.fail(ErrorCode::InvalidGraph, "attribute 'default_tensor' must hold one ", data_type_name(value_type_),
                  " value (the values' type), got ", data_type_name(d.tensor->dtype()), " of shape ",
                  shape_to_string(d.tensor->shape()));
    }
    visit_type(key_type_, LabelTypes{}, [&](auto k) {
      visit_type(value_type_, LabelTypes{}, [&](auto v) {
        using K = typename decltype(k)::type;
        using V = typename decltype(v)::type;
        mapping_ = std::make_unique<TypedMapping<K, V>>(keys, values, d);
      });
    });
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.dtype() != key_type_)
      ctx.fail(ErrorCode::InvalidArgument, "input X has element type ", data_type_name(x.dtype()),
               " but the keys are ", data_type_name(key_type_));
    Tensor& y = ctx.output(0, value_type_, x.shape());
    mapping_->apply(x, y, ctx.threads());
  }

 private:
  DataType key_type_ = DataType::Undefined, value_type_ = DataType::Undefined;
  std::unique_ptr<Mapping> mapping_;
};

// Opset 1: the direction follows the input type.
class LabelEncoderV1 final : public OpKernel {
 public:
  explicit LabelEncoderV1(const KernelInfo& info) {
    const std::vector<std::string> classes = info.attr_strings("classes_strings");
    const std::vector<int64_t> index = [&] {
      std::vector<int64_t> v(classes.size());
      for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int64_t>(i);
      return v;
    }();
    const Tensor names = list_tensor(DataType::String, classes), ids = list_tensor(DataType::Int64, index);
    Defaults d;
    d.text = info.attr_string("default_string", d.text);
    d.integer = info.attr_int("default_int64", d.integer);
    to_index_ = std::make_unique<TypedMapping<std::string, int64_t>>(names, ids, d);
    to_string_ = std::make_unique<TypedMapping<int64_t, std::string>>(ids, names, d);
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const bool strings = x.dtype() == DataType::String;
    Tensor& y = ctx.output(0, strings ? DataType::Int64 : DataType::String, x.shape());
    (strings ? to_index_ : to_string_)->apply(x, y, ctx.threads());
  }

 private:
  std::unique_ptr<Mapping> to_index_, to_string_;
};

}  // namespace

void register_ml_label_encoder(Registry& r) {
  const TypeSet v2_keys{DataType::String, DataType::Int64, DataType::Float};
  const TypeSet v4_keys = v2_keys | TypeSet{DataType::Double, DataType::Int32, DataType::Int16};
  r.add({"ai.onnx.ml", "LabelEncoder", 1, {DataType::String, DataType::Int64}, make_kernel<LabelEncoderV1>});
  r.add({"ai.onnx.ml", "LabelEncoder", 2, v2_keys, make_kernel<LabelEncoder<false>>});
  r.add({"ai.onnx.ml", "LabelEncoder", 4, v4_keys, make_kernel<LabelEncoder<true>>});
}

}  // namespace onyxrt::ops
