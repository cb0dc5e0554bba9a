#pragma once

#include "base/cpu_features.h"
#include "kernels/conv/variants.h"
#include "kernels/conv_direct/variants.h"
#include "kernels/gemm/microkernel.h"
#include "kernels/layer_norm/variants.h"
#include "kernels/pack/variants.h"
#include "kernels/pool/variants.h"
#include "kernels/recurrent/variants.h"
#include "kernels/softmax/variants.h"
#include "kernels/vmath/variants.h"
#include "kernels/winograd/variants.h"

namespace onyxrt::kernels {

// Cache blocking of the f32 GEMM driver, in elements: op(A) blocks of MC x KC stay in L2, op(B)
// blocks of KC x NC in L3, and each KC x NR panel of B is reused from L1 across the MC rows.
struct GemmF32Config {
  GemmF32Ukernel ukernel;
  int mc, kc, nc;
};
GemmF32Config gemm_f32_config_for(const GemmF32Ukernel& ukernel);

// The kernels the operators use, filled once on first use (generic first, then overwritten by
// the best tier the CPU and ONYXRT_ISA allow) and read-only afterwards.
struct KernelTable {
  GemmF32Config gemm_f32;
  SoftmaxF32Variant softmax_f32;
  DepthwiseF32Variant depthwise_f32;
  ConvDirectF32Variant conv_direct_f32;  // its MR is the gemm_f32 microkernel's (same tier)
  ConvDirectTF32Variant conv_direct_t_f32;  // no kernel (tiles null) below AVX-512
  PoolF32Variant pool_f32;
  VmathF32Variant vmath_f32[kVmathF32Count];  // indexed by VmathF32
  LayerNormF32Variant layer_norm_f32;
  WinogradF32Variant winograd_f32;
  LstmCellF32Variant lstm_cell_f32;
  PackColumnsF32Variant pack_columns_f32;
};
const KernelTable& kernel_table();

// True when this CPU can execute code of the tier, whatever ONYXRT_ISA says (tests use this).
bool cpu_supports(IsaTier tier);
// True when the dispatcher may use the tier: the CPU supports it and ONYXRT_ISA does not cap it.
bool tier_enabled(IsaTier tier);

}  // namespace onyxrt::kernels
