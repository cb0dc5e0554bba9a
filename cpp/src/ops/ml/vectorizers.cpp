// ai.onnx.ml DictVectorizer, FeatureVectorizer and ArrayFeatureExtractor (ml opset 1): feature
// vectors assembled from a map, from several tensors, or from selected columns.
#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/parallel.h"
#include "ops/elementwise_types.h"
#include "ops/ml/ml_features.h"
#include "ops/registry.h"
#include "ops/shape_check.h"
#include "ops/value_text.h"

namespace onyxrt::ops {
namespace {

using namespace ml;

// A map -> [1, V]: column j holds the map's value for vocabulary[j] (string_vocabulary for string
// keys, int64_vocabulary for int64 keys), 0 (or "") when the map has no such key.
class DictVectorizer final : public OpKernel {
 public:
  explicit DictVectorizer(const KernelInfo& info)
      : strings_(info.attr_strings("string_vocabulary")), ints_(info.attr_ints("int64_vocabulary")) {
    if (strings_.empty() == ints_.empty())
      info.fail(ErrorCode::InvalidGraph,
                "exactly one of 'string_vocabulary' and 'int64_vocabulary' must be given (non-empty)");
  }

  void compute(KernelContext& ctx) const override {
    const Value& in = ctx.input_value(0);
    if (!in.is_map()) ctx.fail(ErrorCode::InvalidArgument, "input X must be a map, got ", describe_value(in));
    const Tensor& keys = in.map_keys();
    const Tensor& values = in.map_values();
    const bool string_keys = keys.dtype() == DataType::String;
    if (string_keys ? strings_.empty() : (keys.dtype() != DataType::Int64 || ints_.empty()))
      ctx.fail(ErrorCode::InvalidArgument, "the map's keys are ", data_type_name(keys.dtype()),
               " but the vocabulary is ", strings_.empty() ? "int64_vocabulary" : "string_vocabulary");
    const int64_t width = static_cast<int64_t>(string_keys ? strings_.size() : ints_.size());
    Tensor& y = ctx.output(0, values.dtype(), {1, width});
    const bool known = visit_type(values.dtype(), TypeList<float, double, int64_t, std::string>{}, [&](auto tag) {
      using V = typename decltype(tag)::type;
      if (string_keys) {
        fill(keys.data<std::string>(), values.data<V>(), keys.size(), strings_, y.data<V>());
      } else {
        fill(keys.data<int64_t>(), values.data<V>(), keys.size(), ints_, y.data<V>());
      }
    });
    if (!known)
      ctx.fail(ErrorCode::InvalidArgument, "the map's values are ", data_type_name(values.dtype()),
               "; expected float, double, int64 or string");
  }

 private:
  template <class K, class V>
  static void fill(const K* keys, const V* values, int64_t n, const std::vector<K>& vocabulary, V* y) {
    std::unordered_map<K, int64_t> position;
    position.reserve(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) position[keys[i]] = i;
    for (size_t j = 0; j < vocabulary.size(); ++j) {
      auto it = position.find(vocabulary[j]);
      y[j] = it == position.end() ? V{} : values[it->second];
    }
  }

  std::vector<std::string> strings_;
  std::vector<int64_t> ints_;
};

// Inputs i = 0..k-1 ([C_i] as one row, or [N, C_i, ...] as N rows) -> [N, sum(inputdimensions)]:
// each row's first inputdimensions[i] features of input i, zero-padded when it has fewer.
class FeatureVectorizer final : public OpKernel {
 public:
  explicit FeatureVectorizer(const KernelInfo& info) : dims_(info.attr_ints("inputdimensions")) {
    if (dims_.size() != info.input_count())
      info.fail(ErrorCode::InvalidGraph, "attribute 'inputdimensions' has ", dims_.size(), " values for ",
                info.input_count(), " inputs");
    for (int64_t d : dims_) {
      if (d < 0) info.fail(ErrorCode::InvalidGraph, "attribute 'inputdimensions' has a negative value ", d);
      total_ += d;
    }
  }

