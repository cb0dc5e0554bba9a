// com.microsoft FusedConv (contrib opset 1), as onnxruntime defines it:
//   Y = activation(Conv(X, W, B) + Z)
// with Conv's attributes, the optional residual Z of Y's shape, 'activation' one of Relu, Clip,
// LeakyRelu, Sigmoid, Tanh, HardSigmoid (none: identity) and 'activation_params' its parameters
// (Clip: min, max; LeakyRelu: alpha; HardSigmoid: alpha, beta). The optimizer's
// fuse_conv_activation writes it; models onnxruntime optimized contain it too.
#include <string>
#include <vector>

#include "ops/nn/conv_core.h"
#include "ops/registry.h"

namespace onyxrt::ops {

ConvActivation parse_conv_activation(const KernelInfo& info) {
  using Kind = ConvActivation::Kind;
  struct Row {
    const char* name;
    Kind kind;
    size_t params;
  };
  static constexpr Row kRows[] = {{"Relu", Kind::Relu, 0},          {"Clip", Kind::Clip, 2},
                                  {"LeakyRelu", Kind::LeakyRelu, 1}, {"Sigmoid", Kind::Sigmoid, 0},
                                  {"Tanh", Kind::Tanh, 0},          {"HardSigmoid", Kind::HardSigmoid, 2}};
  ConvActivation act;
  if (!info.has_attr("activation")) return act;
  const std::string name = info.attr_string("activation", "");
  const std::vector<float> params = info.attr_floats("activation_params");
  for (const Row& row : kRows) {
    if (name != row.name) continue;
    // As in onnxruntime: an activation with parameters needs exactly its count; others ignore them.
    if (row.params > 0 && params.size() != row.params)
      info.fail(ErrorCode::InvalidGraph, "activation '", name, "' takes ", row.params,
                " activation_params, got ", params.size());
    act.kind = row.kind;
    if (row.params > 0) act.p0 = params[0];
    if (row.params > 1) act.p1 = params[1];
    return act;
  }
  info.fail(ErrorCode::InvalidGraph, "unsupported activation '", name,
            "' (expected Relu, Clip, LeakyRelu, Sigmoid, Tanh or HardSigmoid)");
}

namespace {

class FusedConv final : public ConvCore {
 public:
  explicit FusedConv(const KernelInfo& info) : ConvCore(info, parse_conv_activation(info), 3) {}
};

}  // namespace

void register_fused_conv(Registry& r) {
  r.add({"com.microsoft", "FusedConv", 1, {DataType::Float, DataType::Double, DataType::Float16},
         make_kernel<FusedConv>});
}

}  // namespace onyxrt::ops
