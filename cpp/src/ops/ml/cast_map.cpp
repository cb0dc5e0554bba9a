// ai.onnx.ml CastMap (ml opset 1): a map from int64 to string or float -> a [1, n] tensor of its
// values in key order, cast to float, int64 or string (cast_to). DENSE packs the n = map size
// values; SPARSE writes max_map columns, column k holding the value of key k or a pad (0, or
// "0.f" for strings, as onnxruntime pads). Strings parse as numbers like std::stof / std::stoll;
// floats print like std::to_string.
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <numeric>
#include <string>
#include <vector>

#include "ops/elementwise_types.h"
#include "ops/registry.h"
#include "ops/shape_check.h"
#include "ops/value_text.h"

namespace onyxrt::ops {
namespace {

enum class CastTo { Float, Int64, String };

class CastMap final : public OpKernel {
 public:
  explicit CastMap(const KernelInfo& info) : max_map_(info.attr_int("max_map", 1)) {
    const std::string to = info.attr_string("cast_to", "TO_FLOAT");
    if (to == "TO_FLOAT") {
      cast_to_ = CastTo::Float;
    } else if (to == "TO_INT64") {
      cast_to_ = CastTo::Int64;
    } else if (to == "TO_STRING") {
      cast_to_ = CastTo::String;
    } else {
      info.fail(ErrorCode::InvalidGraph, "attribute 'cast_to' must be TO_FLOAT, TO_INT64 or TO_STRING, got '", to, "'");
    }
    const std::string form = info.attr_string("map_form", "DENSE");
    if (form != "DENSE" && form != "SPARSE")
      info.fail(ErrorCode::InvalidGraph, "attribute 'map_form' must be DENSE or SPARSE, got '", form, "'");
    sparse_ = form == "SPARSE";
    if (sparse_ && max_map_ < 0) info.fail(ErrorCode::InvalidGraph, "attribute 'max_map' must be >= 0, got ", max_map_);
  }

  void compute(KernelContext& ctx) const override {
    const Value& in = ctx.input_value(0);
    if (!in.is_map()) ctx.fail(ErrorCode::InvalidArgument, "input X must be a map, got ", describe_value(in));
    const Tensor& keys = in.map_keys();
    const Tensor& values = in.map_values();
    if (keys.dtype() != DataType::Int64)
      ctx.fail(ErrorCode::InvalidArgument, "the map's keys are ", data_type_name(keys.dtype()), ", expected int64");
    const DataType vt = values.dtype();
    if (vt != DataType::String && vt != DataType::Float && vt != DataType::Double)
      ctx.fail(ErrorCode::InvalidArgument, "the map's values are ", data_type_name(vt), ", expected string or float");
    const int64_t* k = keys.data<int64_t>();
    std::vector<int64_t> order(static_cast<size_t>(keys.size()));
    std::iota(order.begin(), order.end(), int64_t{0});
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return k[a] < k[b]; });
    if (sparse_ && !order.empty() && k[order.front()] < 0)
      ctx.fail(ErrorCode::InvalidArgument, "SPARSE map_form needs keys >= 0, got ", k[order.front()]);

    const int64_t width = sparse_ ? max_map_ : static_cast<int64_t>(order.size());
    const DataType out_type = cast_to_ == CastTo::Float   ? DataType::Float
                              : cast_to_ == CastTo::Int64 ? DataType::Int64
                                                          : DataType::String;
    checked_output_size(ctx, {1, width});
    Tensor& y = ctx.output(0, out_type, {1, width});
    size_t next = 0;
    for (int64_t col = 0; col < width; ++col) {
      int64_t source = -1;
      if (!sparse_) {
        source = order[static_cast<size_t>(col)];
      } else {
        while (next < order.size() && k[order[next]] < col) ++next;
        if (next < order.size() && k[order[next]] == col) source = order[next];
      }
      write(ctx, values, source, y, col);
    }
  }

 private:
  // y[col] = the cast of values[source], or the pad when source < 0.
  void write(const KernelContext& ctx, const Tensor& values, int64_t source, Tensor& y, int64_t col) const {
    if (cast_to_ == CastTo::String) {
      std::string& out = y.data<std::string>()[col];
      if (source < 0) {
        out = "0.f";
      } else if (values.dtype() == DataType::String) {
        out = values.data<std::string>()[source];
      } else {
        out = std::to_string(number_at(values, source));
      }
      return;
    }
    const bool text = source >= 0 && values.dtype() == DataType::String;
    if (cast_to_ == CastTo::Float) {
      y.data<float>()[col] = source < 0 ? 0.f : text ? parse_float(ctx, values.data<std::string>()[source])
                                                     : number_at(values, source);
    } else {
      y.data<int64_t>()[col] = source < 0 ? 0
                               : text     ? parse_int(ctx, values.data<std::string>()[source])
                                          : float_to_integer<int64_t>(number_at(values, source));
    }
  }

  static float number_at(const Tensor& values, int64_t i) {
    return values.dtype() == DataType::Float ? values.data<float>()[i]
                                             : static_cast<float>(values.data<double>()[i]);
  }

  static float parse_float(const KernelContext& ctx, const std::string& text) {
    char* end = nullptr;
    errno = 0;
    const float v = std::strtof(text.c_str(), &end);
    if (end == text.c_str() || errno == ERANGE)
      ctx.fail(ErrorCode::InvalidArgument, "map value '", text, "' is not a float");
    return v;
  }

  static int64_t parse_int(const KernelContext& ctx, const std::string& text) {
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(text.c_str(), &end, 10);
    if (end == text.c_str() || errno == ERANGE)
      ctx.fail(ErrorCode::InvalidArgument, "map value '", text, "' is not an int64");
    return static_cast<int64_t>(v);
  }

  CastTo cast_to_ = CastTo::Float;
  bool sparse_ = false;
  int64_t max_map_;
};

}  // namespace

void register_ml_cast_map(Registry& r) { r.add({"ai.onnx.ml", "CastMap", 1, TypeSet::all(), make_kernel<CastMap>}); }

}  // namespace onyxrt::ops
