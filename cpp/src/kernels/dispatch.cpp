// The dispatch table: filled once from generic/, then each ISA tier the CPU supports (and
// ONYXRT_ISA allows) overwrites the slots it improves, in gemm_f32.inc order (best last).
#include "kernels/dispatch.h"

#include "kernels/conv.h"
#include "kernels/softmax.h"

namespace onyxrt::kernels {

bool cpu_supports(IsaTier tier) {
  const CpuFeatures& f = cpu_features();
  switch (tier) {
    case IsaTier::Generic: return true;
    case IsaTier::Avx2: return f.avx2_fma;
    case IsaTier::Avx512: return f.avx512;
    case IsaTier::Neon: return f.neon;
  }
  return false;
}

bool tier_enabled(IsaTier tier) {
  if (!cpu_supports(tier)) return false;
  IsaTier selected = selected_isa_tier();
  switch (tier) {
    case IsaTier::Generic: return true;
    case IsaTier::Avx2: return selected == IsaTier::Avx2 || selected == IsaTier::Avx512;
    case IsaTier::Avx512: return selected == IsaTier::Avx512;
    case IsaTier::Neon: return selected == IsaTier::Neon;
  }
  return false;
}

GemmF32Config gemm_f32_config_for(const GemmF32Ukernel& ukernel) {
  // KC = 256: a 256 x NR panel of B (16-32 KiB) plus an MR x 256 panel of A fit L1 next to
  // C's tile; MC ~ 240 rows keeps 240 KiB of A in a 512 KiB-1 MiB L2; NC bounds the packed B
  // block (4 MiB at NR = 32) for a shared L3. Rounded to the tile so panels never straddle.
  GemmF32Config c;
  c.ukernel = ukernel;
  c.kc = 256;
  c.mc = (240 / ukernel.mr) * ukernel.mr;
  c.nc = (4096 / ukernel.nr) * ukernel.nr;
  return c;
}

namespace {

KernelTable build_table() {
  KernelTable t;
  t.gemm_f32 = gemm_f32_config_for(kGemmF32Ukernels[0]);
  for (const GemmF32Ukernel& uk : kGemmF32Ukernels) {
    if (tier_enabled(uk.tier)) t.gemm_f32 = gemm_f32_config_for(uk);
  }
  t.softmax_f32 = kSoftmaxF32Variants[0];
  for (const SoftmaxF32Variant& v : kSoftmaxF32Variants) {
    if (tier_enabled(v.tier)) t.softmax_f32 = v;
  }
  t.depthwise_f32 = kDepthwiseF32Variants[0];
  for (const DepthwiseF32Variant& v : kDepthwiseF32Variants) {
    if (tier_enabled(v.tier)) t.depthwise_f32 = v;
  }
  return t;
}

}  // namespace

void softmax_f32(const float* x, float* y, int64_t n, bool log) {
  if (n > 0) kernel_table().softmax_f32.fn(x, y, n, log);
}

const char* softmax_f32_kernel_name() { return kernel_table().softmax_f32.name; }

void depthwise_conv_f32(const ConvGeometry& g, int64_t multiplier, const float* x, const float* w, const float* bias,
                        float* y, int64_t c0, int64_t c1) {
  kernel_table().depthwise_f32.fn(g, multiplier, x, w, bias, y, c0, c1);
}

const KernelTable& kernel_table() {
  static const KernelTable table = build_table();
  return table;
}

}  // namespace onyxrt::kernels