  void compute(KernelContext& ctx) const override {
    const int64_t n = rows_of(ctx, ctx.input(0));
    checked_output_size(ctx, {n, total_});
    Tensor& y = ctx.output(0, DataType::Float, {n, total_});
    float* yd = y.data<float>();
    std::fill_n(yd, y.size(), 0.0f);  // an input narrower than its declared width pads with zeros
    int64_t offset = 0;
    for (size_t i = 0; i < dims_.size(); ++i) {
      const Tensor& x = ctx.input(i);
      if (rows_of(ctx, x) != n)
        ctx.fail(ErrorCode::InvalidArgument, "input ", i, " has shape ", shape_to_string(x.shape()), ": ",
                 rows_of(ctx, x), " rows where input 0 has ", n);
      if (!kMlNumericTypes.contains(x.dtype()))
        ctx.fail(ErrorCode::InvalidArgument, "input ", i, " has element type ", data_type_name(x.dtype()),
                 ", expected float, double, int64 or int32");
      const Tensor xf = to_float_tensor(x);
      const int64_t width = n == 0 ? 0 : x.size() / n;
      const int64_t copied = std::min(width, dims_[i]);
      for (int64_t r = 0; r < n; ++r)
        std::copy_n(xf.data<float>() + r * width, copied, yd + r * total_ + offset);
      offset += dims_[i];
    }
  }

 private:
  static int64_t rows_of(const KernelContext& ctx, const Tensor& x) {
    if (x.rank() == 0) ctx.fail(ErrorCode::InvalidArgument, "inputs must have at least one dimension, got a scalar");
    return x.rank() == 1 ? 1 : x.dim(0);
  }

  std::vector<int64_t> dims_;
  int64_t total_ = 0;
};

// Z = X[..., Y] with Y's values (any shape) flattened into the last axis; a 1-D X gives [1, n].
class ArrayFeatureExtractor final : public OpKernel {
 public:
  explicit ArrayFeatureExtractor(const KernelInfo&) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& indices = ctx.input(1);
    if (x.rank() == 0) ctx.fail(ErrorCode::InvalidArgument, "input X must have at least one dimension, got a scalar");
    if (indices.dtype() != DataType::Int64)
      ctx.fail(ErrorCode::InvalidArgument, "input Y has element type ", data_type_name(indices.dtype()),
               ", expected int64");
    const int64_t stride = x.dim(x.rank() - 1);
    const int64_t count = indices.size();
    const int64_t* index = indices.data<int64_t>();
    for (int64_t j = 0; j < count; ++j) {
      if (index[j] < 0 || index[j] >= stride)
        ctx.fail(ErrorCode::InvalidArgument, "index Y[", j, "] = ", index[j], " is out of range [0, ", stride,
                 ") for X of shape ", shape_to_string(x.shape()));
    }
    Shape shape = x.shape();
    if (x.rank() == 1) shape.insert(shape.begin(), 1);  // onnxruntime's shape for a 1-D X
    shape.back() = count;
    checked_output_size(ctx, shape);
    Tensor& z = ctx.output(0, x.dtype(), shape);
    const int64_t rows = stride == 0 ? 0 : x.size() / stride;
    visit_element_width(x.dtype(), [&](auto tag) {
      using W = typename decltype(tag)::type;
      const W* xd = x.data<W>();
      W* zd = z.data<W>();
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t j = 0; j < count; ++j) zd[r * count + j] = xd[r * stride + index[j]];
    });
  }
};

}  // namespace

void register_ml_vectorizers(Registry& r) {
  r.add({"ai.onnx.ml", "DictVectorizer", 1, TypeSet::all(), make_kernel<DictVectorizer>});
  r.add({"ai.onnx.ml", "FeatureVectorizer", 1, kMlNumericTypes, make_kernel<FeatureVectorizer>});
  r.add({"ai.onnx.ml", "ArrayFeatureExtractor", 1, kMlNumericTypes | TypeSet{DataType::String},
         make_kernel<ArrayFeatureExtractor>});
}

}  // namespace onyxrt::ops
