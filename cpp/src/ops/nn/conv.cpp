// Conv (opsets 1, 11): the shared convolution kernel of conv_core.h with no activation and no
// residual input. com.microsoft FusedConv, the same kernel with both, is in fused_conv.cpp.
#include "ops/nn/conv_core.h"
#include "ops/registry.h"

namespace onyxrt::ops {
namespace {

class Conv final : public ConvCore {
 public:
  explicit Conv(const KernelInfo& info) : ConvCore(info, ConvActivation{}, -1) {}
};

}  // namespace

void register_conv(Registry& r) {
  const TypeSet types{DataType::Float, DataType::Double, DataType::Float16, DataType::BFloat16};
  r.add({"", "Conv", 1, types, make_kernel<Conv>});
  r.add({"", "Conv", 11, types, make_kernel<Conv>});
}

}  // namespace onyxrt::ops
